/**
 * classify(): from one service's series to a diagnosis. Pure and deterministic.
 */

import { MIB, gridEndMs, gridTimeMs, type Granularity, type ServiceSeries } from '../series';
import type { Fleet } from '../fleet';
import type {
  ComponentPattern,
  Coverage,
  Diagnosis,
  IdlePeriod,
  JobAssociation,
  KilledWorker,
  LimitFigures,
  PatternScores,
  TrafficFigures,
  WorkerCountChange,
  WorkerFigures,
} from '../diagnosis';
import { gatherEvidence, type Evidence } from './evidence';
import {
  type JobScore,
  bestCountChange,
  driverScore,
  scoreAllWorkers,
  scoreIdle,
  idleRetention,
  scoreJobs,
  scoreLargeStable,
  scoreOneWorker,
  scoreUnexplainedSwing,
} from './scores';
import { decide, PRESENT, type Decision } from './decide';
import { calibratedConfidence, confidenceFactors, confidenceNote } from './confidence';
import { describe } from '../findings';
import { pearson, quantile, mean, median } from '../stats';
import { bucketMeans } from './buckets';

export interface ClassifyOptions {
  /** IANA time zone for times in findings; UTC by default. */
  readonly timeZone?: string;
  /** What one memory series stands for; `process` by default. */
  readonly granularity?: Granularity;
  /** The service runs one worker per pod (configured), so pod-level data loses nothing. */
  readonly onePerPod?: boolean;
}

/** The diagnosis of one service over one window. */
export function classify(series: ServiceSeries, options: ClassifyOptions = {}): Diagnosis {
  return classifyWithFleet(series, options).diagnosis;
}

