/**
 * The classifier works on a coarse, fixed number of time buckets: enough to see shape,
 * few enough that 64 workers x 11,000 points costs a few milliseconds, and averaging
 * within a bucket flattens scrape noise and most GC sawtooth.
 */

import type { Grid, GridSeries } from '../series';

export const TARGET_BUCKETS = 240;

export interface Buckets {
  readonly count: number;
  /** Grid index where bucket b starts; bounds[count] === grid.length. */
  readonly bounds: Int32Array;
  /** Centre time of each bucket, ms. */
  readonly timesMs: Float64Array;
  /** Centre time of each bucket in hours since the window start (handy for slopes in MiB/h). */
  readonly hours: Float64Array;
  readonly bucketMs: number;
}

export function makeBuckets(grid: Grid, target = TARGET_BUCKETS): Buckets {
  const count = Math.max(1, Math.min(target, grid.length));
  const bounds = new Int32Array(count + 1);
  for (let b = 0; b <= count; b++) bounds[b] = Math.floor((b * grid.length) / count);
  const timesMs = new Float64Array(count);
  const hours = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    const mid = (bounds[b]! + bounds[b + 1]! - 1) / 2;
    timesMs[b] = grid.startMs + mid * grid.stepMs;
    hours[b] = (timesMs[b]! - grid.startMs) / 3_600_000;
  }
  return { count, bounds, timesMs, hours, bucketMs: (grid.length / count) * grid.stepMs };
}

/** Mean of the finite values in each bucket; NaN for a bucket with none. */
export function bucketMeans(values: Float64Array, buckets: Buckets, scale = 1): Float64Array {
  return bucketStats(values, buckets, scale).means;
}

/** Bucket means and the largest single value, in one pass over the raw points. */
export function bucketStats(values: Float64Array, buckets: Buckets, scale = 1): { means: Float64Array; max: number } {
  const means = new Float64Array(buckets.count);
  let max = -Infinity;
  for (let b = 0; b < buckets.count; b++) {
    let sum = 0;
    let n = 0;
    for (let i = buckets.bounds[b]!; i < buckets.bounds[b + 1]!; i++) {
      const v = values[i]!;
      if (v === v) {
        sum += v;
        n++;
        if (v > max) max = v;
      }
    }
    means[b] = n === 0 ? NaN : (sum / n) * scale;
  }
  return { means, max: max * scale };
}

/** Bucket means of a series that may be absent. */
export function bucketSeries(series: GridSeries | null, buckets: Buckets): Float64Array | null {
  return series ? bucketMeans(series.values, buckets) : null;
}

/** Averages consecutive buckets into `segments` coarser ones (for steadiness and increments). */
export function coarsen(values: ArrayLike<number>, segments: number): Float64Array {
  const n = values.length;
  const k = Math.max(1, Math.min(segments, n));
  const out = new Float64Array(k);
  for (let s = 0; s < k; s++) {
    const from = Math.floor((s * n) / k);
    const to = Math.floor(((s + 1) * n) / k);
    let sum = 0;
    let c = 0;
    for (let i = from; i < to; i++) {
      const v = values[i]!;
      if (v === v) {
        sum += v;
        c++;
      }
    }
    out[s] = c === 0 ? NaN : sum / c;
  }
  return out;
}
