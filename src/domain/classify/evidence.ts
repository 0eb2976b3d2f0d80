/**
 * Collects every measurement the pattern scores need, once, from the raw series.
 */

import { MIB, gridEndMs, type Grid, type GridSeries, type ServiceSeries } from '../series';
import { bucketMeans, makeBuckets, type Buckets } from './buckets';
import { analyseWorker, type WorkerAnalysis } from './workers';
import { analyseWorkerCount, type WorkerCountAnalysis } from './worker-count';
import { driverVaries, levelEvidence, relateToDriver, type DriverRelation } from './drivers';
import { findIdleStretches, type IdleStretch } from './idle';
import { fitLine, median, quantile, robustSlope } from '../stats';

export interface JobRelation {
  readonly name: string;
  readonly relation: DriverRelation;
}

export interface Evidence {
  readonly series: ServiceSeries;
  readonly buckets: Buckets;
  readonly windowHours: number;
  readonly workers: readonly WorkerAnalysis[];
  readonly eligible: readonly WorkerAnalysis[];
  readonly growers: readonly WorkerAnalysis[];
  readonly count: WorkerCountAnalysis;
  /** Per-worker mean memory per bucket, MiB. */
  readonly perWorkerMiB: Float64Array;
  /** Sum over workers per bucket, MiB. */
  readonly totalMiB: Float64Array;
  /** Typical settled size of one worker, MiB. */
  readonly typicalWorkerMiB: number;
  readonly traffic: Float64Array | null;
  /** How memory relates to traffic, when traffic varied enough to tell (null otherwise). */
  readonly trafficRelation: DriverRelation | null;
  /** The same relation computed regardless, for reporting figures. */
  readonly trafficFigures: DriverRelation | null;
  readonly idle: readonly IdleStretch[];
  readonly jobs: readonly JobRelation[];
  /** Straight-line fit of per-worker memory over the window. */
  readonly perWorkerTrend: { readonly slopeMiBPerHour: number; readonly r2: number };
  readonly totalNowMiB: number;
  readonly totalStartMiB: number;
  readonly totalPeakMiB: number;
  /** Robust slope of the total over the last third of the window, MiB/h. */
  readonly totalRecentSlope: number;
  readonly totalSlope: number;
}

/** A driver with this much level evidence is held out of the per-worker trends. */
const ADJUST_FROM = 0.5;

export function gatherEvidence(input: ServiceSeries): Evidence {
  const series = { ...input, memory: input.memory.map((s) => trimStaleTail(s, input.grid)) };
  const buckets = makeBuckets(series.grid);
  const windowHours = (gridEndMs(series.grid) - series.grid.startMs) / 3_600_000;
  const count = analyseWorkerCount(series.grid, series.memory);

  const perPoint = new Float64Array(series.grid.length);
  for (let i = 0; i < perPoint.length; i++) perPoint[i] = count.counts[i]! > 0 ? count.totals[i]! / count.counts[i]! : NaN;
  const perWorkerMiB = fillGaps(bucketMeans(perPoint, buckets, 1 / MIB));
  const totalMiB = fillGaps(bucketMeans(count.totals, buckets, 1 / MIB));
  const typicalWorkerMiB = median(perWorkerMiB);

  const rawTraffic = series.traffic ? fillGaps(bucketMeans(series.traffic.values, buckets)) : null;
  const traffic = rawTraffic && rawTraffic.some((v) => Number.isFinite(v)) ? rawTraffic : null;
  const trafficFigures = traffic ? relateToDriver(perWorkerMiB, traffic, buckets.hours, buckets.bucketMs) : null;
  // A driver that never really moves cannot explain anything: report it, but do not score it.
  const trafficRelation = traffic && driverVaries(traffic) ? trafficFigures : null;
  const idle = traffic ? findIdleStretches(traffic, perWorkerMiB, buckets) : [];

  const jobs: JobRelation[] = [];
  for (const job of series.jobs) {
    const rate = fillGaps(bucketMeans(job.values, buckets));
    if (!rate.some((v) => Number.isFinite(v)) || !driverVaries(rate)) continue;
    jobs.push({ name: job.labels['name'] ?? job.labels['task'] ?? 'unnamed', relation: relateToDriver(perWorkerMiB, rate, buckets.hours, buckets.bucketMs) });
  }

  // Take out what traffic and jobs visibly move before judging each worker's own trend.
  const drivers = [trafficRelation, ...jobs.map((j) => j.relation)]
    .filter((r): r is DriverRelation => r !== null && levelEvidence(r, typicalWorkerMiB) >= ADJUST_FROM)
    .map((r) => ({ values: r.smoothed, miBPerUnit: r.coefficient }));
  const workers = markWarmingUp(series.memory.map((s, i) => analyseWorker(s, i, buckets, windowHours, drivers)));
  const eligible = workers.filter((w) => w.eligible);
  const growers = eligible.filter((w) => w.trend === 'growing');

  const tail = Math.max(2, Math.ceil(buckets.count * 0.05));
  const third = Math.floor(buckets.count * (2 / 3));
  const fit = fitLine(buckets.hours, perWorkerMiB);
  return {
    series,
    buckets,
    windowHours,
    workers,
    eligible,
    growers,
    count,
    perWorkerMiB,
    totalMiB,
    typicalWorkerMiB,
    traffic,
    trafficRelation,
    trafficFigures,
    idle,
    jobs,
    perWorkerTrend: { slopeMiBPerHour: fit.slope, r2: fit.r2 },
    totalNowMiB: median(totalMiB.subarray(buckets.count - tail)),
    totalStartMiB: median(totalMiB.subarray(0, tail)),
    totalPeakMiB: quantile(totalMiB, 1),
    totalRecentSlope: robustSlope(buckets.hours.subarray(third), totalMiB.subarray(third)),
    totalSlope: robustSlope(buckets.hours, totalMiB),
  };
}

