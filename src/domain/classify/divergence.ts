/**
 * Each worker against its peers: its memory minus the median of all live workers at the same
 * time. Whatever every worker does together (swings with traffic, a job that every worker runs,
 * a deploy) cancels out; a worker that leaves the pack shows as a steady climb. This is how one
 * leaking worker is found inside a fleet that moves for other reasons.
 */

import { MIB } from '../series';
import type { FleetProcess } from '../fleet';
import { bucketMeans, coarsen, type Buckets } from './buckets';
import { measuredFrom, materialGrowthMiB } from './workers';
import { fitLine, median, quantile, robustSd } from '../stats';

export interface Divergence {
  /** How far the worker moved away from the fleet median over its measured life, MiB. */
  readonly growthMiB: number;
  /** How far above the pack it ended, MiB (negative below it). */
  readonly endAboveMiB: number;
  /** 0..1: how well a straight line explains the distance to the pack. */
  readonly steadiness: number;
  readonly hours: number;
}

/** Below this many workers a median of peers is not a pack. */
export const MIN_PACK = 4;

export interface Pack {
  /** The median worker per bucket, MiB (NaN where fewer than MIN_PACK - 1 workers have data). */
  readonly median: Float64Array;
  /** The upper quartile of the workers per bucket, MiB. */
  readonly upper: Float64Array;
  /** The largest worker per bucket, MiB. */
  readonly max: Float64Array;
}

export function packLevel(workers: readonly FleetProcess[], buckets: Buckets): Pack {
  const raw = workers.map((w) => bucketMeans(w.values, buckets, 1 / MIB));
  const mid = new Float64Array(buckets.count).fill(NaN);
  const upper = new Float64Array(buckets.count).fill(NaN);
  const max = new Float64Array(buckets.count).fill(NaN);
  const column: number[] = [];
  for (let b = 0; b < buckets.count; b++) {
    column.length = 0;
    for (const r of raw) if (Number.isFinite(r[b]!)) column.push(r[b]!);
    if (column.length >= MIN_PACK - 1) {
      mid[b] = median(column);
      upper[b] = quantile(column, 0.75);
      max[b] = quantile(column, 1);
    }
  }
  return { median: mid, upper, max };
}

export function divergences(workers: readonly FleetProcess[], buckets: Buckets, pack: Pack): (Divergence | null)[] {
  if (workers.length < MIN_PACK) return workers.map(() => null);
  const raw = workers.map((w) => bucketMeans(w.values, buckets, 1 / MIB));
  return workers.map((w, k) => {
    const r = raw[k]!;
    let first = -1;
    let last = -1;
    for (let b = 0; b < r.length; b++) {
      if (Number.isFinite(r[b]!)) {
        if (first < 0) first = b;
        last = b;
      }
    }
    if (first < 0) return null;
    const from = measuredFrom(first, last, w.bornInWindow, buckets);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let b = from; b <= last; b++) {
      const v = r[b]! - pack.median[b]!;
      if (Number.isFinite(v)) {
        xs.push(buckets.hours[b]!);
        ys.push(v);
      }
    }
    if (ys.length < 8) return null;
    const edge = Math.max(2, Math.ceil(ys.length * 0.1));
    const endAboveMiB = median(ys.slice(-edge));
    const growthMiB = endAboveMiB - median(ys.slice(0, edge));
    const segments = Math.min(24, Math.max(2, Math.floor(ys.length / 2)));
    return { growthMiB, endAboveMiB, steadiness: fitLine(coarsen(xs, segments), coarsen(ys, segments)).r2, hours: xs[xs.length - 1]! - xs[0]! };
  });
}

/**
 * The workers that left the pack: moved up by a material amount, steadily, and far more than the
 * workers move relative to each other as a rule (so the fastest of a fleet that grows together at
 * slightly different paces is not singled out).
 */
export function divergers(
  divs: readonly (Divergence | null)[],
  judged: readonly { readonly index: number; readonly startMiB: number; readonly growthMiB: number; readonly measuredHours: number }[],
  windowHours: number,
): number[] {
  const moves = judged.map((w) => divs[w.index]?.growthMiB ?? NaN).filter((v) => Number.isFinite(v));
  // A spread of the workers' moves needs a few more workers than a median does.
  if (moves.length < MIN_SPREAD) return [];
  const spread = robustSd(moves);
  // What a worker's move is measured against: the typical move. In a fleet recycled faster than the
  // window, every life climbs a little against the pack's median (each warms up while the median
  // does not); leaving the pack means moving further than that.
  const typical = Math.max(0, median(moves));
  return judged
    .filter((w) => {
      const d = divs[w.index];
      if (!d) return false;
      const material = materialGrowthMiB(w.startMiB, 0);
      // It must grow itself (not only stand still while the pack drops, as at a deploy), over a
      // good part of the window, and end up above the pack: a young worker that climbs from below
      // to where the others are is catching up, not leaving.
      return (
        d.growthMiB - typical >= Math.max(material, 4 * spread) &&
        d.endAboveMiB >= 0.5 * d.growthMiB &&
        d.steadiness >= 0.5 &&
        w.growthMiB >= 0.5 * material &&
        w.measuredHours >= 0.3 * windowHours
      );
    })
    .map((w) => w.index);
}

/**
 * Workers needed to tell one that pulls away from the spread of the rest. Four is enough: the
 * spread is robust (one leaver does not widen it), and the material-growth bar keeps the fastest
 * of four that grow together from being singled out. Six left a leak in a four-worker service
 * that also runs a job invisible (the job's steps made every worker "growing", so no peer was flat).
 */
export const MIN_SPREAD = MIN_PACK;
