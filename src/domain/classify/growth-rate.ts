/**
 * How fast one worker grows, through time, measured inside processes' lives: for each coarse
 * segment, the median over workers alive through it and the segment before of how much each
 * grew. A recycled or redeployed worker starts again from its base size; a fleet average drops at
 * every replacement and hides growth that every process shows. Increments inside lives do not.
 */

import { MIB } from '../series';
import type { FleetProcess } from '../fleet';
import { bucketMeans, type Buckets } from './buckets';
import { measuredFrom } from './workers';
import { median } from '../stats';

export interface FleetGrowth {
  /** Segment s covers buckets [bounds[s], bounds[s + 1]). */
  readonly bounds: Int32Array;
  /** MiB one worker grew from segment s - 1 to s (median over workers); NaN for s = 0 or with no worker through both. */
  readonly increments: Float64Array;
  readonly segmentHours: number;
}

/** Segments: coarse enough that noise and a GC sawtooth average out. */
export const GROWTH_SEGMENTS = 40;

export function segmentBounds(count: number, segments: number): Int32Array {
  const k = Math.max(1, Math.min(segments, count));
  const bounds = new Int32Array(k + 1);
  for (let s = 0; s <= k; s++) bounds[s] = Math.floor((s * count) / k);
  return bounds;
}

export function fleetGrowth(workers: readonly FleetProcess[], buckets: Buckets): FleetGrowth {
  const segments = Math.min(GROWTH_SEGMENTS, Math.max(1, Math.floor(buckets.count / 3)));
  const bounds = segmentBounds(buckets.count, segments);
  const k = bounds.length - 1;
  // Per worker: segment means over the part of its life worth judging.
  const means = workers.map((w) => {
    const miB = bucketMeans(w.values, buckets, 1 / MIB);
    let first = -1;
    let last = -1;
    for (let b = 0; b < miB.length; b++) {
      if (Number.isFinite(miB[b]!)) {
        if (first < 0) first = b;
        last = b;
      }
    }
    const out = new Float64Array(k).fill(NaN);
    if (first < 0) return out;
    const from = measuredFrom(first, last, w.bornInWindow, buckets);
    for (let s = 0; s < k; s++) {
      // Only segments the process lived through whole.
      if (bounds[s]! < from || bounds[s + 1]! - 1 > last) continue;
      let sum = 0;
      let n = 0;
      for (let b = bounds[s]!; b < bounds[s + 1]!; b++) {
        const v = miB[b]!;
        if (Number.isFinite(v)) {
          sum += v;
          n++;
        }
      }
      if (n * 2 >= bounds[s + 1]! - bounds[s]!) out[s] = sum / n;
    }
    return out;
  });
  const increments = new Float64Array(k).fill(NaN);
  for (let s = 1; s < k; s++) {
    const steps: number[] = [];
    for (const m of means) if (Number.isFinite(m[s]!) && Number.isFinite(m[s - 1]!)) steps.push(m[s]! - m[s - 1]!);
    if (steps.length > 0) increments[s] = median(steps);
  }
  return { bounds, increments, segmentHours: ((buckets.count / k) * buckets.bucketMs) / 3_600_000 };
}

/** Mean of `values` (per bucket) over each segment. */
export function segmentMeans(values: Float64Array, bounds: Int32Array): Float64Array {
  const k = bounds.length - 1;
  const out = new Float64Array(k).fill(NaN);
  for (let s = 0; s < k; s++) {
    let sum = 0;
    let n = 0;
    for (let b = bounds[s]!; b < bounds[s + 1]!; b++) {
      const v = values[b]!;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    if (n > 0) out[s] = sum / n;
  }
  return out;
}

/** Growth of one worker, MiB, summed over the segments whose increment ends inside [fromBucket, toBucket]. */
export function growthBetween(g: FleetGrowth, fromBucket: number, toBucket: number): { miB: number; hours: number } {
  let miB = 0;
  let segments = 0;
  for (let s = 1; s < g.increments.length; s++) {
    const start = g.bounds[s - 1]!;
    const end = g.bounds[s + 1]! - 1;
    if (start >= fromBucket && end <= toBucket && Number.isFinite(g.increments[s]!)) {
      miB += g.increments[s]!;
      segments++;
    }
  }
  return { miB, hours: segments * g.segmentHours };
}
