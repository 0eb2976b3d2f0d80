/**
 * Collects every measurement the pattern scores need, once, from the raw series.
 */

import { MIB, gridEndMs, type Granularity, type ServiceSeries } from '../series';
import { rateRangeOf } from '../rate-interval';
import { buildFleet, type Fleet } from '../fleet';
import { bucketMeans, makeBuckets, type Buckets } from './buckets';
import { analyzeWorker, type WorkerAnalysis } from './workers';
import { driverVaries, levelEvidence, relateToDriver, type DriverRelation } from './drivers';
import { findIdleStretches, type IdleStretch } from './idle';
import { fleetGrowth, type FleetGrowth } from './growth-rate';
import { divergences, packLevel, type Divergence, type Pack } from './divergence';
import { fitLine, median, quantile, ramp, robustSlope } from '../stats';
import { findKills, type WorkerKill } from '../oom';

export interface JobRelation {
  readonly name: string;
  readonly relation: DriverRelation;
}

export interface Evidence {
  readonly series: ServiceSeries;
  /** The processes, their lives, the live count and what was missing: shared with the chart and digest. */
  readonly fleet: Fleet;
  /** Lives that ended killed for memory (or pods whose container restarted), in time order. */
  readonly kills: readonly WorkerKill[];
  readonly buckets: Buckets;
  readonly windowHours: number;
  readonly workers: readonly WorkerAnalysis[];
  readonly eligible: readonly WorkerAnalysis[];
  readonly growers: readonly WorkerAnalysis[];
  /** Each worker's memory per bucket as measured (no driver taken out), MiB, by worker index. */
  readonly workerMiB: readonly Float64Array[];
  /** Each worker against the pack (null for too few workers or too short a life), by worker index. */
  readonly divergence: readonly (Divergence | null)[];
  /** Per-worker mean memory per bucket, MiB. */
  readonly perWorkerMiB: Float64Array;
  /** Sum over workers per bucket, MiB. */
  readonly totalMiB: Float64Array;
  /** Typical settled size of one worker, MiB. */
  readonly typicalWorkerMiB: number;
  readonly traffic: Float64Array | null;
  /** Share of the buckets with memory data where a traffic series exists but gives no usable rate. */
  readonly trafficMissingShare: number;
  /** How memory relates to traffic, when traffic varied enough to tell (null otherwise). */
  readonly trafficRelation: DriverRelation | null;
  /** The same relation computed regardless, for reporting figures. */
  readonly trafficFigures: DriverRelation | null;
  readonly idle: readonly IdleStretch[];
  readonly jobs: readonly JobRelation[];
  /** How fast one worker grows through time, measured inside processes' lives. */
  readonly growth: FleetGrowth;
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

export function gatherEvidence(series: ServiceSeries, granularity: Granularity = 'process'): Evidence {
  const fleet = buildFleet(series, granularity);
  const kills = findKills(fleet, series);
  const buckets = makeBuckets(series.grid);
  const windowHours = (gridEndMs(series.grid) - series.grid.startMs) / 3_600_000;

  // Holes stay holes: a bucket without data is NaN, and every statistic below skips it.
  const perWorkerMiB = bucketMeans(fleet.perWorker, buckets, 1 / MIB);
  const totalMiB = bucketMeans(fleet.total, buckets, 1 / MIB);
  const typicalWorkerMiB = median(perWorkerMiB);
  // Rates summed over targets drop while a target is not scraped: those points are not traffic.
  const rateRangeMs = rateRangeOf(series.source.queries);
  const trustworthy = (values: Float64Array): Float64Array => bucketMeans(masked(withoutRateWarmUp(values, series.grid.stepMs, rateRangeMs), fleet.ratesTrusted), buckets);

  const rawTraffic = series.traffic ? trustworthy(series.traffic.values) : null;
  const traffic = rawTraffic && rawTraffic.some((v) => Number.isFinite(v)) ? rawTraffic : null;
  const trafficMissingShare = rawTraffic ? blindShare(rawTraffic, perWorkerMiB) : 0;
  const growth = fleetGrowth(fleet.workers, buckets);
  const workerMiB = fleet.workers.map((p) => bucketMeans(p.values, buckets, 1 / MIB));
  const trafficFigures = traffic ? relateToDriver(perWorkerMiB, traffic, buckets.hours, buckets.bucketMs, growth, workerMiB, rateRangeMs) : null;
  // A driver that never really moves cannot explain anything: report it, but do not score it.
  const trafficRelation = traffic && driverVaries(traffic) ? trafficFigures : null;
  const idle = traffic ? findIdleStretches(traffic, perWorkerMiB, buckets, growth) : [];

  const jobs: JobRelation[] = [];
  for (const job of series.jobs) {
    const rate = trustworthy(job.values);
    if (!rate.some((v) => Number.isFinite(v)) || !driverVaries(rate)) continue;
    jobs.push({ name: job.labels['name'] ?? job.labels['task'] ?? 'unnamed', relation: relateToDriver(perWorkerMiB, rate, buckets.hours, buckets.bucketMs, growth, workerMiB, rateRangeMs) });
  }

  // Take out what traffic and jobs visibly move before judging each worker's own trend.
  const drivers = [trafficRelation, ...jobs.map((j) => j.relation)]
    .filter((r): r is DriverRelation => r !== null && levelEvidence(r, typicalWorkerMiB) * ramp(r.followShare, 0.35, 0.6) >= ADJUST_FROM)
    .map((r) => ({ values: r.smoothed, miBPerUnit: r.coefficient }));
  const pack = packLevel(fleet.workers, buckets);
  // A life that ended at the limit or a shared ceiling was cut short: its size is no mark its replacement warms up to.
  // A restart at an ordinary size is no such cut: the new process climbing back to it is a warm-up.
  const killedAtSize = new Set(kills.filter((k) => k.thresholdBytes !== null).map((k) => k.worker));
  const workers = markWarmingUp(fleet.workers.map((p, i) => analyzeWorker(p, i, buckets, windowHours, drivers)), pack, killedAtSize);
  const eligible = workers.filter((w) => w.eligible);
  const growers = eligible.filter((w) => w.trend === 'growing');

  const tail = Math.max(2, Math.ceil(buckets.count * 0.05));
  const third = Math.floor(buckets.count * (2 / 3));
  const fit = fitLine(buckets.hours, perWorkerMiB);
  return {
    series,
    fleet,
    kills,
    buckets,
    windowHours,
    workers,
    eligible,
    growers,
    workerMiB,
    divergence: divergences(fleet.workers, buckets, pack),
    perWorkerMiB,
    totalMiB,
    typicalWorkerMiB,
    traffic,
    trafficMissingShare,
    trafficRelation,
    trafficFigures,
    idle,
    jobs,
    growth,
    perWorkerTrend: { slopeMiBPerHour: fit.slope, r2: fit.r2 },
    totalNowMiB: edgeMedian(totalMiB, 'end', tail),
    totalStartMiB: edgeMedian(totalMiB, 'start', tail),
    totalPeakMiB: quantile(totalMiB, 1),
    totalRecentSlope: robustSlope(buckets.hours.subarray(third), totalMiB.subarray(third)),
    totalSlope: robustSlope(buckets.hours, totalMiB),
  };
}

/**
 * A counter that first appears inside the window (a service or a job type that just started)
 * gives a rate that climbs from zero while its range fills: that first range is not a rate yet,
 * and would read as a ramp of traffic.
 */
function withoutRateWarmUp(values: Float64Array, stepMs: number, rateRangeMs: number): Float64Array {
  let first = 0;
  while (first < values.length && !(values[first] === values[first])) first++;
  if (first === 0 || first >= values.length) return values;
  const out = new Float64Array(values);
  out.fill(NaN, first, Math.min(values.length, first + Math.ceil(rateRangeMs / stepMs)));
  return out;
}

/** Of the buckets where memory is known, the share where the driver is not. */
function blindShare(driver: Float64Array, memory: Float64Array): number {
  let known = 0;
  let blind = 0;
  for (let i = 0; i < memory.length; i++) {
    if (!Number.isFinite(memory[i]!)) continue;
    known++;
    if (!Number.isFinite(driver[i]!)) blind++;
  }
  return known === 0 ? 0 : blind / known;
}

function masked(values: Float64Array, keep: Uint8Array): Float64Array {
  const out = new Float64Array(values);
  for (let i = 0; i < out.length; i++) if (!keep[i]) out[i] = NaN;
  return out;
}

/** Median of the first or last `count` buckets that have data. */
function edgeMedian(values: Float64Array, edge: 'start' | 'end', count: number): number {
  const picked: number[] = [];
  if (edge === 'start') {
    for (let i = 0; i < values.length && picked.length < count; i++) if (Number.isFinite(values[i]!)) picked.push(values[i]!);
  } else {
    for (let i = values.length - 1; i >= 0 && picked.length < count; i--) if (Number.isFinite(values[i]!)) picked.push(values[i]!);
  }
  return median(picked);
}

/**
 * Climbs from well below the median worker and ends inside the pack (no higher than its upper
 * quartile): a young process catching up with its established peers (imports, caches, arenas),
 * not a leak. Leaks pass through the pack.
 */
function joinsThePack(w: WorkerAnalysis, pack: Pack): boolean {
  const at = (levels: Float64Array, b: number): number => {
    for (let k = 0; k <= 3; k++) {
      if (Number.isFinite(levels[b - k] ?? NaN)) return levels[b - k]!;
      if (Number.isFinite(levels[b + k] ?? NaN)) return levels[b + k]!;
    }
    return NaN;
  };
  const startPack = at(pack.median, w.firstBucket);
  const endTop = at(pack.upper, w.lastBucket);
  const endMax = at(pack.max, w.lastBucket);
  if (!Number.isFinite(startPack) || !Number.isFinite(endTop)) return false;
  const climb = w.endMiB - w.startMiB;
  if (!(w.startMiB < startPack - 0.5 * climb)) return false;
  // Inside the pack; or at its top edge while flattening out, as a warm-up does and a leak does not.
  const flattening = w.earlySlopeMiBPerHour > 0 && w.lateSlopeMiBPerHour < 0.5 * w.earlySlopeMiBPerHour;
  return w.endMiB <= endTop || (flattening && w.endMiB <= endMax);
}

/**
 * A process started in the window that is still climbing is warming up (imports, caches, arenas),
 * not leaking, while it has not outgrown either the process it replaced on the same instance or
 * the established workers that are not growing.
 */
function markWarmingUp(workers: WorkerAnalysis[], pack: Pack, killedAtSize: ReadonlySet<number>): WorkerAnalysis[] {
  const established = workers.filter((w) => w.eligible && !w.bornInWindow);
  const settled = established.filter((w) => w.trend !== 'growing');
  // When most established workers grow too, a new one growing is more of the same, not a warm-up.
  const ceiling =
    settled.length >= 2 && settled.length >= established.length / 2 ? Math.max(...settled.map((w) => w.endMiB)) * 1.03 : -Infinity;
  const settledFloor = settled.length >= 2 ? Math.min(...settled.map((w) => w.startMiB)) : -Infinity;
  return workers.map((w) => {
    if (w.trend !== 'growing' && w.trend !== 'plateaued') return w;
    if (joinsThePack(w, pack)) return { ...w, trend: 'warming-up' };
    if (!w.bornInWindow) {
      // Started just before the window: climbing from below every settled peer, slowing down, and
      // ending among them is the tail of a warm-up, not a leak.
      const slowing = w.lateSlopeMiBPerHour < 0.5 * w.slopeMiBPerHour;
      return slowing && w.startMiB < settledFloor && w.endMiB <= ceiling ? { ...w, trend: 'warming-up' } : w;
    }
    const predecessor = w.instance === null ? undefined : workers.find((p) => p !== w && p.instance === w.instance && !p.alive && p.lastBucket >= w.firstBucket - 3 && p.lastBucket <= w.firstBucket + 1 && Number.isFinite(p.endMiB));
    const belowPredecessor = predecessor !== undefined && !killedAtSize.has(predecessor.index) && w.endMiB <= predecessor.endMiB * 1.02;
    return belowPredecessor || w.endMiB <= ceiling ? { ...w, trend: 'warming-up' } : w;
  });
}
