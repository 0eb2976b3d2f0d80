/**
 * Minimal, valid series and Diagnosis objects for tests of code that consumes a
 * diagnosis (charts, messages) without running the classifier.
 */

import { simulatedSource } from '../../src/simulation/sample';
import { buildFleet } from '../../src/domain/fleet';
import type { Diagnosis, PatternId, WorkerFigures, WorkerTrend } from '../../src/domain/diagnosis';
import { MIB, type Grid, type GridSeries, type Labels, type ServiceSeries } from '../../src/domain/series';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so rendered test charts are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeGrid(startIso: string, stepSeconds: number, points: number): Grid {
  return { startMs: Date.parse(startIso), stepMs: stepSeconds * 1000, length: points };
}

/** A series whose value at grid point i is `value(i, timeMs)`; return NaN for "no sample". */
export function makeSeries(grid: Grid, labels: Labels, value: (i: number, timeMs: number) => number): GridSeries {
  const values = new Float64Array(grid.length);
  for (let i = 0; i < grid.length; i++) values[i] = value(i, grid.startMs + i * grid.stepMs);
  return { labels, values };
}

export function makeServiceSeries(
  overrides: Partial<ServiceSeries> & Pick<ServiceSeries, 'grid' | 'memory'>,
): ServiceSeries {
  return { service: 'checkout-api', traffic: null, jobs: [], limit: null, targets: [], restarts: [], source: simulatedSource('checkout-api'), warnings: [], ...overrides };
}

export function makeWorkerFigures(overrides: Partial<WorkerFigures> = {}): WorkerFigures {
  return {
    name: 'pid 1000 on web-1',
    labels: { pid: '1000', instance: 'web-1' },
    pid: '1000',
    instance: 'web-1',
    firstSeen: '2025-03-04T08:00:00.000Z',
    lastSeen: '2025-03-04T14:00:00.000Z',
    alive: true,
    startBytes: 300 * MIB,
    endBytes: 300 * MIB,
    peakBytes: 300 * MIB,
    growthBytes: 0,
    growthMiBPerHour: 0,
    steadiness: 0.9,
    trend: 'flat',
    pullAwayBytes: null,
    ...overrides,
  };
}

export function makeDiagnosis(overrides: Partial<Diagnosis> = {}): Diagnosis {
  return {
    service: 'checkout-api',
    window: {
      start: '2025-03-04T08:00:00.000Z',
      end: '2025-03-04T14:00:00.000Z',
      durationSeconds: 6 * 3600,
      stepSeconds: 30,
    },
    granularity: 'process',
    source: simulatedSource('checkout-api'),
    pattern: 'stable',
    confidence: 0.8,
    secondary: [],
    verdict: 'Memory is stable.',
    findings: [],
    workers: [],
    totals: {
      startBytes: 0,
      endBytes: 0,
      peakBytes: 0,
      growthMiBPerHour: 0,
      workersAtStart: 0,
      workersAtEnd: 0,
    },
    traffic: null,
    idlePeriods: [],
    workerCountChanges: [],
    kills: [],
    job: null,
    limit: null,
    workerCounts: [],
    coverage: { missingShare: 0, trafficMissingShare: 0, gaps: [] },
    focusWorkers: [],
    auxiliary: [],
    confidenceNote: null,
    scores: {
      stable: 0,
      'one-worker-growing': 0,
      'all-workers-growing': 0,
      'all-workers-large-stable': 0,
      'worker-count-jump': 0,
      'follows-traffic': 0,
      'high-while-idle': 0,
      'job-driven': 0,
    },
    warnings: [],
    ...overrides,
  };
}

function firstIndex(values: Float64Array): number {
  return values.findIndex((v) => !Number.isNaN(v));
}

function lastIndex(values: Float64Array): number {
  for (let i = values.length - 1; i >= 0; i--) if (!Number.isNaN(values[i] ?? Number.NaN)) return i;
  return -1;
}

export interface DiagnosisForOptions {
  readonly pattern?: PatternId;
  /** Indices into series.memory of the workers the diagnosis calls growing. */
  readonly growing?: readonly number[];
  /** Memory budget for all workers together, in bytes. */
  readonly limitBytes?: number;
  readonly overrides?: Partial<Diagnosis>;
}

/** A diagnosis consistent with `series`: one WorkerFigures per memory series, same order, figures from the data. */
export function diagnosisFor(series: ServiceSeries, options: DiagnosisForOptions = {}): Diagnosis {
  const { grid } = series;
  const iso = (i: number) => new Date(grid.startMs + i * grid.stepMs).toISOString();
  const growing = new Set(options.growing ?? []);
  const workers = series.memory.map((s, index): WorkerFigures => {
    const first = firstIndex(s.values);
    const last = lastIndex(s.values);
    const startBytes = s.values[first] ?? 0;
    const endBytes = s.values[last] ?? 0;
    let peak = 0;
    for (const v of s.values) if (v > peak) peak = v;
    const hours = Math.max(((last - first) * grid.stepMs) / 3_600_000, 1e-9);
    const trend: WorkerTrend = growing.has(index) ? 'growing' : 'flat';
    const pid = s.labels['pid'] ?? null;
    const instance = s.labels['instance'] ?? null;
    return makeWorkerFigures({
      name: pid !== null ? `pid ${pid}${instance !== null ? ` on ${instance}` : ''}` : `worker ${index + 1}`,
      labels: s.labels,
      pid,
      instance,
      firstSeen: iso(first),
      lastSeen: iso(last),
      alive: last === grid.length - 1,
      startBytes,
      endBytes,
      peakBytes: peak,
      growthBytes: endBytes - startBytes,
      growthMiBPerHour: (endBytes - startBytes) / MIB / hours,
      trend,
    });
  });
  const totalAt = (i: number) =>
    series.memory.reduce((sum, s) => sum + (Number.isNaN(s.values[i] ?? Number.NaN) ? 0 : (s.values[i] ?? 0)), 0);
  const liveAt = (i: number) => series.memory.filter((s) => !Number.isNaN(s.values[i] ?? Number.NaN)).length;
  const lastI = grid.length - 1;
  const endBytes = totalAt(lastI);
  const durationSeconds = (lastI * grid.stepMs) / 1000;
  const fleet = buildFleet(series);
  return makeDiagnosis({
    service: series.service,
    window: { start: iso(0), end: iso(lastI), durationSeconds, stepSeconds: grid.stepMs / 1000 },
    focusWorkers: [...growing],
    workerCounts: fleet.runs.map((r) => ({ start: iso(r.from), end: iso(r.to), workers: r.value })),
    pattern: options.pattern ?? (growing.size > 0 ? 'one-worker-growing' : 'stable'),
    workers,
    totals: {
      startBytes: totalAt(0),
      endBytes,
      peakBytes: endBytes,
      growthMiBPerHour: (endBytes - totalAt(0)) / MIB / Math.max(durationSeconds / 3600, 1e-9),
      workersAtStart: liveAt(0),
      workersAtEnd: liveAt(lastI),
    },
    limit:
      options.limitBytes === undefined
        ? null
        : {
            bytes: options.limitBytes,
            source: 'config',
            currentTotalBytes: endBytes,
            usedFraction: endBytes / options.limitBytes,
            hoursToLimit: null,
          },
    ...options.overrides,
  });
}
