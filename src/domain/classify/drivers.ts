/**
 * Does memory move with a driver (traffic, one job type) or with the clock?
 *
 * Two kinds of evidence, both taken with the wall-clock trend held out so that a steady leak
 * under a daily traffic cycle is not credited to traffic:
 * - level: memory rises and falls with the (smoothed) driver, e.g. a TTL cache or in-flight payloads;
 * - growth: memory grows faster while the driver is high, e.g. per-request retention.
 */

import { segmentMeans, type FleetGrowth } from './growth-rate';
import { fitLine, pearson, quantile, ramp, regress } from '../stats';

export interface DriverRelation {
  /** Plain correlation of memory with the best-smoothed driver. */
  readonly correlation: number;
  /** Correlation left after the linear wall-clock trend is taken out, signed. */
  readonly partialCorrelation: number;
  /** Correlation between memory's growth per segment and the driver level in that segment. */
  readonly growthCorrelation: number;
  /**
   * 0..1: how much of the growth depends on the driver. From a line through growth against the
   * driver's level: 1 when memory only grows while the driver is high, 0 when it grows as fast
   * whatever the driver does (a steady leak that a burst happens to coincide with).
   */
  readonly growthDependence: number;
  readonly r2Time: number;
  readonly r2Driver: number;
  /** How well a straight line in time explains the driver itself (1: it only drifts one way). */
  readonly r2DriverTime: number;
  /**
   * The share of the workers' time whose own memory rises and falls with the driver (1 with a
   * single worker). A service-wide driver moves most workers; one leaking worker that happens to
   * rise with the daily cycle moves the average and not its flat peers.
   */
  readonly followShare: number;
  /** MiB per worker that the driver's usual swing (10th to 90th percentile) moves memory by. */
  readonly swingMiB: number;
  /** How many buckets of trailing smoothing fit best. */
  readonly smoothing: number;
  /** The driver with that smoothing, per bucket. */
  readonly smoothed: Float64Array;
  /** MiB per worker per unit of the smoothed driver, with the time trend held out. */
  readonly coefficient: number;
}

/** Trailing smoothing to try, in buckets and in minutes: memory lags its driver (a TTL, a job's hold time). */
const SMOOTHING_BUCKETS = [1, 3, 8, 16];
const SMOOTHING_MINUTES = [5, 10, 20, 40];

function smoothingCandidates(count: number, bucketMs: number): number[] {
  const fromMinutes = SMOOTHING_MINUTES.map((m) => Math.round((m * 60_000) / bucketMs));
  return [...new Set([...SMOOTHING_BUCKETS, ...fromMinutes])].filter((k) => k >= 1 && k < count / 4).sort((a, b) => a - b);
}

/**
 * A rate over [5m] reports a burst minutes after it happened (its middle 2.5 minutes late);
 * memory responds at once. Shifting the driver earlier lines the two up again: by up to 60% of
 * the rate's range (0, 1, 2 and 3 minutes for [5m]).
 */
const LEAD_SHARES_OF_RANGE = [0, 0.2, 0.4, 0.6];

export function relateToDriver(
  memory: Float64Array,
  driver: Float64Array,
  hours: Float64Array,
  bucketMs: number,
  growth: FleetGrowth,
  workers: readonly Float64Array[],
  rateRangeMs: number,
): DriverRelation {
  const leads = [...new Set(LEAD_SHARES_OF_RANGE.map((share) => Math.round((share * rateRangeMs) / bucketMs)))].filter((l) => l < driver.length / 8);
  // A rate over [5m] is a five-minute average of the activity: a job that holds memory for a minute
  // shows as a narrow spike in memory and a wide bump in its rate. Averaging memory the same way
  // compares like with like; the plain memory is tried too, and the better explained one is kept.
  const rateBuckets = Math.round(rateRangeMs / bucketMs);
  const memories = rateBuckets >= 2 && rateBuckets < memory.length / 8 ? [memory, trailingMean(memory, rateBuckets)] : [memory];
  let chosen: { relation: DriverRelation; partialR2: number } | null = null;
  let averaged = false;
  for (const [k, m] of memories.entries()) {
    const candidate = relateOne(m, driver, hours, bucketMs, leads);
    if (chosen === null || candidate.partialR2 > chosen.partialR2 + 0.05) {
      chosen = candidate;
      averaged = k > 0;
    }
  }
  const relation = chosen!.relation;
  // Averaged memory understates a short spike: the swing is what memory itself does, low to high.
  const swingMiB = averaged ? Math.max(relation.swingMiB, quantile(memory, 0.98) - quantile(memory, 0.05)) : relation.swingMiB;
  // Each worker is compared the way the fleet was: averaged over the rate's range where that won.
  const perWorker = averaged ? workers.map((w) => trailingMean(w, rateBuckets)) : workers;
  return { ...relation, swingMiB, ...bestGrowthRelation(growth, driver, leads), followShare: followShare(relation.smoothed, hours, perWorker) };
}

