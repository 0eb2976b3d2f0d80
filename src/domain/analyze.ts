/**
 * analyze(): first ask whether there is data to answer with at all, then classify. An empty or
 * too-thin answer gets an explanation of what to export, never a guess; pod-level data is
 * diagnosed at pod granularity, with what it cannot separate said plainly.
 */

import { gridEndMs, type Granularity, type ServiceSeries } from './series';
import type { AnalysisOutcome, InsufficientData, InsufficientReason, TimeWindow } from './diagnosis';
import { classifyWithFleet } from './classify';

export interface AnalyzeOptions {
  readonly timeZone?: string;
  /** The memory query that was run, to name it in explanations. */
  readonly memoryQuery?: string;
  /** Worker processes expected per instance (from the service's settings). */
  readonly workersPerInstance?: number | null;
}

/** Fewer grid points with data than this cannot show a trend. */
const MIN_POINTS = 8;
const PID_LABELS = ['pid', 'process_id', 'worker_pid', 'worker', 'worker_id', 'process', 'proc', 'slot'];

export function analyze(series: ServiceSeries, options: AnalyzeOptions = {}): AnalysisOutcome {
  const problem = sufficiency(series, options);
  if (problem) return { status: 'insufficient-data', insufficient: problem };
  const { diagnosis, fleet } = classifyWithFleet(series, {
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
    granularity: granularityOf(series, options),
    onePerPod: options.workersPerInstance === 1,
  });
  return { status: 'diagnosed', diagnosis, fleet };
}

/**
 * What one memory series stands for. Pod-level data (one container line per pod, however many
 * workers it runs) is diagnosed at pod granularity rather than refused; with one worker per pod
 * (configured) a pod is a process.
 */
export function granularityOf(series: ServiceSeries, options: AnalyzeOptions = {}): Granularity {
  const expected = options.workersPerInstance ?? null;
  if (expected === 1) return 'process';
  if (series.source.granularity !== null) return series.source.granularity;
  if (series.memory.some((s) => PID_LABELS.some((l) => s.labels[l] !== undefined))) return 'process';
  const names = new Set(series.memory.map((s) => s.labels['__name__'] ?? ''));
  const containerLevel = [...names].some((n) => n.startsWith('container_')) || /\bcontainer_/.test(options.memoryQuery ?? '');
  const instances = new Set(series.memory.map((s) => s.labels['instance'] ?? s.labels['pod'] ?? ''));
  const onePerInstance = instances.size === series.memory.length;
  return containerLevel || (expected !== null && expected > 1 && onePerInstance) ? 'pod' : 'process';
}

function sufficiency(series: ServiceSeries, options: AnalyzeOptions): InsufficientData | null {
  const query = options.memoryQuery ?? series.source.queries.memory;
  if (series.memory.length === 0) {
    return insufficient(series, 'no-memory-series', `The memory query returned no series for ${series.service} in this window (${query}).`);
  }
  let points = 0;
  for (const s of series.memory) {
    for (let i = 0; i < s.values.length; i++) if (s.values[i] === s.values[i]) points++;
  }
  const bestSeries = Math.max(...series.memory.map((s) => countFinite(s.values)));
  if (bestSeries < MIN_POINTS) {
    return insufficient(
      series,
      'too-few-points',
      `Only ${points} memory samples for ${series.service} in this window: too few to see a trend. Try a longer window or check that the service is scraped.`,
    );
  }
  return null;
}

function countFinite(values: Float64Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  return n;
}

function insufficient(series: ServiceSeries, reason: InsufficientReason, message: string): InsufficientData {
  return { service: series.service, window: windowOf(series), reason, message, guidance: guidanceFor(reason) };
}

export function windowOf(series: ServiceSeries): TimeWindow {
  const end = gridEndMs(series.grid);
  return {
    start: new Date(series.grid.startMs).toISOString(),
    end: new Date(end).toISOString(),
    durationSeconds: Math.round((end - series.grid.startMs) / 1000),
    stepSeconds: Math.round(series.grid.stepMs / 1000),
  };
}

/** How to get one memory series per worker process, in the order most teams can do it. */
export function guidanceFor(reason: InsufficientReason): string[] {
  const perWorker = [
    'pymem needs one memory series per worker process (a label such as pid), so it can tell one growing worker from a fleet that is large.',
    "With prometheus_client in multiprocess mode (PROMETHEUS_MULTIPROC_DIR, usual under Gunicorn), the process collector is off, so process_resident_memory_bytes is not exported. Add a per-process gauge instead: create `Gauge('python_worker_rss_bytes', 'Resident memory of this worker', multiprocess_mode='liveall')` in each worker (Gunicorn's post_fork hook), set it from `psutil.Process().memory_info().rss` every few seconds, and call `multiprocess.mark_process_dead(worker.pid)` in child_exit; in 'liveall' mode each live worker's value carries its own pid label and exited workers drop out.",
    'Or run process-exporter next to the service with one group per process (name template "{{.Comm}}-{{.PID}}") and query `namedprocess_namegroup_memory_bytes{memtype="resident"}`.',
    'Then point pymem at it: set `services.<name>.queries.memory` (or `queries.memory` for all services) in the pymem config file, keeping the `$service` placeholder.',
  ];
  switch (reason) {
    case 'no-memory-series':
      return [
        'Check the service name and the window first: the name must match the `job` label (or whatever the memory query selects on).',
        ...perWorker,
      ];
    case 'too-few-points':
      return [
        'Use a longer window (for example `--window 24h`), or check that Prometheus scrapes the service regularly (the `up` series for its job).',
      ];
    default: {
      const unknown: never = reason;
      return [String(unknown)];
    }
  }
}
