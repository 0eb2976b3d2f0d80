/**
 * Evidence for each pattern, 0..1. Every score is computed on its own; `decide` weighs them.
 * The thresholds are in one place so the scenario set can keep them honest.
 */

import type { Evidence } from './evidence';
import type { IdleStretch } from './idle';
import { driverMaterialMiB, levelEvidence, type DriverRelation } from './drivers';
import type { CountChange } from '../fleet';
import { materialGrowthMiB, type WorkerAnalysis } from './workers';
import { mean, median, quantile, ramp } from '../stats';
import { divergers } from './divergence';

/** Workers whose trend says something about growth: new processes still warming up say nothing. */
function judged(e: Evidence): readonly WorkerAnalysis[] {
  return e.eligible.filter((w) => w.trend !== 'warming-up');
}

/**
 * The share of the judged worker-time that the growers account for. A deploy early in the window
 * leaves short lives before it and long ones after: counting processes would weigh a 45-minute
 * stub as much as a 5-hour life.
 */
function timeShare(part: readonly WorkerAnalysis[], whole: readonly WorkerAnalysis[]): number {
  const hours = (ws: readonly WorkerAnalysis[]): number => ws.reduce((sum, w) => sum + w.measuredHours, 0);
  const total = hours(whole);
  return total > 0 ? hours(part) / total : 0;
}

export interface OneWorkerScore {
  readonly score: number;
  /** Indices of the workers that grow while their peers do not. */
  readonly workers: readonly number[];
}

export function scoreOneWorker(e: Evidence): OneWorkerScore {
  const byTrend = scoreOneWorkerByTrend(e);
  const byDivergence = scoreOneWorkerByDivergence(e);
  return byDivergence.score > byTrend ? byDivergence : { score: byTrend, workers: e.growers.map((w) => w.index) };
}

/**
 * A few workers left the pack while the rest moved together, whatever the pack did (swung with
 * traffic, ran a job, grew a little): the leak is theirs.
 */
function scoreOneWorkerByDivergence(e: Evidence): OneWorkerScore {
  const judgedWorkers = judged(e);
  const ids = divergers(e.divergence, judgedWorkers, e.windowHours);
  if (ids.length === 0) return { score: 0, workers: [] };
  const share = ids.length / judgedWorkers.length;
  const steady = mean(ids.map((i) => e.divergence[i]!.steadiness));
  const moved = ids.map((i) => ({ growthMiB: e.divergence[i]!.growthMiB, startMiB: e.workers[i]!.startMiB }));
  return { score: (1 - ramp(share, 0.34, 0.5)) * (0.55 + 0.45 * steady) * clearance(moved), workers: ids };
}

function scoreOneWorkerByTrend(e: Evidence): number {
  const { growers } = e;
  const eligible = judged(e);
  if (growers.length === 0 || eligible.length < 2) return 0;
  const share = timeShare(growers, eligible);
  const peers = eligible.filter((w) => w.trend !== 'growing');
  if (peers.length === 0) return 0;
  const growerSlope = median(growers.map((w) => w.slopeMiBPerHour));
  // Weighed by how long each peer was watched: a replacement's few hours say less than a full window.
  const peerSlope = weightedMedian(peers.map((w) => [w.slopeMiBPerHour, w.measuredHours] as const));
  // Peers count as flat when their rate is small next to what would be material over this window.
  const negligibleRate = (0.1 * materialGrowthMiB(e.typicalWorkerMiB, 0)) / Math.max(e.windowHours, 1e-6);
  const separation = growerSlope / Math.max(Math.abs(peerSlope), 0.05 * growerSlope, negligibleRate);
  const peersQuiet = peers.filter((w) => w.trend !== 'erratic').length / peers.length;
  const steady = mean(growers.map((w) => w.steadiness));
  return (
    (1 - ramp(share, 0.5, 0.75)) * ramp(separation, 2, 5) * (0.55 + 0.45 * steady) * (0.7 + 0.3 * peersQuiet) * clearance(growers)
  );
}

/**
 * 0.4..1: how far past the bar for material growth the growers went. Growth just past it is weak
 * evidence (a young worker's last few MiB of warm-up); twice the bar counts in full.
 */
function clearance(growers: readonly { readonly growthMiB: number; readonly startMiB: number; readonly noiseMiB?: number }[]): number {
  return 0.4 + 0.6 * mean(growers.map((w) => ramp(w.growthMiB / materialGrowthMiB(w.startMiB, w.noiseMiB ?? 0), 1, 2)));
}

