/**
 * Writes sample data as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`.
 *
 * promtool is unforgiving in silent ways, so this writer refuses what it would mangle:
 * timestamps must be in seconds (milliseconds are read as seconds, 1000x in the future),
 * samples of a series must be in time order (out-of-order ones are dropped), and a
 * metric family must not be split (all its samples under one TYPE line).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export type MetricType = 'gauge' | 'counter';

export interface Sample {
  /** Unix time in seconds. */
  readonly tSeconds: number;
  readonly value: number;
}

export interface SeriesData {
  readonly labels: Readonly<Record<string, string>>;
  /** In time order; any iterable, so long series can be generated lazily. */
  readonly samples: Iterable<Sample>;
}

export interface MetricFamily {
  /** Family name; for counters without `_total` (a trailing `_total` is accepted and stripped). */
  readonly name: string;
  readonly type: MetricType;
  readonly help?: string;
  readonly series: readonly SeriesData[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** 1e11 s is the year 5138; a larger "seconds" value is almost surely milliseconds. */
const MAX_PLAUSIBLE_SECONDS = 1e11;

/** Escapes a label value (or HELP text) for OpenMetrics: backslash, double quote, newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** OpenMetrics number syntax: NaN, +Inf, -Inf, or a decimal/exponent literal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '';
  const parts = names.map((name) => {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`invalid label name "${name}"`);
    return `${name}="${escapeLabelValue(labels[name]!)}"`;
  });
  return `{${parts.join(',')}}`;
}

/** The text, line by line (each line ends with "\n"); the last line is "# EOF\n". */
export function* openMetricsLines(families: Iterable<MetricFamily>): Generator<string> {
  const seen = new Set<string>();
  for (const family of families) {
    const base = family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
    if (!METRIC_NAME.test(base)) throw new Error(`invalid metric name "${family.name}"`);
    if (seen.has(base)) throw new Error(`metric family "${base}" appears twice; OpenMetrics needs it in one block`);
    seen.add(base);
    yield `# TYPE ${base} ${family.type}\n`;
    if (family.help !== undefined) yield `# HELP ${base} ${escapeLabelValue(family.help)}\n`;
    // OpenMetrics requires the _total suffix on the samples of a counter family.
    const sampleName = family.type === 'counter' ? `${base}_total` : base;
    for (const series of family.series) {
      const prefix = `${sampleName}${formatLabels(series.labels)} `;
      let previous = Number.NEGATIVE_INFINITY;
      for (const { tSeconds, value } of series.samples) {
        if (!Number.isFinite(tSeconds) || tSeconds < 0 || tSeconds > MAX_PLAUSIBLE_SECONDS) {
          throw new Error(`${prefix.trim()}: timestamp ${tSeconds} is not in seconds (milliseconds?)`);
        }
        if (tSeconds <= previous) {
          throw new Error(`${prefix.trim()}: samples out of time order (${tSeconds} after ${previous})`);
        }
        previous = tSeconds;
        yield `${prefix}${formatValue(value)} ${tSeconds}\n`;
      }
    }
  }
  yield '# EOF\n';
}

/** Streams the families to `path` in chunks, respecting back-pressure; the file can be tens of MB. */
export async function writeOpenMetrics(path: string, families: Iterable<MetricFamily>): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const CHUNK_CHARS = 1 << 16;
  try {
    let chunk = '';
    for (const line of openMetricsLines(families)) {
      chunk += line;
      if (chunk.length >= CHUNK_CHARS) {
        if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
        chunk = '';
      }
    }
    out.end(chunk);
    await Promise.race([once(out, 'finish'), failed]);
  } catch (error) {
    out.destroy();
    throw error;
  }
}