/**
 * A process started in the window that is still climbing is warming up (imports, caches, arenas),
 * not leaking, while it has not outgrown either the process it replaced on the same instance or
 * the established workers that are not growing.
 */
function markWarmingUp(workers: WorkerAnalysis[]): WorkerAnalysis[] {
  const established = workers.filter((w) => w.eligible && !w.bornInWindow);
  const settled = established.filter((w) => w.trend !== 'growing');
  // When most established workers grow too, a new one growing is more of the same, not a warm-up.
  const ceiling =
    settled.length >= 2 && settled.length >= established.length / 2 ? Math.max(...settled.map((w) => w.endMiB)) * 1.03 : -Infinity;
  return workers.map((w) => {
    if ((w.trend !== 'growing' && w.trend !== 'plateaued') || !w.bornInWindow) return w;
    const predecessor = w.instance === null ? undefined : workers.find((p) => p !== w && p.instance === w.instance && !p.alive && p.lastBucket >= w.firstBucket - 3 && p.lastBucket <= w.firstBucket + 1 && Number.isFinite(p.endMiB));
    const belowPredecessor = predecessor !== undefined && w.endMiB <= predecessor.endMiB * 1.02;
    return belowPredecessor || w.endMiB <= ceiling ? { ...w, trend: 'warming-up' } : w;
  });
}

/** Prometheus keeps returning a series' last sample for 5 minutes after it stops (when no staleness marker was written, as with backfilled data). */
const LOOKBACK_MS = 5 * 60_000;

/**
 * Cuts that echo off a process that ended inside the window, so an exited pid and its
 * replacement are not counted as two live workers for five minutes. Bounded to the lookback
 * (plus a scrape), so a series that is genuinely constant keeps its history.
 */
export function trimStaleTail(series: GridSeries, grid: Grid): GridSeries {
  const v = series.values;
  let last = v.length - 1;
  while (last >= 0 && !(v[last]! === v[last]!)) last--;
  if (last < 0 || last === v.length - 1) return series;
  const maxTrim = Math.ceil((LOOKBACK_MS + 60_000) / grid.stepMs);
  let first = last;
  while (first > 0 && last - (first - 1) <= maxTrim && v[first - 1] === v[last]) first--;
  if (first === last) return series;
  const values = new Float64Array(v);
  values.fill(NaN, first + 1, last + 1);
  return { labels: series.labels, values };
}

/** Carries the last value over short gaps (a missed scrape, a Prometheus restart) so shapes stay comparable. */
function fillGaps(values: Float64Array): Float64Array {
  const out = new Float64Array(values);
  let last = NaN;
  for (let i = 0; i < out.length; i++) {
    if (Number.isFinite(out[i]!)) last = out[i]!;
    else out[i] = last;
  }
  // Leading gap: back-fill from the first value.
  let first = NaN;
  for (let i = out.length - 1; i >= 0; i--) {
    if (Number.isFinite(out[i]!)) first = out[i]!;
    else out[i] = first;
  }
  return out;
}