export function scoreAllWorkers(e: Evidence): number {
  const { growers } = e;
  const eligible = judged(e);
  if (growers.length === 0) return 0;
  const share = timeShare(growers, eligible);
  const slopes = growers.map((w) => w.slopeMiBPerHour);
  const m = mean(slopes);
  const sd = Math.sqrt(mean(slopes.map((s) => (s - m) ** 2)));
  const similarity = 0.7 + 0.3 * ramp(1.2 - sd / Math.max(m, 1e-9), 0, 0.8);
  const steady = mean(growers.map((w) => w.steadiness));
  return ramp(share, 0.55, 0.8) * (0.6 + 0.4 * steady) * similarity;
}

export function bestCountChange(e: Evidence): { change: CountChange; score: number } | null {
  let best: { change: CountChange; score: number } | null = null;
  for (const c of e.fleet.changes) {
    if (c.to <= c.from || c.from < 1) continue;
    const added = c.to / c.from - 1;
    const jump = c.totalAfter / c.totalBefore - 1;
    const perWorker = c.perWorkerAfter / c.perWorkerBefore;
    const flat = perWorker >= 0.8 && perWorker <= 1.25 ? 1 : Math.min(ramp(perWorker, 0.6, 0.8), 1 - ramp(perWorker, 1.25, 1.6));
    const score = ramp(added, 0.05, 0.2) * ramp(jump, 0.05, 0.18) * flat;
    if (Number.isFinite(score) && (!best || score > best.score)) best = { change: c, score };
  }
  return best;
}

/** Evidence that memory moves with a driver, and whether the move is big enough to matter. */
export function driverScore(rel: DriverRelation, e: Evidence): { score: number; by: 'level' | 'growth' } {
  // Growth that happens whatever the driver does is not the driver's doing, however it correlates.
  const growth = ramp(rel.growthCorrelation, 0.45, 0.75) * ramp(rel.growthDependence, 0.35, 0.6);
  const material = driverMaterialMiB(e.typicalWorkerMiB);
  // Memory that follows a service-wide driver does so in most workers: one leaking worker that
  // happens to rise with the daily cycle moves the average, not its flat peers.
  const levelScore = levelEvidence(rel, e.typicalWorkerMiB) * ramp(rel.followShare, 0.35, 0.6);
  const grew = quantile(e.perWorkerMiB, 1) - quantile(e.perWorkerMiB, 0);
  const growthScore = growth * ramp(grew / material, 0.7, 1.5);
  return levelScore >= growthScore ? { score: levelScore, by: 'level' } : { score: growthScore, by: 'growth' };
}

export interface IdleScore {
  readonly score: number;
  readonly stretch: IdleStretch | null;
  /** Memory kept growing through the idle stretch (rather than merely staying up). */
  readonly kind: 'stayed-high' | 'kept-growing' | null;
}

export function scoreIdle(e: Evidence): IdleScore {
  let best: IdleScore = { score: 0, stretch: null, kind: null };
  for (const s of e.idle) {
    const scored = scoreIdleStretch(s, e);
    if (scored.score > best.score) best = scored;
  }
  return best;
}

/**
 * For memory that grew with traffic: did it hold through the longest idle stretch?
 * Scored by how much of the stretch's starting level was kept.
 */
export function idleRetention(e: Evidence): IdleScore | null {
  const s = [...e.idle].sort((a, b) => b.hours - a.hours)[0];
  if (!s) return null;
  const rise = Number.isFinite(s.baselineMiB) ? s.startMiB - s.baselineMiB : NaN;
  const material = materialGrowthMiB(s.startMiB, 0);
  if (Number.isFinite(rise) && rise < material) return null;
  const kept = Number.isFinite(rise) ? (s.endMiB - s.baselineMiB) / rise : s.endMiB >= s.startMiB - material ? 1 : 0;
  const coverage = ramp(s.hours / e.windowHours, 0.05, 0.15);
  const score = ramp(kept, 0.6, 0.9) * (0.6 + 0.4 * coverage);
  return { score, stretch: s, kind: s.endMiB - s.startMiB > material ? 'kept-growing' : 'stayed-high' };
}