/**
 * Share of worker-buckets whose memory follows the driver (partial correlation, time held out, 0.3
 * or more). Only lives that saw the driver move are asked: a process recycled while traffic held
 * steady cannot show that it follows traffic, nor that it does not.
 */
export function followShare(driver: Float64Array, hours: Float64Array, workers: readonly Float64Array[]): number {
  const range = quantile(driver, 0.98) - quantile(driver, 0.02);
  const sawItMove = (w: Float64Array): boolean => {
    const seen = driver.filter((_, b) => Number.isFinite(w[b]!));
    return quantile(seen, 0.98) - quantile(seen, 0.02) >= 0.3 * range;
  };
  const measured = workers
    .map((w) => ({ w, n: w.reduce((k, v) => k + (Number.isFinite(v) ? 1 : 0), 0) }))
    .filter((x) => x.n >= 8 && sawItMove(x.w));
  if (measured.length < 2) return 1;
  let follows = 0;
  let total = 0;
  for (const { w, n } of measured) {
    const timeOnly = fitLine(hours, w).r2;
    const both = regress([hours, driver], w);
    const partial = timeOnly >= 0.999 ? 0 : Math.max(0, (both.r2 - timeOnly) / (1 - timeOnly));
    total += n;
    if ((both.coefficients[1] ?? 0) > 0 && Math.sqrt(partial) >= 0.3) follows += n;
  }
  return total > 0 ? follows / total : 1;
}

function relateOne(
  memory: Float64Array,
  driver: Float64Array,
  hours: Float64Array,
  bucketMs: number,
  leads: readonly number[],
): { relation: DriverRelation; partialR2: number } {
  const r2Time = fitLine(hours, memory).r2;
  let best = { r2: -1, smoothed: driver, k: 1 };
  for (const k of smoothingCandidates(driver.length, bucketMs)) {
    const smoothed = k === 1 ? driver : trailingMean(driver, k);
    for (const lead of leads) {
      const candidate = lead === 0 ? smoothed : shiftEarlier(smoothed, lead);
      // Chosen by how much it adds to the time trend, so a leak under a daily cycle does not pick a lag that mimics the trend.
      const fit = regress([hours, candidate], memory);
      // A driver adds memory: an alignment that fits only upside down is a lag in the wrong phase.
      if ((fit.coefficients[1] ?? 0) <= 0) continue;
      if (fit.r2 > best.r2) best = { r2: fit.r2, smoothed: candidate, k };
    }
  }
  best = { ...best, r2: fitLine(best.smoothed, memory).r2 };
  const both = regress([hours, best.smoothed], memory);
  const partialR2 = r2Time >= 0.999 ? 0 : Math.max(0, (both.r2 - r2Time) / (1 - r2Time));
  const sign = residualSign(memory, best.smoothed, hours);
  // The driver's own effect (time held out) across its near-full range: sparse drivers such as a
  // nightly job spend most buckets at zero, so the 10th-90th percentile would hide them.
  const span = quantile(best.smoothed, 0.98) - quantile(best.smoothed, 0.02);
  const swing = Math.max(0, (both.coefficients[1] ?? 0) * span);
  return {
    partialR2: sign > 0 ? partialR2 : 0,
    relation: {
      correlation: pearson(best.smoothed, memory),
      partialCorrelation: sign * Math.sqrt(partialR2),
      growthCorrelation: 0,
      growthDependence: 0,
      r2Time,
      r2Driver: Math.max(0, best.r2),
      r2DriverTime: fitLine(hours, best.smoothed).r2,
      followShare: 1,
      swingMiB: Number.isFinite(swing) ? swing : 0,
      smoothing: best.k,
      smoothed: best.smoothed,
      coefficient: Number.isFinite(both.coefficients[1] ?? NaN) ? both.coefficients[1]! : 0,
    },
  };
}

/** A swing smaller than this (MiB per worker) is not worth crediting to any driver. */
export function driverMaterialMiB(typicalWorkerMiB: number): number {
  return Math.max(10, 0.05 * typicalWorkerMiB);
}

