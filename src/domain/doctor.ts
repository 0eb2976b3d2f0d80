/**
 * `pymem doctor`: which source presets have data for a service, which one pymem would use, how
 * to pin it, and what to add when only per-pod data exists. Pure: the probe (the backend's
 * answers, counted) comes in as data; the CLI and Slack render what this returns.
 */

import { PRESETS, isPresetId } from './presets';
import type { Granularity, SeriesSource } from './series';

/** How one probed query answered: switched off, a number of series (0: none), or a failure that left the backend usable. */
export type QueryCount =
  | { readonly status: 'off' }
  | { readonly status: 'found'; readonly series: number }
  | { readonly status: 'failed'; readonly reason: string };

/** How the config decides the source: every preset in detection order, one preset it names, or its own memory query. */
export type Selection = 'auto' | 'pinned' | 'custom';

/** The config's decision as the probe saw it. */
export type ProbeSelection = { readonly kind: 'auto' } | { readonly kind: 'pinned'; readonly preset: string } | { readonly kind: 'custom' };

/** One source's queries, sent and counted. */
export interface PresetProbe {
  /** A preset id, or `custom` for the config's own memory query. */
  readonly preset: string;
  readonly granularity: Granularity | null;
  /** The memory PromQL sent, with the service filled in. */
  readonly memoryQuery: string;
  readonly memory: QueryCount;
  readonly traffic: QueryCount;
  readonly jobs: QueryCount;
  readonly limit: QueryCount;
  readonly up: QueryCount;
}

/** What the backend said about one service, source by source. */
export interface DoctorProbe {
  readonly service: string;
  /** e.g. "Prometheus at http://prom:9090". */
  readonly backend: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly selection: ProbeSelection;
  /** The config sets a static limit: no limit query is sent. */
  readonly limitFromConfig: boolean;
  /** The config's own query first (`custom`) when it has one, then every preset in detection order. */
  readonly presets: readonly PresetProbe[];
}

/** The source `pymem analyze` would read, decided as PrometheusSource.fetchService decides it. */
export type DoctorChoice =
  | { readonly kind: 'use'; readonly preset: string; readonly granularity: Granularity | null; readonly selection: Selection }
  /** Nothing to read: `pinned` names the config's source when that one is empty, `withData` the presets that do have data. */
  | { readonly kind: 'none'; readonly selection: Selection; readonly pinned: string | null; readonly withData: readonly string[] };

export interface DoctorRow {
  readonly source: string;
  readonly series: string;
  readonly per: string;
  readonly traffic: string;
  readonly jobs: string;
  readonly limit: string;
  readonly up: string;
  /** The row of the source pymem would use. */
  readonly chosen: boolean;
}

export interface DoctorReport {
  readonly service: string;
  readonly backend: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly rows: readonly DoctorRow[];
  readonly choice: DoctorChoice;
  /** One line: which source and why. */
  readonly summary: string;
  /** The config lines that pin the chosen source; null when there is nothing to pin. */
  readonly pinYaml: string | null;
  /** What to change or add, in order; each entry a paragraph, code kept in `code`. */
  readonly advice: readonly DoctorAdvice[];
  /** Queries that failed without making the backend unusable, one line each. */
  readonly failures: readonly string[];
}

export interface DoctorAdvice {
  readonly text: string;
  /** Lines to paste (config, Python); null when the advice is words only. */
  readonly code: string | null;
}

export const TABLE_HEADINGS: DoctorRow = { source: 'source', series: 'series', per: 'per', traffic: 'traffic', jobs: 'jobs', limit: 'limit', up: 'up', chosen: false };

/** The whole doctor answer from the probe. */
export function doctorReport(probe: DoctorProbe): DoctorReport {
  const choice = chooseSource(probe);
  const rows = probe.presets.map((p) => rowFor(p, probe.limitFromConfig, choice.kind === 'use' && choice.preset === p.preset));
  return {
    service: probe.service,
    backend: probe.backend,
    window: probe.window,
    rows,
    choice,
    summary: summaryFor(probe.service, choice),
    pinYaml: choice.kind === 'use' && choice.preset !== 'custom' ? pinYaml(probe.service, choice.preset) : null,
    advice: adviceFor(probe, choice),
    failures: failuresOf(probe.presets),
  };
}