function scoreIdleStretch(s: IdleStretch, e: Evidence): IdleScore {
  const base = Number.isFinite(s.baselineMiB) ? s.baselineMiB : NaN;
  // Rates measured inside processes' lives where there are any (a recycled fleet's average hides
  // each process's growth); the fleet average otherwise.
  const idleRate = Number.isFinite(s.workerGrowthMiB) ? s.workerGrowthMiB / Math.max(s.hours, 1e-9) : s.slopeMiBPerHour;
  const busyRate = Number.isFinite(s.busyWorkerGrowthPerHour) ? s.busyWorkerGrowthPerHour : s.activeSlopeMiBPerHour;
  // The same steady pace through busy and idle time, with traffic back afterwards, means the clock
  // drives it, not the lack of traffic. Growth that goes on after traffic stopped, to the end of
  // what we can see, is growth while idle whatever it did before.
  const wallClock =
    s.trafficReturned &&
    Number.isFinite(busyRate) &&
    busyRate > 0 &&
    idleRate > 0 &&
    Math.abs(idleRate - busyRate) <= 0.45 * Math.max(idleRate, busyRate) &&
    e.perWorkerTrend.r2 >= 0.75;
  if (wallClock) return { score: 0, stretch: s, kind: null };

  let stayed = 0;
  if (Number.isFinite(base)) {
    const elevation = s.startMiB - base;
    const material = Math.max(12, 0.06 * base);
    const retained = elevation > 0 ? (s.endMiB - base) / elevation : 0;
    stayed = ramp(elevation / material, 0.8, 2) * ramp(retained, 0.55, 0.85);
  }
  const idleGrowth = Math.max(s.endMiB - s.startMiB, Number.isFinite(s.workerGrowthMiB) ? s.workerGrowthMiB : -Infinity);
  const growthMaterial = materialGrowthMiB(s.startMiB, 0);
  // With traffic back afterwards, growth while idle only counts if it was faster than while busy;
  // idle to the end of the window, growing at all is what there is to see.
  const fasterThanBusy = !Number.isFinite(busyRate) || idleRate > 1.5 * Math.max(0, busyRate);
  const counts = fasterThanBusy || !s.trafficReturned;
  const grew = counts ? ramp(idleGrowth / growthMaterial, 0.8, 2) * ramp((idleRate * s.hours) / growthMaterial, 0.5, 1.2) : 0;
  const coverage = ramp(s.hours / e.windowHours, 0.05, 0.15);
  const score = Math.max(stayed, grew) * (0.6 + 0.4 * coverage);
  return { score, stretch: s, kind: score === 0 ? null : grew > stayed ? 'kept-growing' : 'stayed-high' };
}

export interface JobScore {
  readonly score: number;
  readonly by: 'level' | 'growth' | null;
  readonly name: string | null;
  readonly otherBest: { name: string; score: number } | null;
}

export function scoreJobs(e: Evidence): JobScore {
  const scored = e.jobs
    .map((j) => ({ name: j.name, ...driverScore(j.relation, e) }))
    .sort((a, b) => b.score - a.score);
  const best = scored[0];
  if (!best) return { score: 0, by: null, name: null, otherBest: null };
  const second = scored[1] ?? null;
  // "One job type and not the others": a second job type just as strong is not this pattern.
  const distinct = second ? 1 - ramp(second.score, best.score - 0.35, best.score - 0.1) : 1;
  return {
    score: best.score * distinct,
    by: best.by,
    name: best.name,
    otherBest: second ? { name: second.name, score: second.score } : null,
  };
}

export function scoreLargeStable(e: Evidence, limitBytes: number | null): number {
  if (limitBytes === null || limitBytes <= 0) return 0;
  const used = (e.totalNowMiB * 1024 * 1024) / limitBytes;
  const workers = e.fleet.runs.length > 0 ? e.fleet.runs[e.fleet.runs.length - 1]!.value : 0;
  if (workers < 2) return 0;
  return ramp(used, 0.65, 0.8);
}

/**
 * 0..1: memory swings by a material amount that no pattern explains (neither traffic nor a job
 * rate follows it). Memory that doubles every few minutes is not "stable", whatever its trend.
 */
export function scoreUnexplainedSwing(e: Evidence): { score: number; swingMiB: number } {
  const swingMiB = quantile(e.perWorkerMiB, 0.95) - quantile(e.perWorkerMiB, 0.05);
  if (!Number.isFinite(swingMiB)) return { score: 0, swingMiB: 0 };
  const material = Math.max(20, 0.1 * e.typicalWorkerMiB);
  return { score: ramp(swingMiB / material, 1, 2.5), swingMiB };
}

/** The median of values, each counted as often as its weight. */
function weightedMedian(pairs: readonly (readonly [number, number])[]): number {
  const sorted = pairs.filter(([v, w]) => Number.isFinite(v) && w > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, w]) => sum + w, 0);
  let seen = 0;
  for (const [v, w] of sorted) {
    seen += w;
    if (seen >= total / 2) return v;
  }
  return NaN;
}
