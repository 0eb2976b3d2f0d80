/**
 * Recordings of real Python services under real load (test/fixtures/recorded/, made by
 * scripts/record/record.ts): each `<id>.om` (OpenMetrics, seconds) with its `<id>.json` metadata.
 *
 * `loadRecordings()` reads every pair into `MetricFamily` form (the shape openmetrics.ts writes),
 * and `stretchRecording()` stretches one in time about its start, e.g. x36 turns a 10-minute
 * recording at 1 s spacing into 6 h at 36 s spacing, so it looks like a long incident.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PATTERN_IDS } from '../../src/domain/diagnosis';
import type { MetricFamily, MetricType, Sample, SeriesData } from './openmetrics';

export const RECORDINGS_DIR = join(__dirname, '..', 'fixtures', 'recorded');

const rfc3339 = z.string().refine((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)), {
  message: 'not an RFC 3339 time',
});

export const recordingMetaSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    service: z.string().min(1),
    pattern: z.enum(PATTERN_IDS),
    components: z.array(z.enum(PATTERN_IDS)),
    server: z.string().min(1),
    cause: z.string().min(1),
    nuisances: z.array(z.string()),
    events: z.array(z.object({ at: rfc3339, what: z.string().min(1) })),
    start: rfc3339,
    end: rfc3339,
    scrapeIntervalSeconds: z.number().positive(),
    limitBytes: z.number().positive().nullable(),
    notes: z.string().min(1),
  })
  .refine((m) => Date.parse(m.start) < Date.parse(m.end), { message: 'start must be before end' })
  .refine((m) => (m.pattern === 'mixed' ? m.components.length >= 2 : m.components.length === 0), {
    message: 'components: two or more for "mixed", none otherwise',
  });

export type RecordingMeta = z.infer<typeof recordingMetaSchema>;

export interface Recording {
  readonly meta: RecordingMeta;
  readonly families: MetricFamily[];
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+) (\S+)$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescape(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseNumber(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error(`not a number: "${text}"`);
  return n;
}

/**
 * Parses the OpenMetrics subset the recorder writes (TYPE lines, samples with timestamps, # EOF).
 * Throws on anything else, on a family split in two, and on samples out of time order.
 */
export function parseOpenMetrics(text: string): MetricFamily[] {
  const families: { name: string; type: MetricType; series: Map<string, { labels: Record<string, string>; samples: Sample[] }> }[] = [];
  const seen = new Set<string>();
  let current: (typeof families)[number] | undefined;
  let sawEof = false;
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    if (sawEof) throw new Error(`line ${index + 1}: content after # EOF`);
    if (line === '# EOF') {
      sawEof = true;
      continue;
    }
    const type = /^# TYPE (\S+) (gauge|counter)$/.exec(line);
    if (type) {
      const name = type[1]!;
      if (seen.has(name)) throw new Error(`line ${index + 1}: family ${name} split in two`);
      seen.add(name);
      current = { name, type: type[2] as MetricType, series: new Map() };
      families.push(current);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m || !current) throw new Error(`line ${index + 1}: not a sample: ${line}`);
    const sampleName = m[1]!;
    const expected = current.type === 'counter' ? `${current.name}_total` : current.name;
    if (sampleName !== expected) throw new Error(`line ${index + 1}: ${sampleName} outside its family ${current.name}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(LABEL_PAIR)) labels[pair[1]!] = unescape(pair[2]!);
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    let series = current.series.get(key);
    if (!series) {
      series = { labels, samples: [] };
      current.series.set(key, series);
    }
    const tSeconds = parseNumber(m[4]!);
    const last = series.samples[series.samples.length - 1];
    if (last && tSeconds <= last.tSeconds) throw new Error(`line ${index + 1}: ${sampleName}${m[2] ?? ''} out of time order`);
    series.samples.push({ tSeconds, value: parseNumber(m[3]!) });
  }
  if (!sawEof) throw new Error('no # EOF line');
  return families.map((f) => ({
    name: f.name,
    type: f.type,
    series: [...f.series.values()].map((s): SeriesData => ({ labels: s.labels, samples: s.samples })),
  }));
}

export function loadRecording(dir: string, id: string): Recording {
  const meta = recordingMetaSchema.parse(JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')));
  if (meta.id !== id) throw new Error(`${id}.json has id "${meta.id}"`);
  const families = parseOpenMetrics(readFileSync(join(dir, `${id}.om`), 'utf8'));
  return { meta, families };
}

/** Every `<id>.json` + `<id>.om` pair in `dir`, sorted by id. */
export function loadRecordings(dir: string = RECORDINGS_DIR): Recording[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort()
    .map((id) => loadRecording(dir, id));
}

function toIso(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString();
}

/**
 * The same recording with every timestamp t mapped to start + (t - start) * factor, then (if
 * `newEnd` is given) shifted so the window ends at `newEnd`. Metadata times (start, end, events)
 * move the same way and `scrapeIntervalSeconds` is multiplied by `factor`. Times are kept to the
 * millisecond, so stretched samples stay in order.
 */
export function stretchRecording(rec: Recording, factor: number, newEnd?: Date | string): Recording {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new Error(`stretch factor must be positive, got ${factor}`);
  const start = Date.parse(rec.meta.start) / 1000;
  const end = Date.parse(rec.meta.end) / 1000;
  const stretchedEnd = start + (end - start) * factor;
  const shift = newEnd === undefined ? 0 : (typeof newEnd === 'string' ? Date.parse(newEnd) : newEnd.getTime()) / 1000 - stretchedEnd;
  if (Number.isNaN(shift)) throw new Error(`bad newEnd ${String(newEnd)}`);
  const map = (t: number): number => Math.round((start + (t - start) * factor + shift) * 1000) / 1000;
  const mapIso = (iso: string): string => toIso(map(Date.parse(iso) / 1000));
  const families = rec.families.map((f) => ({
    ...f,
    series: f.series.map((s) => ({ labels: s.labels, samples: [...s.samples].map((p) => ({ tSeconds: map(p.tSeconds), value: p.value })) })),
  }));
  const meta: RecordingMeta = {
    ...rec.meta,
    start: mapIso(rec.meta.start),
    end: mapIso(rec.meta.end),
    events: rec.meta.events.map((e) => ({ at: mapIso(e.at), what: e.what })),
    scrapeIntervalSeconds: rec.meta.scrapeIntervalSeconds * factor,
  };
  return { meta, families };
}
