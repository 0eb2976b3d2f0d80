/**
 * Thinning a grid series to what a chart can show. A 1000 px chart cannot show
 * more than ~1 point per pixel; fewer points also keep the render fast.
 */

import { gridTimeMs, type Grid } from '../domain/series';

export interface ChartPoint {
  readonly x: number;
  /** null is a gap: the line breaks here. */
  readonly y: number | null;
}

/** One vertex of a band. Both ends are null together: a gap, the band breaks here. */
export interface RangePoint {
  readonly x: number;
  readonly min: number | null;
  readonly max: number | null;
}

function directPoints(grid: Grid, values: Float64Array, scale: number): ChartPoint[] {
  const points: ChartPoint[] = [];
  let lastWasGap = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (Number.isNaN(v)) {
      // One null is enough to break the line; runs of them only cost draw time.
      if (!lastWasGap) points.push({ x: gridTimeMs(grid, i), y: null });
      lastWasGap = true;
    } else {
      points.push({ x: gridTimeMs(grid, i), y: v / scale });
      lastWasGap = false;
    }
  }
  return points;
}

/**
 * At most `maxPoints` points: each bucket contributes its minimum and maximum in
 * time order, so spikes and the envelope survive. A bucket without samples
 * becomes a gap; a gap shorter than one bucket inside a bucket is bridged
 * (it is narrower than a pixel at the target width). Values are divided by `scale`.
 */
export function downsampleMinMax(grid: Grid, values: Float64Array, maxPoints: number, scale = 1): ChartPoint[] {
  const n = Math.min(values.length, grid.length);
  if (n <= maxPoints) return directPoints(grid, values.subarray(0, n), scale);
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = Math.ceil(n / buckets);
  const points: ChartPoint[] = [];
  let lastWasGap = true;
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let minI = -1;
    let maxI = -1;
    for (let i = start; i < end; i++) {
      const v = values[i] ?? Number.NaN;
      if (Number.isNaN(v)) continue;
      if (minI < 0 || v < (values[minI] ?? v)) minI = i;
      if (maxI < 0 || v > (values[maxI] ?? v)) maxI = i;
    }
    if (minI < 0) {
      if (!lastWasGap) points.push({ x: gridTimeMs(grid, start), y: null });
      lastWasGap = true;
      continue;
    }
    const first = Math.min(minI, maxI);
    const second = Math.max(minI, maxI);
    points.push({ x: gridTimeMs(grid, first), y: (values[first] ?? 0) / scale });
    if (second !== first) points.push({ x: gridTimeMs(grid, second), y: (values[second] ?? 0) / scale });
    lastWasGap = false;
  }
  return points;
}

/** Grid points per bucket when `n` points are thinned to at most `maxPoints` buckets. */
function bucketSize(n: number, maxPoints: number): number {
  return Math.ceil(n / Math.max(1, maxPoints));
}

/** The bucket's middle, so a filled shape neither leads nor lags the memory lines. */
function bucketMiddleMs(grid: Grid, start: number, end: number): number {
  return gridTimeMs(grid, start + (end - 1 - start) / 2);
}

/**
 * A band from `lower` to `upper` (same grid, NaN for "no sample") in at most
 * `maxPoints` vertices: each bucket contributes the lowest `lower` and the
 * highest `upper` in it, so the envelope and its spikes survive. A bucket
 * without samples becomes a gap. Values are divided by `scale`.
 */
export function downsampleRange(
  grid: Grid,
  lower: Float64Array,
  upper: Float64Array,
  maxPoints: number,
  scale = 1,
): RangePoint[] {
  const n = Math.min(lower.length, upper.length, grid.length);
  const size = n <= maxPoints ? 1 : bucketSize(n, maxPoints);
  const points: RangePoint[] = [];
  let lastWasGap = true;
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = start; i < end; i++) {
      const a = lower[i] ?? Number.NaN;
      const b = upper[i] ?? Number.NaN;
      if (a < lo) lo = a;
      if (b > hi) hi = b;
    }
    // NaN compares false, so a bucket of NaN only keeps the infinities.
    const x = size === 1 ? gridTimeMs(grid, start) : bucketMiddleMs(grid, start, end);
    if (lo === Number.POSITIVE_INFINITY || hi === Number.NEGATIVE_INFINITY) {
      if (!lastWasGap) points.push({ x, min: null, max: null });
      lastWasGap = true;
    } else {
      points.push({ x, min: lo / scale, max: hi / scale });
      lastWasGap = false;
    }
  }
  return points;
}

/** At most `maxPoints` bucket means, for filled areas where min/max would look jagged. */
export function downsampleMean(grid: Grid, values: Float64Array, maxPoints: number, scale = 1): ChartPoint[] {
  const n = Math.min(values.length, grid.length);
  if (n <= maxPoints) return directPoints(grid, values.subarray(0, n), scale);
  const size = bucketSize(n, maxPoints);
  const points: ChartPoint[] = [];
  let lastWasGap = true;
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let sum = 0;
    let count = 0;
    for (let i = start; i < end; i++) {
      const v = values[i] ?? Number.NaN;
      if (Number.isNaN(v)) continue;
      sum += v;
      count++;
    }
    const x = bucketMiddleMs(grid, start, end);
    if (count === 0) {
      if (!lastWasGap) points.push({ x, y: null });
      lastWasGap = true;
    } else {
      points.push({ x, y: sum / count / scale });
      lastWasGap = false;
    }
  }
  return points;
}