/**
 * 0..1: memory rises and falls with the driver, beyond the time trend, by a material amount.
 * Needs all three: the driver's own share (partial correlation), a fit that is not a fluke
 * (plain r²), and a swing big enough to matter.
 */
export function levelEvidence(rel: DriverRelation, typicalWorkerMiB: number): number {
  // The share of memory's variance the driver explains: on its own, or beside the time trend
  // (a leak under a daily cycle leaves the driver a small plain r² however closely memory follows it).
  const beyondTime = Math.max(0, rel.partialCorrelation) ** 2 * (1 - rel.r2Time);
  return (
    ramp(rel.partialCorrelation, 0.4, 0.75) *
    ramp(Math.max(rel.r2Driver, beyondTime), 0.15, 0.4) *
    ramp(rel.swingMiB / driverMaterialMiB(typicalWorkerMiB), 0.7, 1.5) *
    // A driver that only drifts one way through the window is the clock by another name: its
    // share and the trend's cannot be told apart, so it gets no credit for either.
    (1 - ramp(rel.r2DriverTime, 0.8, 0.95))
  );
}

/** Sign of the driver's effect once time is held out: residual of memory vs residual of driver. */
function residualSign(memory: Float64Array, driver: Float64Array, hours: Float64Array): number {
  const m = fitLine(hours, memory);
  const d = fitLine(hours, driver);
  const rm = new Float64Array(memory.length);
  const rd = new Float64Array(memory.length);
  for (let i = 0; i < memory.length; i++) {
    rm[i] = memory[i]! - (m.intercept + m.slope * hours[i]!);
    rd[i] = driver[i]! - (d.intercept + d.slope * hours[i]!);
  }
  return pearson(rm, rd) >= 0 ? 1 : -1;
}

function bestGrowthRelation(growth: FleetGrowth, driver: Float64Array, leads: readonly number[]): { growthCorrelation: number; growthDependence: number } {
  let best = { growthCorrelation: 0, growthDependence: 0 };
  for (const lead of leads) {
    const r = growthRelation(growth, lead === 0 ? driver : shiftEarlier(driver, lead));
    if (r.growthCorrelation > best.growthCorrelation) best = r;
  }
  return best;
}

/** How much one worker grew in each segment (inside processes' lives) against the driver's level then. */
export function growthRelation(growth: FleetGrowth, driver: Float64Array): { growthCorrelation: number; growthDependence: number } {
  const d = segmentMeans(driver, growth.bounds);
  const increments: number[] = [];
  const level: number[] = [];
  for (let s = 1; s < growth.increments.length; s++) {
    const inc = growth.increments[s]!;
    if (Number.isFinite(inc) && Number.isFinite(d[s]!) && Number.isFinite(d[s - 1]!)) {
      increments.push(inc);
      level.push((d[s]! + d[s - 1]!) / 2);
    }
  }
  if (increments.length < 6) return { growthCorrelation: 0, growthDependence: 0 };
  const fit = fitLine(level, increments);
  const low = fit.intercept + fit.slope * quantile(level, 0.1);
  const high = fit.intercept + fit.slope * quantile(level, 0.9);
  const dependence = high > 0 ? Math.min(1, Math.max(0, (high - Math.max(0, low)) / high)) : 0;
  return { growthCorrelation: pearson(level, increments), growthDependence: Number.isFinite(dependence) ? dependence : 0 };
}

/** out[b] = values[b + lead]; the last `lead` buckets repeat the final value. */
function shiftEarlier(values: Float64Array, lead: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let b = 0; b < values.length; b++) out[b] = values[Math.min(values.length - 1, b + lead)]!;
  return out;
}

export function trailingMean(values: Float64Array, k: number): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
    if (i >= k) {
      const old = values[i - k]!;
      if (Number.isFinite(old)) {
        sum -= old;
        n--;
      }
    }
    out[i] = n > 0 ? sum / n : NaN;
  }
  return out;
}

/**
 * A driver that never really moves cannot explain anything. Sparse drivers count: a nightly
 * job is zero 95% of the time, so the test looks at the top percentile, not the 90th.
 */
export function driverVaries(driver: Float64Array): boolean {
  const hi = quantile(driver, 0.99);
  const lo = quantile(driver, 0.1);
  const mid = quantile(driver, 0.5);
  if (!Number.isFinite(hi) || hi <= 0) return false;
  let active = 0;
  for (let i = 0; i < driver.length; i++) if (driver[i]! >= hi * 0.25) active++;
  return active >= 2 && (hi - lo) / Math.max(mid, hi * 0.05) >= 0.3;
}
