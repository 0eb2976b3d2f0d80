/** Stretches where traffic fell to near zero, and what memory did through them. */

import type { Buckets } from './buckets';
import { trailingMean } from './drivers';
import { median, quantile, robustSlope } from '../stats';
import { growthBetween, type FleetGrowth } from './growth-rate';

export interface IdleStretch {
  /** Bucket indices, inclusive. */
  readonly from: number;
  readonly to: number;
  readonly hours: number;
  /** Per-worker memory (MiB) at the start and the end of the stretch. */
  readonly startMiB: number;
  readonly endMiB: number;
  /** Per-worker memory just before traffic dropped. */
  readonly beforeMiB: number;
  /** The lowest settled per-worker memory seen before the stretch; NaN when the window starts idle. */
  readonly baselineMiB: number;
  readonly slopeMiBPerHour: number;
  /** Slope of memory while traffic was flowing, for contrast. */
  readonly activeSlopeMiBPerHour: number;
  /** Traffic came back after the stretch, inside the window. */
  readonly trafficReturned: boolean;
  /**
   * What one worker grew during the stretch, and per hour while busy before it, measured inside
   * processes' lives (recycled workers restart low; this still sees each one grow). NaN when unknown.
   */
  readonly workerGrowthMiB: number;
  readonly busyWorkerGrowthPerHour: number;
}

/** Traffic below this share of its busy level counts as idle. */
const IDLE_SHARE = 0.08;
/** An idle stretch lasts at least this long, or 15% of a short window (9 of 60 minutes counts). */
const MIN_IDLE_MS = 10 * 60_000;
const MIN_IDLE_SHARE_OF_SHORT_WINDOW = 0.15;
const MIN_IDLE_SHARE_OF_WINDOW = 0.05;

export function findIdleStretches(traffic: Float64Array, memory: Float64Array, buckets: Buckets, growth: FleetGrowth): IdleStretch[] {
  const busy = quantile(traffic, 0.95);
  if (!(busy > 0)) return [];
  const smooth = trailingMean(traffic, 3);
  const threshold = busy * IDLE_SHARE;
  const idle = new Uint8Array(buckets.count);
  let active = 0;
  for (let b = 0; b < buckets.count; b++) {
    const v = smooth[b]!;
    idle[b] = Number.isFinite(v) && v < threshold ? 1 : 0;
    if (Number.isFinite(v) && v >= busy * 0.25) active++;
  }
  // Idle only means something against a window that also saw real traffic.
  if (active < buckets.count * 0.1) return [];
  // Bridge one- or two-bucket blips of traffic inside an idle stretch (health checks, a stray request).
  for (let b = 1; b < buckets.count - 1; b++) {
    if (!idle[b] && idle[b - 1] && (idle[b + 1] || (b + 2 < buckets.count && idle[b + 2]))) idle[b] = 1;
  }
  const windowMs = buckets.count * buckets.bucketMs;
  const shortest = Math.max(Math.min(MIN_IDLE_MS, windowMs * MIN_IDLE_SHARE_OF_SHORT_WINDOW), windowMs * MIN_IDLE_SHARE_OF_WINDOW);
  const minBuckets = Math.max(3, Math.ceil(shortest / buckets.bucketMs));
  const stretches: IdleStretch[] = [];
  let b = 0;
  while (b < buckets.count) {
    if (!idle[b]) {
      b++;
      continue;
    }
    const from = b;
    while (b < buckets.count && idle[b]) b++;
    const to = b - 1;
    if (to - from + 1 >= minBuckets) stretches.push(describe(from, to, idle, memory, buckets, smooth, busy, growth));
  }
  return stretches;
}

function describe(from: number, to: number, idle: Uint8Array, memory: Float64Array, buckets: Buckets, traffic: Float64Array, busy: number, growth: FleetGrowth): IdleStretch {
  const len = to - from + 1;
  const edge = Math.max(2, Math.ceil(len * 0.1));
  const inside = Array.from(memory.subarray(from, to + 1));
  const hours = Array.from(buckets.hours.subarray(from, to + 1));
  const beforeFrom = Math.max(0, from - Math.max(2, Math.ceil(buckets.count * 0.05)));
  const before = Array.from(memory.subarray(beforeFrom, from));
  const activeHours: number[] = [];
  const activeMemory: number[] = [];
  for (let i = 0; i < from; i++) {
    if (!idle[i]) {
      activeHours.push(buckets.hours[i]!);
      activeMemory.push(memory[i]!);
    }
  }
  return {
    from,
    to,
    hours: (len * buckets.bucketMs) / 3_600_000,
    startMiB: median(inside.slice(0, edge)),
    endMiB: median(inside.slice(len - edge)),
    beforeMiB: before.length > 0 ? median(before) : NaN,
    baselineMiB: lowestSettled(memory, from, Math.max(2, Math.ceil(buckets.count * 0.04))),
    slopeMiBPerHour: robustSlope(hours, inside),
    activeSlopeMiBPerHour: activeMemory.length >= 4 ? robustSlope(activeHours, activeMemory) : NaN,
    trafficReturned: returned(traffic, to + 1, busy, Math.max(2, Math.ceil(len * 0.2))),
    ...workerGrowth(growth, from, to, idle),
  };
}

function workerGrowth(growth: FleetGrowth, from: number, to: number, idle: Uint8Array): { workerGrowthMiB: number; busyWorkerGrowthPerHour: number } {
  const inside = growthBetween(growth, from, to);
  // Busy time before the stretch: the segments that are mostly busy.
  let busyMiB = 0;
  let busyHours = 0;
  for (let s = 1; s < growth.increments.length; s++) {
    const start = growth.bounds[s - 1]!;
    const end = growth.bounds[s + 1]! - 1;
    if (end >= from || !Number.isFinite(growth.increments[s]!)) continue;
    let idleBuckets = 0;
    for (let b = start; b <= end; b++) idleBuckets += idle[b]!;
    if (idleBuckets * 2 > end - start + 1) continue;
    busyMiB += growth.increments[s]!;
    busyHours += growth.segmentHours;
  }
  return {
    workerGrowthMiB: inside.hours > 0 ? inside.miB : NaN,
    busyWorkerGrowthPerHour: busyHours > 0 ? busyMiB / busyHours : NaN,
  };
}

/** The lowest median over any run of `span` buckets before `end`. */
function lowestSettled(memory: Float64Array, end: number, span: number): number {
  if (end < span) return NaN;
  let lowest = Infinity;
  for (let i = 0; i + span <= end; i += Math.max(1, Math.floor(span / 2))) {
    const m = median(memory.subarray(i, i + span));
    if (m < lowest) lowest = m;
  }
  return Number.isFinite(lowest) ? lowest : NaN;
}

/** At least `need` buckets after `from` carry real traffic (a quarter of the busy level). */
function returned(traffic: Float64Array, from: number, busy: number, need: number): boolean {
  let n = 0;
  for (let b = from; b < traffic.length; b++) if (traffic[b]! >= busy * 0.25) n++;
  return n >= need;
}
