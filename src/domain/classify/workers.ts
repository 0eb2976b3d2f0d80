/** Per-worker figures: one memory series is one process (one pid) for as long as it lives. */

import { MIB } from '../series';
import type { FleetProcess } from '../fleet';
import type { WorkerTrend } from '../diagnosis';
import { bucketStats, coarsen, type Buckets } from './buckets';
import { fitLine, median, robustSd, robustSlope } from '../stats';

export interface WorkerAnalysis {
  readonly index: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly pid: string | null;
  readonly instance: string | null;
  readonly name: string;
  /** Bucket means in MiB (NaN outside the process's life). */
  readonly miB: Float64Array;
  readonly firstBucket: number;
  readonly lastBucket: number;
  readonly bornInWindow: boolean;
  readonly alive: boolean;
  /** Hours of life used for the trend (after skipping a new process's warm-up). */
  readonly measuredHours: number;
  readonly startMiB: number;
  readonly endMiB: number;
  readonly peakMiB: number;
  readonly growthMiB: number;
  readonly slopeMiBPerHour: number;
  readonly lateSlopeMiBPerHour: number;
  /** Slope over the first 40% of the measured life, MiB/h: with the late slope, tells a curve that flattens. */
  readonly earlySlopeMiBPerHour: number;
  readonly steadiness: number;
  readonly noiseMiB: number;
  readonly trend: WorkerTrend;
  /** Long enough to judge (see MIN_BUCKETS). */
  readonly eligible: boolean;
}

/** Fewer buckets than this cannot tell a trend from noise. */
const MIN_BUCKETS = 8;
/** A process born inside the window warms up first: skip this share of its life (at most 30 min). */
const WARMUP_SHARE = 0.2;
const WARMUP_MAX_MS = 30 * 60_000;

/**
 * Figures for one process. `drivers` are per-bucket series (smoothed traffic, a job's rate) whose
 * effect is taken out before judging the trend, so a worker that swings with traffic while it
 * leaks is judged on the leak, and one that only swings is judged flat.
 */
export function analyzeWorker(
  process: FleetProcess,
  index: number,
  buckets: Buckets,
  windowHours: number,
  drivers: readonly DriverEffect[] = [],
): WorkerAnalysis {
  const { means: raw, max: peak } = bucketStats(process.values, buckets, 1 / MIB);
  const miB = drivers.length > 0 ? withoutDrivers(raw, drivers) : raw;
  const { name, pid, instance } = process;
  let first = -1;
  let last = -1;
  for (let b = 0; b < miB.length; b++) {
    if (Number.isFinite(miB[b]!)) {
      if (first < 0) first = b;
      last = b;
    }
  }
  const base = {
    index,
    labels: process.labels,
    pid,
    instance,
    name,
    miB,
    firstBucket: first,
    lastBucket: last,
    bornInWindow: process.bornInWindow,
    alive: !process.exitedInWindow,
    peakMiB: Number.isFinite(peak) ? peak : NaN,
  };
  if (first < 0) {
    return { ...base, measuredHours: 0, startMiB: NaN, endMiB: NaN, growthMiB: 0, slopeMiBPerHour: 0, lateSlopeMiBPerHour: 0, earlySlopeMiBPerHour: 0, steadiness: 0, noiseMiB: 0, trend: 'too-short', eligible: false };
  }

  // Skip a new process's warm-up so it is not mistaken for growth.
  const from = measuredFrom(first, last, base.bornInWindow, buckets);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let b = from; b <= last; b++) {
    const v = miB[b]!;
    if (Number.isFinite(v)) {
      xs.push(buckets.hours[b]!);
      ys.push(v);
    }
  }
  const n = ys.length;
  const measuredHours = n > 1 ? xs[n - 1]! - xs[0]! + buckets.bucketMs / 3_600_000 : 0;
  const edge = Math.max(2, Math.ceil(n * 0.1));
  const startMiB = median(ys.slice(0, edge));
  const endMiB = median(ys.slice(Math.max(0, n - edge)));
  const growthMiB = endMiB - startMiB;
  const slope = robustSlope(xs, ys);
  const lateFrom = Math.floor(n * 0.6);
  const lateSlope = robustSlope(xs.slice(lateFrom), ys.slice(lateFrom));
  const earlyTo = Math.ceil(n * 0.4);
  const earlySlope = robustSlope(xs.slice(0, earlyTo), ys.slice(0, earlyTo));
  const segments = Math.min(24, Math.max(2, Math.floor(n / 2)));
  const steadiness = fitLine(coarsen(xs, segments), coarsen(ys, segments)).r2;
  const diffs: number[] = [];
  for (let i = 1; i < n; i++) diffs.push(ys[i]! - ys[i - 1]!);
  const noiseMiB = robustSd(diffs) / Math.SQRT2;
  const eligible = n >= MIN_BUCKETS && measuredHours >= Math.min(windowHours * 0.1, 1);

  const trend = eligible
    ? judgeTrend({ startMiB, growthMiB, slope, lateSlope, steadiness, noiseMiB, ys, measuredHours })
    : 'too-short';
  return {
    ...base,
    measuredHours,
    startMiB,
    endMiB,
    growthMiB,
    slopeMiBPerHour: slope,
    lateSlopeMiBPerHour: lateSlope,
    earlySlopeMiBPerHour: earlySlope,
    steadiness,
    noiseMiB,
    trend,
    eligible,
  };
}