/** One line per failed query and reason, naming every preset it failed for (the presets share some queries). */
function failuresOf(presets: readonly PresetProbe[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const p of presets) {
    for (const q of ['memory', 'traffic', 'jobs', 'limit', 'up'] as const) {
      const count = p[q];
      if (count.status !== 'failed') continue;
      const key = `${q}\u0000${count.reason}`;
      byReason.set(key, [...(byReason.get(key) ?? []), p.preset]);
    }
  }
  return [...byReason].map(([key, ids]) => {
    const [query, reason] = key.split('\u0000') as [string, string];
    return `${ids.join(', ')} ${query}: ${reason}`;
  });
}

/**
 * The first source whose memory query returned series, as fetchService decides: with `auto` every
 * preset in detection order (a refused query rules only that preset out); a pinned preset or the
 * config's own query is the only candidate.
 */
export function chooseSource(probe: DoctorProbe): DoctorChoice {
  const hasData = (p: PresetProbe): boolean => p.memory.status === 'found' && p.memory.series > 0;
  const withData = probe.presets.filter(hasData).map((p) => p.preset);
  const { selection } = probe;
  if (selection.kind === 'auto') {
    const first = probe.presets.find(hasData);
    return first
      ? { kind: 'use', preset: first.preset, granularity: first.granularity, selection: 'auto' }
      : { kind: 'none', selection: 'auto', pinned: null, withData };
  }
  // Pinned or custom: the config's source is the only candidate, data or not.
  const ownId = selection.kind === 'pinned' ? selection.preset : 'custom';
  const own = probe.presets.find((p) => p.preset === ownId);
  if (own === undefined) return { kind: 'none', selection: selection.kind, pinned: ownId, withData };
  return hasData(own)
    ? { kind: 'use', preset: own.preset, granularity: own.granularity, selection: selection.kind }
    : { kind: 'none', selection: selection.kind, pinned: own.preset, withData: withData.filter((id) => id !== own.preset) };
}

/** The config lines that pin a preset for one service. */
export function pinYaml(service: string, preset: string): string {
  return `services:\n  ${yamlKey(service)}:\n    source: ${preset}`;
}

/** A service name as a YAML key: plain when it is safe, double-quoted otherwise (`shop:checkout`). */
function yamlKey(service: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(service) ? service : JSON.stringify(service);
}

/** A preset's one-line title with what a series stands for, e.g. "cAdvisor container memory, one series per pod". */
export function sourceTitle(preset: string, granularity: Granularity | null): string {
  if (isPresetId(preset)) {
    const { title } = PRESETS[preset];
    return title.includes('one series per') || title.includes('one group per') ? title : `${title}, one series per ${granularity ?? 'process'}`;
  }
  if (preset === 'custom') return 'the config’s own memory query';
  return preset;
}

/** The footer line of a report: which source, what a series is, and how it was chosen. */
export function sourceLine(source: SeriesSource): string {
  const how: Record<SeriesSource['selection'], string> = {
    auto: 'auto-detected',
    pinned: 'pinned in the config',
    custom: 'set in the config',
    simulated: 'simulated data',
  };
  return `Source: ${sourceTitle(source.preset, source.granularity)} (${how[source.selection]})`;
}

function rowFor(p: PresetProbe, limitFromConfig: boolean, chosen: boolean): DoctorRow {
  return {
    source: p.preset,
    series: countCell(p.memory, '0', (n) => String(n)),
    per: p.granularity === null ? 'labels' : p.granularity,
    traffic: countCell(p.traffic, 'no', () => 'yes'),
    jobs: countCell(p.jobs, 'no', (n) => `${n} type${n === 1 ? '' : 's'}`),
    limit: limitFromConfig ? 'config' : countCell(p.limit, 'no', () => 'yes'),
    up: countCell(p.up, 'no', (n) => `${n} target${n === 1 ? '' : 's'}`),
    chosen,
  };
}

function countCell(count: QueryCount, none: string, found: (n: number) => string): string {
  switch (count.status) {
    case 'off':
      return 'off';
    case 'failed':
      return 'error';
    case 'found':
      return count.series === 0 ? none : found(count.series);
    default: {
      const unknown: never = count;
      return String(unknown);
    }
  }
}

/** The table as fixed-width text (a terminal, a Slack code block); the chosen row is marked. */
export function renderDoctorTable(rows: readonly DoctorRow[]): string {
  const columns = ['source', 'series', 'per', 'traffic', 'jobs', 'limit', 'up'] as const;
  const all = [TABLE_HEADINGS, ...rows];
  const widths = columns.map((c) => Math.max(...all.map((r) => r[c].length)));
  return all
    .map((r) => {
      const cells = columns.map((c, i) => (i === columns.length - 1 ? r[c] : r[c].padEnd(widths[i]!)));
      return `${r.chosen ? '>' : ' '} ${cells.join('  ')}`.trimEnd();
    })
    .join('\n');
}

