/**
 * How many worker processes are live at each grid point, and when that number really changed.
 * A deploy or a recycle briefly shows old and new pids together (Prometheus keeps returning a
 * vanished series for up to 5 minutes), and a missed scrape briefly shows one fewer: runs shorter
 * than a settle time are absorbed into their neighbours, so only lasting changes remain.
 */

import type { Grid, GridSeries } from '../series';
import { median } from '../stats';

export interface CountRun {
  readonly value: number;
  /** Grid indices, inclusive. */
  readonly from: number;
  readonly to: number;
}

export interface CountChange {
  readonly index: number;
  readonly atMs: number;
  readonly from: number;
  readonly to: number;
  readonly totalBefore: number;
  readonly totalAfter: number;
  readonly perWorkerBefore: number;
  readonly perWorkerAfter: number;
}

export interface WorkerCountAnalysis {
  /** Live series per grid point. */
  readonly counts: Int32Array;
  /** Sum of live series per grid point (bytes), NaN where none. */
  readonly totals: Float64Array;
  readonly runs: readonly CountRun[];
  readonly changes: readonly CountChange[];
}

const SETTLE_MS = 15 * 60_000;

export function analyseWorkerCount(grid: Grid, memory: readonly GridSeries[]): WorkerCountAnalysis {
  const counts = new Int32Array(grid.length);
  const totals = new Float64Array(grid.length);
  for (const s of memory) {
    const v = s.values;
    for (let i = 0; i < grid.length; i++) {
      const x = v[i]!;
      if (x === x) {
        counts[i]!++;
        totals[i]! += x;
      }
    }
  }
  for (let i = 0; i < grid.length; i++) if (counts[i] === 0) totals[i] = NaN;

  const minRun = Math.max(3, Math.min(Math.ceil(SETTLE_MS / grid.stepMs), Math.ceil(grid.length * 0.1)));
  const runs = settleRuns(toRuns(counts), minRun);
  const changes: CountChange[] = [];
  for (let r = 1; r < runs.length; r++) {
    const before = runs[r - 1]!;
    const after = runs[r]!;
    // Compare the stretch just before the change with the stretch after things settled.
    const span = Math.max(minRun, Math.ceil(SETTLE_MS / grid.stepMs) * 2);
    const bFrom = Math.max(before.from, before.to - span);
    const aSkip = Math.min(Math.ceil((after.to - after.from) * 0.25), Math.ceil(SETTLE_MS / grid.stepMs));
    const aFrom = after.from + aSkip;
    const aTo = Math.min(after.to, aFrom + span);
    const totalsBefore: number[] = [];
    const perBefore: number[] = [];
    const totalsAfter: number[] = [];
    const perAfter: number[] = [];
    for (let i = bFrom; i <= before.to; i++) {
      if (counts[i] === before.value && Number.isFinite(totals[i]!)) {
        totalsBefore.push(totals[i]!);
        perBefore.push(totals[i]! / counts[i]!);
      }
    }
    for (let i = aFrom; i <= aTo; i++) {
      if (counts[i] === after.value && Number.isFinite(totals[i]!)) {
        totalsAfter.push(totals[i]!);
        perAfter.push(totals[i]! / counts[i]!);
      }
    }
    changes.push({
      index: after.from,
      atMs: grid.startMs + after.from * grid.stepMs,
      from: before.value,
      to: after.value,
      totalBefore: median(totalsBefore),
      totalAfter: median(totalsAfter),
      perWorkerBefore: median(perBefore),
      perWorkerAfter: median(perAfter),
    });
  }
  return { counts, totals, runs, changes };
}

function toRuns(counts: Int32Array): CountRun[] {
  const runs: CountRun[] = [];
  let start = 0;
  for (let i = 1; i <= counts.length; i++) {
    if (i === counts.length || counts[i] !== counts[start]) {
      runs.push({ value: counts[start]!, from: start, to: i - 1 });
      start = i;
    }
  }
  return runs;
}

/** Absorbs short runs (and runs with no data) into their longer neighbour until every run lasts. */
export function settleRuns(input: readonly CountRun[], minRun: number): CountRun[] {
  let runs = [...input];
  for (;;) {
    let worst = -1;
    let worstLen = Infinity;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      const len = run.to - run.from + 1;
      const weak = run.value === 0 ? 0 : len;
      if ((run.value === 0 || len < minRun) && weak < worstLen && runs.length > 1) {
        worst = r;
        worstLen = weak;
      }
    }
    if (worst < 0) break;
    const prev = runs[worst - 1];
    const next = runs[worst + 1];
    const prevLen = prev && prev.value !== 0 ? prev.to - prev.from + 1 : -1;
    const nextLen = next && next.value !== 0 ? next.to - next.from + 1 : -1;
    if (prevLen < 0 && nextLen < 0) {
      // Only empty neighbours: merge with whichever exists.
      const target = prev ?? next!;
      runs = replaceWith(runs, worst, target === prev ? worst - 1 : worst + 1, target.value);
    } else if (prevLen >= nextLen) {
      runs = replaceWith(runs, worst, worst - 1, prev!.value);
    } else {
      runs = replaceWith(runs, worst, worst + 1, next!.value);
    }
  }
  // Merge neighbours that ended up equal.
  const merged: CountRun[] = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last && last.value === run.value) merged[merged.length - 1] = { ...last, to: run.to };
    else merged.push(run);
  }
  return merged;
}

function replaceWith(runs: CountRun[], a: number, b: number, value: number): CountRun[] {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const merged: CountRun = { value, from: runs[lo]!.from, to: runs[hi]!.to };
  return [...runs.slice(0, lo), merged, ...runs.slice(hi + 1)];
}