/** The diagnosis and the fleet it was read from (the chart and the digest draw the same fleet). */
export function classifyWithFleet(series: ServiceSeries, options: ClassifyOptions = {}): { diagnosis: Diagnosis; fleet: Fleet } {
  const timeZone = options.timeZone ?? 'UTC';
  const granularity = options.granularity ?? 'process';
  const e = gatherEvidence(series, granularity);
  const count = bestCountChange(e);
  const jobs = scoreJobs(e);
  const traffic = e.trafficRelation ? driverScore(e.trafficRelation, e) : null;

  const oneWorker = scoreOneWorker(e);
  const one = oneWorker.score;
  let all = scoreAllWorkers(e);
  let trafficScore = traffic?.score ?? 0;
  let idle = scoreIdle(e);
  // Memory that grew with traffic and did not come down when traffic stopped is the "stays high
  // while idle" pattern, however the growth itself scored.
  if (traffic?.by === 'growth' && trafficScore >= PRESENT) {
    const held = idleRetention(e);
    if (held && held.score > idle.score) idle = held;
  }
  // Growth whose pace follows the request rate is traffic-driven retention, not a clock-driven leak.
  const growthIsTrafficDriven = traffic?.by === 'growth' && trafficScore >= PRESENT;
  if (growthIsTrafficDriven) all = below(all, trafficScore);
  // ...and growth that comes with one job type is that job's doing.
  const growthIsJobDriven = jobs.by === 'growth' && jobs.score >= PRESENT;
  if (growthIsJobDriven) all = below(all, jobs.score);
  const growthIsIdleDriven = idle.score >= PRESENT;
  if (growthIsIdleDriven) {
    // Not coming down while idle is the defining observation: the growth before it and during it belong to it.
    trafficScore = below(trafficScore, idle.score);
    all = below(all, idle.score);
  }
  const dynamic = Math.max(one, all, count?.score ?? 0, trafficScore, idle.score, jobs.score);
  // "Large but stable" only describes workers that are not moving.
  const large = scoreLargeStable(e, series.limit?.bytes ?? null) * (1 - dynamic);
  // Swings a pattern explains are that pattern's; the rest count against calling memory stable.
  const swing = scoreUnexplainedSwing(e);
  const unexplained = trafficScore >= PRESENT || jobs.score >= PRESENT ? 0 : swing.score;

  const scores: PatternScores = {
    stable: round(1 - Math.max(dynamic, large, unexplained)),
    'one-worker-growing': round(one),
    'all-workers-growing': round(all),
    'all-workers-large-stable': round(large),
    'worker-count-jump': round(count?.score ?? 0),
    'follows-traffic': round(trafficScore),
    'high-while-idle': round(idle.score),
    'job-driven': round(jobs.score),
  };
  const decision = decide(scores, {
    trafficAndJobSame: trafficAndJobAlike(e, jobs.name),
    growthIsTrafficDriven,
    growthIsJobDriven,
    growthIsIdleDriven,
  });

  const workers = e.workers.map((w) => workerFigures(e, w.index));
  const limit = limitFigures(e, series);
  const idlePeriods = e.idle.map((s): IdlePeriod => ({
    start: iso(e.buckets.timesMs[s.from]! - e.buckets.bucketMs / 2),
    end: iso(e.buckets.timesMs[s.to]! + e.buckets.bucketMs / 2),
    durationSeconds: Math.round(s.hours * 3600),
    memoryAtStartBytes: s.startMiB * MIB,
    memoryAtEndBytes: s.endMiB * MIB,
    baselineBytes: s.baselineMiB * MIB,
  }));
  const workerCountChanges = e.fleet.changes
    .filter((c) => c.from > 0 && c.to > 0)
    .map((c): WorkerCountChange => ({
      at: iso(c.atMs),
      from: c.from,
      to: c.to,
      totalBeforeBytes: c.totalBefore,
      totalAfterBytes: c.totalAfter,
      perWorkerBeforeBytes: c.perWorkerBefore,
      perWorkerAfterBytes: c.perWorkerAfter,
    }));
  const kills = e.kills.map((k): KilledWorker => ({
    worker: k.name,
    instance: k.instance,
    pid: k.pid,
    at: iso(k.atMs),
    bytes: k.bytes,
    thresholdBytes: k.thresholdBytes,
    evidence: k.evidence,
  }));
  const trafficFigures = trafficFiguresOf(e);
  const named = (id: ComponentPattern): boolean => decision.pattern === id || decision.secondary.includes(id);
  const job = jobAssociation(e, jobs, named('job-driven'));
  const window = {
    start: iso(series.grid.startMs),
    end: iso(gridEndMs(series.grid)),
    durationSeconds: Math.round((gridEndMs(series.grid) - series.grid.startMs) / 1000),
    stepSeconds: Math.round(series.grid.stepMs / 1000),
  };
  const focusWorkers = focusOf(e, decision, oneWorker.workers);
  const { verdict, findings } = describe({
    evidence: e,
    decision,
    focus: focusWorkers,
    scores,
    workers,
    limit,
    countChange: count && count.score >= 0.35 ? count.change : null,
    idle,
    jobName: jobs.name,
    job,
    traffic: trafficFigures,
    trafficBy: traffic?.by ?? null,
    unexplainedSwingMiB: unexplained >= 0.5 ? swing.swingMiB : null,
    granularity,
    onePerPod: options.onePerPod === true,
    kills,
    timeZone,
  });
  const grid = series.grid;
  const at = (i: number): string => iso(gridTimeMs(grid, i));
  const coverage: Coverage = {
    missingShare: Math.round(e.fleet.missingShare * 1000) / 1000,
    trafficMissingShare: Math.round(e.trafficMissingShare * 1000) / 1000,
    gaps: e.fleet.gaps.map((g) => ({
      start: at(g.from),
      end: at(Math.min(grid.length - 1, g.to + 1)),
      durationSeconds: Math.round(((g.to + 1 - g.from) * grid.stepMs) / 1000),
      instance: g.instance,
      cause: g.cause,
      workers: g.workers,
    })),
  };
  const factors = confidenceFactors({
    pattern: decision.pattern,
    secondary: decision.secondary,
    scores,
    missingShare: e.fleet.missingShare,
    trafficMissingShare: e.trafficMissingShare,
    judgedWorkers: e.eligible.filter((w) => w.trend !== 'warming-up').length,
    windowHours: e.windowHours,
  });
  const confidence = calibratedConfidence(factors);
  const diagnosis: Diagnosis = {
    service: series.service,
    window,
    granularity,
    source: series.source,
    pattern: decision.pattern,
    confidence,
    secondary: decision.secondary,
    verdict,
    findings,
    workers,
    totals: {
      startBytes: e.totalStartMiB * MIB,
      endBytes: e.totalNowMiB * MIB,
      peakBytes: e.totalPeakMiB * MIB,
      growthMiBPerHour: round2(e.totalSlope),
      workersAtStart: e.fleet.runs[0]?.value ?? 0,
      workersAtEnd: e.fleet.runs[e.fleet.runs.length - 1]?.value ?? 0,
    },
    traffic: trafficFigures,
    idlePeriods,
    workerCountChanges,
    kills,
    job,
    limit,
    workerCounts: e.fleet.runs.map((r) => ({ start: at(r.from), end: at(r.to), workers: r.value })),
    coverage,
    focusWorkers,
    auxiliary: e.fleet.auxiliary.map((p) => ({ name: p.name, bytes: median(p.values) })),
    confidenceNote: confidenceNote(factors, confidence),
    scores,
    warnings: [...series.warnings],
  };
  return { diagnosis, fleet: e.fleet };
}