function summaryFor(service: string, choice: DoctorChoice): string {
  switch (choice.kind) {
    case 'use': {
      const how = choice.selection === 'auto' ? 'auto-detected: the first source in detection order with memory series' : choice.selection === 'pinned' ? 'pinned in the config' : 'the config sets its own memory query';
      return `Would use ${choice.preset} (${sourceTitle(choice.preset, choice.granularity)}), ${how}.`;
    }
    case 'none':
      if (choice.pinned !== null) {
        const what = choice.selection === 'custom' ? 'The config’s own memory query' : `The config pins ${choice.pinned}, which`;
        return `${what} found no memory series for ${service}${choice.withData.length > 0 ? `; ${choice.withData.join(', ')} ${choice.withData.length === 1 ? 'has' : 'have'} data` : ''}.`;
      }
      return `No source found memory series for ${service} in this window.`;
    default: {
      const unknown: never = choice;
      return String(unknown);
    }
  }
}

/** The Python lines for a per-worker RSS gauge under Gunicorn (README, "The Python client in multiprocess mode"). */
export const MULTIPROCESS_GAUGE_PYTHON = `# gunicorn.conf.py (prometheus_client in multiprocess mode)
import threading, time
from prometheus_client import multiprocess

def _report_rss():
    import psutil
    from prometheus_client import Gauge
    rss = Gauge("python_worker_rss_bytes", "Resident memory of this worker process",
                multiprocess_mode="liveall")
    process = psutil.Process()
    while True:
        rss.set(process.memory_info().rss)
        time.sleep(5)

def post_fork(server, worker):
    threading.Thread(target=_report_rss, daemon=True).start()

def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)`;

function processExporterYaml(service: string): string {
  return `# process-exporter's config file\nprocess_names:\n  - name: "${service}-{{.PID}}"\n    cmdline: ['<a pattern matching the workers’ command line>']`;
}

function perProcessAdvice(service: string): DoctorAdvice[] {
  return [
    {
      text: 'One series per pod cannot tell one growing worker from all of them, or a new worker from growth. For one series per worker process, add either a per-worker RSS gauge (then pymem picks multiprocess-gauge):',
      code: MULTIPROCESS_GAUGE_PYTHON,
    },
    { text: `or process-exporter with one group per process, named \`${service}-{{.PID}}\` (then pymem picks process-exporter):`, code: processExporterYaml(service) },
  ];
}

function adviceFor(probe: DoctorProbe, choice: DoctorChoice): DoctorAdvice[] {
  switch (choice.kind) {
    case 'use': {
      const advice: DoctorAdvice[] = [];
      if (choice.selection === 'auto') {
        advice.push({ text: 'Pin it in the config to skip detection (and to keep this source if another starts answering):', code: pinYaml(probe.service, choice.preset) });
      }
      if (choice.granularity === 'pod') advice.push(...perProcessAdvice(probe.service));
      return advice;
    }
    case 'none': {
      if (choice.pinned !== null && choice.withData.length > 0) {
        const better = choice.withData[0]!;
        const what = choice.selection === 'custom' ? 'Fix the memory query in the config, or drop it and use a preset that has data:' : 'Pin a source that has data instead, or set it to auto:';
        return [{ text: what, code: pinYaml(probe.service, better) }];
      }
      const needs = probe.presets.flatMap((p) => (isPresetId(p.preset) ? [`${p.preset}: ${PRESETS[p.preset].needs.replace(/\$service/g, probe.service)}`] : []));
      return [
        { text: `Check the service name and the window: pymem looks for job="${probe.service}" (or container="${probe.service}" for cAdvisor). Each source needs:`, code: needs.join('\n') },
      ];
    }
    default: {
      const unknown: never = choice;
      return unknown;
    }
  }
}

/** The whole report as plain text for a terminal. */
export function renderDoctorText(report: DoctorReport): string {
  const lines = [`${report.service} · ${report.window.start} – ${report.window.end} · ${report.backend}`, '', renderDoctorTable(report.rows), '', report.summary];
  for (const a of report.advice) {
    lines.push('', a.text);
    if (a.code !== null) lines.push(...a.code.split('\n').map((l) => (l === '' ? '' : `    ${l}`)));
  }
  if (report.failures.length > 0) {
    lines.push('', 'Queries that failed (the backend refused them; those sources are ruled out):');
    lines.push(...report.failures.map((f) => `  • ${f}`));
  }
  return lines.join('\n') + '\n';
}