/** The first bucket worth judging a process on: after the warm-up of one that started in the window. */
export function measuredFrom(first: number, last: number, bornInWindow: boolean, buckets: Buckets): number {
  if (!bornInWindow) return first;
  const lifeMs = (last - first + 1) * buckets.bucketMs;
  return first + Math.round(Math.min(WARMUP_MAX_MS, lifeMs * WARMUP_SHARE) / buckets.bucketMs);
}

/** A driver's effect on memory: its per-bucket (smoothed) values and MiB per unit. */
export interface DriverEffect {
  readonly values: Float64Array;
  readonly miBPerUnit: number;
}

/**
 * Subtracts the service-wide effect of each driver, measured on the per-worker average.
 * The fleet's coefficient is used rather than one fitted per worker: a short-lived worker's
 * few buckets cannot tell a driver that trends with time from the time trend itself.
 */
function withoutDrivers(miB: Float64Array, drivers: readonly DriverEffect[]): Float64Array {
  const out = new Float64Array(miB);
  for (const { values, miBPerUnit } of drivers) {
    let sum = 0;
    let n = 0;
    for (let b = 0; b < values.length; b++) {
      if (Number.isFinite(values[b]!)) {
        sum += values[b]!;
        n++;
      }
    }
    const mean = n > 0 ? sum / n : 0;
    for (let b = 0; b < out.length; b++) {
      const d = values[b]!;
      if (Number.isFinite(d)) out[b] = out[b]! - miBPerUnit * (d - mean);
    }
  }
  return out;
}

/** Growth that counts: a few percent of the worker's size and clear of its noise. */
export function materialGrowthMiB(startMiB: number, noiseMiB: number): number {
  return Math.max(8, 0.04 * startMiB, 4 * noiseMiB);
}

function judgeTrend(f: {
  startMiB: number;
  growthMiB: number;
  slope: number;
  lateSlope: number;
  steadiness: number;
  noiseMiB: number;
  ys: number[];
  measuredHours: number;
}): WorkerTrend {
  const material = materialGrowthMiB(f.startMiB, f.noiseMiB);
  const trendGrowth = f.slope * f.measuredHours;
  const spread = robustSd(f.ys);
  if (f.growthMiB >= material && trendGrowth >= material * 0.6) {
    // A warm-up that levelled off is not growth.
    // A warm-up that levelled off is not growth; one that is still climbing at a material pace is.
    if (f.lateSlope < 0.5 * f.slope && f.lateSlope * f.measuredHours < material) return 'plateaued';
    if (f.steadiness >= 0.6) return 'growing';
    return 'erratic';
  }
  if (f.growthMiB <= -material && trendGrowth <= -material * 0.6) return 'shrinking';
  // Flat on the whole, but moving a lot along the way: follows traffic or jobs.
  if (spread >= material * 0.75) return 'erratic';
  return 'flat';
}