/** The workers the verdict is about: the ones pulling away, or every grower; fastest first. */
function focusOf(e: Evidence, decision: Decision, oneWorkerIds: readonly number[]): number[] {
  const patterns: readonly string[] = decision.pattern === 'mixed' ? decision.secondary : [decision.pattern];
  const bySpeed = (ids: readonly number[]): number[] => [...ids].sort((a, b) => e.workers[b]!.slopeMiBPerHour - e.workers[a]!.slopeMiBPerHour);
  if (patterns.includes('one-worker-growing')) return bySpeed(oneWorkerIds);
  if (patterns.includes('all-workers-growing')) return bySpeed(e.growers.map((w) => w.index));
  return [];
}

function workerFigures(e: Evidence, index: number): WorkerFigures {
  const w = e.workers[index]!;
  const process = e.fleet.workers[index]!;
  const away = e.divergence[index] ?? null;
  const grid = e.series.grid;
  let firstIdx = 0;
  const values = process.values;
  while (firstIdx < values.length && values[firstIdx] !== values[firstIdx]) firstIdx++;
  let lastIdx = values.length - 1;
  while (lastIdx > firstIdx && values[lastIdx] !== values[lastIdx]) lastIdx--;
  return {
    name: w.name,
    labels: w.labels,
    pid: w.pid,
    instance: w.instance,
    firstSeen: iso(grid.startMs + Math.max(0, firstIdx) * grid.stepMs),
    lastSeen: iso(grid.startMs + Math.max(0, lastIdx) * grid.stepMs),
    alive: w.alive,
    startBytes: finiteOr(w.startMiB * MIB, 0),
    endBytes: finiteOr(w.endMiB * MIB, 0),
    peakBytes: finiteOr(w.peakMiB * MIB, 0),
    growthBytes: finiteOr(w.growthMiB * MIB, 0),
    growthMiBPerHour: round2(w.slopeMiBPerHour),
    steadiness: round2(w.steadiness),
    trend: w.trend,
    pullAwayBytes: away === null ? null : Math.round(away.growthMiB * MIB),
  };
}

function limitFigures(e: Evidence, series: ServiceSeries): LimitFigures | null {
  if (!series.limit) return null;
  const limitMiB = series.limit.bytes / MIB;
  const now = e.totalNowMiB;
  const used = now / limitMiB;
  // A trend slower than 0.1% of the total per hour is noise, not a forecast.
  const slope = e.totalRecentSlope;
  const growing = slope > Math.max(1, now * 0.001);
  const hoursToLimit = used >= 1 ? 0 : growing ? (limitMiB - now) / slope : null;
  return {
    bytes: series.limit.bytes,
    source: series.limit.source,
    currentTotalBytes: now * MIB,
    usedFraction: round2(used),
    hoursToLimit: hoursToLimit === null ? null : Math.round(hoursToLimit * 10) / 10,
  };
}

function trafficFiguresOf(e: Evidence): TrafficFigures | null {
  if (!e.traffic) return null;
  const rel = e.trafficFigures;
  return {
    correlation: round2(rel?.correlation ?? 0),
    partialCorrelation: round2(rel?.partialCorrelation ?? 0),
    growthCorrelation: round2(rel?.growthCorrelation ?? 0),
    meanRps: round2(mean(e.traffic)),
    peakRps: round2(quantile(e.traffic, 1)),
    swingMiB: round2(rel?.swingMiB ?? 0),
  };
}

/** The job type named as a driver: only when the verdict names job-driven, with the evidence it passed on. */
function jobAssociation(e: Evidence, jobs: JobScore, named: boolean): JobAssociation | null {
  const rel = e.jobs.find((j) => j.name === jobs.name);
  if (!rel || !named || jobs.by === null) return null;
  const by = jobs.by;
  const otherRel = e.jobs.find((j) => j.name === jobs.otherBest?.name);
  const strength = (r: typeof rel.relation): number => (by === 'growth' ? r.growthCorrelation : r.partialCorrelation);
  return {
    name: rel.name,
    by,
    correlation: round2(strength(rel.relation)),
    otherBest: otherRel ? { name: otherRel.name, correlation: round2(strength(otherRel.relation)) } : null,
    swingMiB: round2(rel.relation.swingMiB),
  };
}

function trafficAndJobAlike(e: Evidence, jobName: string | null): boolean {
  if (!e.traffic || jobName === null) return false;
  const job = e.series.jobs.find((j) => (j.labels['name'] ?? j.labels['task'] ?? 'unnamed') === jobName);
  if (!job) return false;
  return pearson(e.traffic, bucketMeans(job.values, e.buckets)) >= 0.7;
}

/** Keeps a score just under another so the other wins the tie. */
function below(score: number, other: number): number {
  return Math.min(score, Math.max(0, other - 0.01));
}

function iso(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}

function round(v: number): number {
  return Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
}

function round2(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 100) / 100 : 0;
}

function finiteOr(v: number, fallback: number): number {
  return Number.isFinite(v) ? v : fallback;
}
