/**
 * Verify a fix: did the memory growth that was there before a change (a deploy, a config change)
 * stop after it? Pure: the series of one window and the time of the change in, a verdict out.
 *
 * Both periods get the same per-worker analysis the report uses (the classifier on each side), and
 * the growth of the workers added up, with an uncertainty from the noise of the data, decides:
 * - fixed:       the growth before was real, and after it is statistically below a small share of it;
 * - not-fixed:   it goes on at a similar rate;
 * - improved:    slower, but still clearly growing;
 * - too-early:   the time after the change cannot tell these apart yet; `needsMoreMs` says how much
 *                more data would, at the noise level seen;
 * - no-growth-before: there was no growth before the change, so there is nothing it could have fixed.
 * Never `fixed` from too little data: the period after must be at least MIN_AFTER_MS long as well.
 */

import { analyze, granularityOf, type AnalyzeOptions } from './analyze';
import type { Diagnosis, PatternId, WorkerTrend } from './diagnosis';
import { buildFleet, type Fleet } from './fleet';
import { formatCorrelation, formatDuration, formatRate, formatTime, plural } from './format';
import { patternTitle } from './pattern-names';
import { HOUR_MS, MIB, MINUTE_MS, gridEndMs, gridTimeMs, type GridSeries, type ServiceSeries } from './series';
import { median } from './stats';

export type VerifyVerdict = 'fixed' | 'not-fixed' | 'improved' | 'too-early' | 'no-growth-before';

/** The verdict in words, for titles and headers. */
export function verdictTitle(verdict: VerifyVerdict): string {
  switch (verdict) {
    case 'fixed':
      return 'fixed';
    case 'not-fixed':
      return 'not fixed';
    case 'improved':
      return 'improved, still growing';
    case 'too-early':
      return 'too early to tell';
    case 'no-growth-before':
      return 'no growth before the change';
    default: {
      const unknown: never = verdict;
      throw new Error(`no title for verdict ${String(unknown)}`);
    }
  }
}

/** How the time of the change was chosen. */
export type SinceOrigin = 'given' | 'deploy' | 'report';

/**
 * The change to judge: a time (given, or the report's), or the latest deploy in the window, falling
 * back to `fallbackMs` (the time the report was posted) when the data shows none.
 */
export type SinceChoice =
  | { readonly kind: 'at'; readonly ms: number; readonly origin: 'given' | 'report' }
  | { readonly kind: 'latest-deploy'; readonly fallbackMs: number | null };

export interface VerifyInput {
  readonly series: ServiceSeries;
  readonly since: SinceChoice;
  readonly options?: AnalyzeOptions;
}

export interface PeriodWorker {
  readonly name: string;
  readonly growthMiBPerHour: number;
  readonly trend: WorkerTrend;
  /** The classifier found it growing steadily in this period. */
  readonly grew: boolean;
}

/** One side of the change. */
export interface PeriodSummary {
  readonly start: string;
  readonly end: string;
  readonly durationSeconds: number;
  /** The classifier's pattern over this period alone; null when the period has too little data to classify. */
  readonly pattern: PatternId | null;
  /**
   * The workers' growth added up (restarts and deploys do not count as shrinking), MiB per hour; null
   * when the period has too little data for a rate yet (new processes still warming up).
   */
  readonly growthMiBPerHour: number | null;
  /** One standard error of that rate, from the noise around the trend (corrected for its autocorrelation); null with the rate. */
  readonly growthUncertaintyMiBPerHour: number | null;
  readonly workers: readonly PeriodWorker[];
  /** Pearson correlation of per-worker memory with traffic over this period; null without traffic. */
  readonly trafficCorrelation: number | null;
  /** The same with the time trend taken out (traffic's own share: a leak and a rising morning correlate too); null without traffic. */
  readonly trafficPartialCorrelation: number | null;
  /** The job type the classifier tied memory to in this period, if any. */
  readonly job: { readonly name: string; readonly correlation: number } | null;
}

interface VerificationBase {
  readonly service: string;
  readonly since: string;
  readonly sinceOrigin: SinceOrigin;
  readonly before: PeriodSummary;
  readonly after: PeriodSummary;
  /** Plain sentence for the header. */
  readonly summary: string;
  readonly findings: readonly string[];
}

export type Verification =
  | (VerificationBase & { readonly verdict: 'too-early'; readonly needsMoreMs: number; readonly confidence: null })
  | (VerificationBase & { readonly verdict: Exclude<VerifyVerdict, 'too-early'>; readonly needsMoreMs: null; readonly confidence: number });

export type VerifyOutcome =
  | { readonly status: 'verified'; readonly verification: Verification; readonly fleet: Fleet }
  | { readonly status: 'insufficient-data'; readonly reason: VerifyProblem; readonly message: string };

export type VerifyProblem = 'no-memory-series' | 'no-deploy' | 'before-too-short' | 'since-outside-window';

/** The period before the change must be this long to say whether memory grew at all. */
export const MIN_BEFORE_MS = 30 * MINUTE_MS;
/** Never a verdict from less time than this after the change, however quiet the data. */
export const MIN_AFTER_MS = 30 * MINUTE_MS;
/** After the change, growth slower than this share of the growth before counts as stopped. */
export const FIXED_SHARE = 0.2;
/** Growth after the change clearly above this share of the growth before (and above MIN_GROWTH) is still growth: `improved`, not `fixed`. */
export const STILL_GROWING_SHARE = 0.05;
/** At this share of the growth before or more, it continues "at a similar rate". */
export const SIMILAR_SHARE = 0.7;
/** Growth of the whole service below this is no growth (MiB/h). */
const MIN_GROWTH_MIB_PER_HOUR = 2;
/** Standard errors a rate must clear to count as a difference. */
const Z = 2;
/** A process started inside the window is still warming up (imports, caches) for this long: its growth then is not a leak. */
const WARMUP_MS = 20 * MINUTE_MS;
/** Rates are fitted to means over blocks this long, so a garbage-collector sawtooth is not read as fresh evidence at every scrape. */
const BLOCK_MS = 5 * MINUTE_MS;
/** All workers replaced within this span is a deploy. */
export const DEPLOY_SPAN_MS = 15 * MINUTE_MS;

/** Compare the growth before `sinceMs` with the growth after it. */
export function verifyFix(input: VerifyInput): VerifyOutcome {
  const { series } = input;
  const options = input.options ?? {};
  const grid = series.grid;
  const endMs = gridEndMs(grid);
  if (series.memory.length === 0) {
    return { status: 'insufficient-data', reason: 'no-memory-series', message: `The memory query returned no series for ${series.service} in this window.` };
  }
  const fleet = buildFleet(series, granularityOf(series, options));
  let sinceMs: number;
  let sinceOrigin: SinceOrigin;
  if (input.since.kind === 'at') {
    sinceMs = input.since.ms;
    sinceOrigin = input.since.origin;
  } else {
    const deploy = latestDeploy(fleet);
    if (deploy !== null) {
      sinceMs = deploy.atMs;
      sinceOrigin = 'deploy';
    } else if (input.since.fallbackMs !== null) {
      sinceMs = input.since.fallbackMs;
      sinceOrigin = 'report';
    } else {
      return {
        status: 'insufficient-data',
        reason: 'no-deploy',
        message: `No deploy of ${series.service} in this window (every worker replaced within ${formatDuration(DEPLOY_SPAN_MS)}): give the time of the change with since.`,
      };
    }
  }
  if (sinceMs <= grid.startMs || sinceMs > endMs) {
    return {
      status: 'insufficient-data',
      reason: 'since-outside-window',
      message: `The change at ${new Date(sinceMs).toISOString()} is outside the window ${new Date(grid.startMs).toISOString()} to ${new Date(endMs).toISOString()}: use a longer window or another time.`,
    };
  }
  if (sinceMs - grid.startMs < MIN_BEFORE_MS) {
    return {
      status: 'insufficient-data',
      reason: 'before-too-short',
      message: `Only ${formatDuration(sinceMs - grid.startMs)} of data before the change: at least ${formatDuration(MIN_BEFORE_MS)} is needed to see whether memory grew. Use a longer window.`,
    };
  }
  const sinceIndex = Math.ceil((sinceMs - grid.startMs) / grid.stepMs);
  const growth = workersGrowth(fleet);
  const beforeFit = fitRate(growth, 0, sinceIndex - 1, grid.startMs, grid.stepMs);
  const afterFit = fitRate(growth, sinceIndex, grid.length - 1, grid.startMs, grid.stepMs);
  const beforeSeries = sliceSeries(series, 0, sinceIndex - 1);
  // When the change replaced the processes, their first minutes are warm-up, not growth: the
  // per-worker judgement after it starts once they have warmed up (the rate leaves them out too).
  const afterFrom = replacedAt(fleet, sinceIndex) ? Math.min(grid.length - 1, sinceIndex + Math.ceil(WARMUP_MS / grid.stepMs)) : sinceIndex;
  const afterSeries = sliceSeries(series, afterFrom, grid.length - 1);
  const before = summarise(beforeSeries, beforeFit, options);
  const after = summarise(afterSeries, afterFit, options);
  const decision = decideVerdict(beforeFit, afterFit, grid.stepMs);
  const base = {
    service: series.service,
    since: new Date(sinceMs).toISOString(),
    sinceOrigin,
    before,
    after,
  };
  const timeZone = options.timeZone ?? 'UTC';
  const text = describeVerification(decision, before, after, sinceMs, endMs, sinceOrigin, timeZone);
  const verification: Verification =
    decision.verdict === 'too-early'
      ? { ...base, ...text, verdict: 'too-early', needsMoreMs: decision.needsMoreMs, confidence: null }
      : { ...base, ...text, verdict: decision.verdict, needsMoreMs: null, confidence: decision.confidence };
  return { status: 'verified', verification, fleet };
}

/** Whether most workers alive just after grid point `index` started within DEPLOY_SPAN_MS of it. */
function replacedAt(fleet: Fleet, index: number): boolean {
  const span = Math.max(1, Math.round(DEPLOY_SPAN_MS / fleet.grid.stepMs));
  const probe = Math.min(index + span, fleet.grid.length - 1);
  const alive = fleet.workers.filter((w) => w.lifeFrom <= probe && w.lifeTo >= probe);
  const fresh = alive.filter((w) => w.bornInWindow && Math.abs(w.lifeFrom - index) <= span);
  return alive.length > 0 && fresh.length * 2 >= alive.length;
}

/** A rate fitted over one period. */
export interface RateFit {
  readonly miBPerHour: number;
  /** One standard error, MiB/h; Infinity when the period has too few blocks to say. */
  readonly seMiBPerHour: number;
  /** Residual standard deviation of a block mean around the line, MiB, and the lag-1 autocorrelation of those residuals. */
  readonly noiseMiB: number;
  readonly autocorrelation: number;
  /** Time covered by blocks with data, ms. */
  readonly spanMs: number;
  readonly blocks: number;
}

/**
 * The workers' growth added up, per grid point, bytes: each worker adds how far it has moved since
 * its first trusted sample, holding its last value through holes and after it ends. A restart or a
 * deploy (new pids, back at the base size) is no drop, and a new process counts only after it has
 * warmed up. NaN where fewer than half the live workers are counted.
 */
export function workersGrowth(fleet: Fleet): Float64Array {
  const { grid } = fleet;
  const out = new Float64Array(grid.length).fill(NaN);
  const warmupPoints = Math.ceil(WARMUP_MS / grid.stepMs);
  const sum = new Float64Array(grid.length);
  const counted = new Int32Array(grid.length);
  for (const w of fleet.workers) {
    const from = w.bornInWindow ? w.lifeFrom + warmupPoints : 0;
    let first = NaN;
    let last = NaN;
    for (let i = Math.max(0, from); i < grid.length; i++) {
      const v = w.values[i]!;
      if (Number.isFinite(v)) {
        if (!Number.isFinite(first)) first = v;
        last = v;
      }
      if (Number.isFinite(last)) {
        sum[i] = sum[i]! + (last - first);
        if (i <= w.lifeTo) counted[i] = counted[i]! + 1;
      }
    }
  }
  // A point where most live workers are not counted (just after a deploy, while the new ones warm up)
  // would read as flat whatever they do: leave it out rather than let it pass for "growth stopped".
  for (let i = 0; i < grid.length; i++) if (counted[i]! > 0 && counted[i]! * 2 >= fleet.live[i]!) out[i] = sum[i]!;
  return out;
}

/** Least squares over block means of [from, to], with a standard error widened for autocorrelated residuals. */
export function fitRate(growth: Float64Array, from: number, to: number, startMs: number, stepMs: number): RateFit {
  const per = Math.max(1, Math.round(BLOCK_MS / stepMs));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let b = from; b <= to; b += per) {
    let sx = 0;
    let sy = 0;
    let n = 0;
    for (let i = b; i < Math.min(to + 1, b + per); i++) {
      const v = growth[i]!;
      if (Number.isFinite(v)) {
        sx += startMs + i * stepMs;
        sy += v / MIB;
        n++;
      }
    }
    // A block with under half its points is not a fair mean.
    if (n > 0 && n * 2 >= Math.min(per, to + 1 - b)) {
      xs.push(sx / n / HOUR_MS);
      ys.push(sy / n);
    }
  }
  const n = xs.length;
  const spanMs = n > 0 ? (xs[n - 1]! - xs[0]!) * HOUR_MS + per * stepMs : 0;
  if (n < 3) return { miBPerHour: n === 2 ? (ys[1]! - ys[0]!) / (xs[1]! - xs[0]! || 1) : 0, seMiBPerHour: Infinity, noiseMiB: NaN, autocorrelation: 0, spanMs, blocks: n };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const residuals = ys.map((y, i) => y - (my + slope * (xs[i]! - mx)));
  const sse = residuals.reduce((a, r) => a + r * r, 0);
  const sigma = Math.sqrt(sse / Math.max(1, n - 2));
  let num = 0;
  for (let i = 1; i < n; i++) num += residuals[i]! * residuals[i - 1]!;
  const rho = sse > 0 ? Math.min(0.9, Math.max(0, num / sse)) : 0;
  const inflation = Math.sqrt((1 + rho) / (1 - rho));
  const se = sxx > 0 ? (sigma / Math.sqrt(sxx)) * inflation : Infinity;
  return { miBPerHour: slope, seMiBPerHour: se, noiseMiB: sigma, autocorrelation: rho, spanMs, blocks: n };
}

type Decision =
  | { readonly verdict: 'too-early'; readonly needsMoreMs: number }
  | { readonly verdict: Exclude<VerifyVerdict, 'too-early'>; readonly confidence: number };

/** The verdict from the two rates; exported for the unit tests' tables. */
export function decideVerdict(before: RateFit, after: RateFit, stepMs: number): Decision {
  const afterMs = after.spanMs;
  const b = before.miBPerHour;
  const grewBefore = Number.isFinite(before.seMiBPerHour) && b >= MIN_GROWTH_MIB_PER_HOUR && b >= Z * before.seMiBPerHour;
  const a = after.miBPerHour;
  const se = after.seMiBPerHour;
  const longEnough = afterMs >= MIN_AFTER_MS && Number.isFinite(se);
  if (!grewBefore) {
    // With no growth to compare against, the only question is whether the service grows now: that needs the same minimum time.
    if (!longEnough) return { verdict: 'too-early', needsMoreMs: moreTimeNeeded(before, after, afterMs, stepMs, MIN_GROWTH_MIB_PER_HOUR) };
    return { verdict: 'no-growth-before', confidence: certainty(Number.isFinite(before.seMiBPerHour) ? (MIN_GROWTH_MIB_PER_HOUR * 2 - b) / Math.max(before.seMiBPerHour, 0.1) : 0) };
  }
  const fixedBelow = FIXED_SHARE * b;
  const similarAbove = SIMILAR_SHARE * b;
  // Growth after the change that is still clearly there, however small next to the growth before, has not stopped.
  const stillGrowing = Math.max(MIN_GROWTH_MIB_PER_HOUR, STILL_GROWING_SHARE * b);
  if (longEnough) {
    if (a + Z * se < fixedBelow) {
      if (a - Z * se < stillGrowing) return { verdict: 'fixed', confidence: certainty((fixedBelow - a) / se) };
      return { verdict: 'improved', confidence: certainty((a - stillGrowing) / se) };
    }
    if (a - Z * se >= similarAbove) return { verdict: 'not-fixed', confidence: certainty((a - fixedBelow) / se) };
    if (a + Z * se < similarAbove && a - Z * se > Math.max(fixedBelow, MIN_GROWTH_MIB_PER_HOUR / 2)) {
      return { verdict: 'improved', confidence: certainty(Math.min(similarAbove - a, a - fixedBelow) / se) };
    }
    // The rate after sits near a threshold at the data's noise: a similar rate that is just noisy still says the fix did not hold.
    if (a - Z * se >= fixedBelow && a >= similarAbove) return { verdict: 'not-fixed', confidence: certainty((a - fixedBelow) / se) };
  }
  return { verdict: 'too-early', needsMoreMs: moreTimeNeeded(before, after, afterMs, stepMs, fixedBelow) };
}

/**
 * How much longer after the change until the rate after is known to within `resolution / Z` (so a
 * stopped growth would clear the `fixed` line). A slope's standard error falls as T^-1.5 with the
 * length T of the period; the noise is the period after's when it has enough blocks, else the one before's.
 */
function moreTimeNeeded(before: RateFit, after: RateFit, afterMs: number, stepMs: number, resolution: number): number {
  const target = Math.max(resolution, MIN_GROWTH_MIB_PER_HOUR / 2) / Z;
  let neededMs: number;
  if (after.blocks >= 4 && Number.isFinite(after.seMiBPerHour) && after.spanMs > 0) {
    neededMs = after.spanMs * Math.pow(after.seMiBPerHour / target, 2 / 3);
  } else if (Number.isFinite(before.noiseMiB) && before.noiseMiB > 0) {
    // SE(T) = sigma * sqrt(12 * block / T^3) * inflation, with T and block in hours.
    const blockH = Math.max(BLOCK_MS, stepMs) / HOUR_MS;
    const inflation = Math.sqrt((1 + before.autocorrelation) / (1 - before.autocorrelation));
    const hours = Math.pow((before.noiseMiB * inflation * Math.sqrt(12 * blockH)) / target, 2 / 3);
    neededMs = hours * HOUR_MS;
  } else neededMs = MIN_AFTER_MS;
  const more = Math.max(MIN_AFTER_MS, neededMs) - afterMs;
  // At least one more block, rounded up to 5 minutes: "about 40 more minutes".
  return Math.ceil(Math.max(more, BLOCK_MS) / (5 * MINUTE_MS)) * 5 * MINUTE_MS;
}

/** A z-score's one-sided normal probability, kept between 0.5 and 0.99: no verdict from noisy data is certain. */
function certainty(z: number): number {
  const p = 0.5 * (1 + erf(z / Math.SQRT2));
  return Math.round(Math.min(0.99, Math.max(0.5, p)) * 100) / 100;
}

/** Abramowitz and Stegun 7.1.26, to 1.5e-7. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}

/** The series of grid points [from, to] as a window of its own. */
export function sliceSeries(series: ServiceSeries, from: number, to: number): ServiceSeries {
  const cut = (s: GridSeries): GridSeries => ({ labels: s.labels, values: s.values.slice(from, to + 1) });
  return {
    ...series,
    grid: { startMs: gridTimeMs(series.grid, from), stepMs: series.grid.stepMs, length: Math.max(0, to - from + 1) },
    memory: series.memory.map(cut),
    traffic: series.traffic === null ? null : cut(series.traffic),
    jobs: series.jobs.map(cut),
    targets: series.targets.map(cut),
    restarts: series.restarts.map(cut),
  };
}

function summarise(series: ServiceSeries, fit: RateFit, options: AnalyzeOptions): PeriodSummary {
  const outcome = analyze(series, options);
  const startMs = series.grid.startMs;
  const endMs = gridEndMs(series.grid);
  const diagnosis: Diagnosis | null = outcome.status === 'diagnosed' ? outcome.diagnosis : null;
  return {
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    durationSeconds: Math.round((endMs - startMs) / 1000),
    pattern: diagnosis?.pattern ?? null,
    growthMiBPerHour: Number.isFinite(fit.seMiBPerHour) ? round(fit.miBPerHour) : null,
    growthUncertaintyMiBPerHour: Number.isFinite(fit.seMiBPerHour) ? round(fit.seMiBPerHour) : null,
    workers: periodWorkers(diagnosis),
    trafficCorrelation: diagnosis?.traffic ? round(diagnosis.traffic.correlation) : null,
    trafficPartialCorrelation: diagnosis?.traffic ? round(diagnosis.traffic.partialCorrelation) : null,
    job: diagnosis?.job ? { name: diagnosis.job.name, correlation: round(diagnosis.job.correlation) } : null,
  };
}

/**
 * The workers of one period and whether each grew: the classifier's `growing`, and also a process it
 * took for `warming-up` (started inside the period, below its peers) that climbs at least half as fast
 * as the median growing worker: over a period before a fix, that is the same leak, not a warm-up.
 */
function periodWorkers(diagnosis: Diagnosis | null): PeriodWorker[] {
  const workers = diagnosis?.workers ?? [];
  const growing = workers.filter((w) => w.trend === 'growing').map((w) => w.growthMiBPerHour);
  const typical = growing.length === 0 ? Infinity : median(growing);
  return workers.map((w) => ({
    name: w.name,
    growthMiBPerHour: round(w.growthMiBPerHour),
    trend: w.trend,
    grew: w.trend === 'growing' || (w.trend === 'warming-up' && typical > 0 && w.growthMiBPerHour >= typical / 2),
  }));
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function describeVerification(
  decision: Decision,
  before: PeriodSummary,
  after: PeriodSummary,
  sinceMs: number,
  endMs: number,
  origin: SinceOrigin,
  timeZone: string,
): { summary: string; findings: string[] } {
  const at = formatTime(sinceMs, timeZone, endMs);
  const change = origin === 'deploy' ? `the deploy at ${at}` : origin === 'report' ? `the report at ${at}` : at;
  const rate = (p: PeriodSummary): string => formatPeriodRate(p, 'finding');
  const bare = (p: PeriodSummary): string => formatPeriodRate(p, 'range');
  const plain = (p: PeriodSummary): string => formatPeriodRate(p, 'plain');
  const beforeMs = before.durationSeconds * 1000;
  const afterMs = endMs - sinceMs;
  const findings: string[] = [];
  findings.push(
    after.growthMiBPerHour === null
      ? `Before ${change} the workers together grew ${rate(before)} over ${formatDuration(beforeMs)}; the ${formatDuration(afterMs)} since are too little for a rate yet (new processes are left out while they warm up).`
      : `Before ${change} the workers together grew ${rate(before)} over ${formatDuration(beforeMs)}; since then ${rate(after)} over ${formatDuration(afterMs)}.`,
  );
  findings.push(workersSentence(before, after));
  if (before.pattern !== null && after.pattern !== null) {
    findings.push(
      before.pattern === after.pattern
        ? `The pattern is the same on both sides: ${patternTitle(before.pattern)}.`
        : `The pattern was ${patternTitle(before.pattern)} before and is ${patternTitle(after.pattern)} since.`,
    );
  }
  if (before.trafficPartialCorrelation !== null && after.trafficPartialCorrelation !== null) {
    findings.push(
      `Memory against traffic, with the time trend taken out: r = ${formatCorrelation(before.trafficPartialCorrelation)} before, ${formatCorrelation(after.trafficPartialCorrelation)} since.`,
    );
  }
  if (before.job !== null || after.job !== null) {
    const name = (j: PeriodSummary['job']): string => (j === null ? 'no job type' : `${j.name} (r = ${formatCorrelation(j.correlation)})`);
    findings.push(`Memory tied to background jobs: ${name(before.job)} before, ${name(after.job)} since.`);
  }
  let summary: string;
  switch (decision.verdict) {
    case 'fixed':
      summary = `Fixed: the growth of ${plain(before)} before ${change} has stopped (${plain(after)} since).`;
      break;
    case 'not-fixed':
      summary = `Not fixed: memory still grows ${plain(after)} after ${change}, against ${plain(before)} before.`;
      break;
    case 'improved':
      summary = `Improved: memory grows ${plain(after)} after ${change}, slower than ${plain(before)} before, but it still grows.`;
      break;
    case 'no-growth-before':
      summary = `Nothing to fix: memory did not grow steadily before ${change} (${bare(before)}), so there was no growth this change could stop.`;
      break;
    case 'too-early':
      summary = `Too early to tell: ${formatDuration(afterMs)} of data since ${change} cannot tell at the noise seen whether the growth stopped; it needs about ${formatDuration(decision.needsMoreMs)} more.`;
      break;
    default: {
      const unknown: never = decision;
      throw new Error(`unknown verdict ${JSON.stringify(unknown)}`);
    }
  }
  return { summary, findings };
}

function workersSentence(before: PeriodSummary, after: PeriodSummary): string {
  const grew = (p: PeriodSummary): PeriodWorker[] => p.workers.filter((w) => w.grew).sort((x, y) => y.growthMiBPerHour - x.growthMiBPerHour);
  const b = grew(before);
  const a = grew(after);
  const fastest = (ws: PeriodWorker[]): string => (ws[0] ? ` (fastest ${ws[0].name}, ${formatRate(ws[0].growthMiBPerHour)})` : '');
  const judged = (p: PeriodSummary): number => judgedWorkers(p).length;
  const beforeText = b.length === 0 ? 'No worker grew steadily before' : `${plural(b.length, 'worker')} of ${judged(before)} grew before${fastest(b)}`;
  const afterText = judged(after) === 0 ? 'too few samples since to judge each worker' : a.length === 0 ? 'none since' : `${a.length} of ${judged(after)} since${fastest(a)}`;
  return `${beforeText}; ${afterText}.`;
}

/**
 * A period's rate in words: `finding` "192 MiB/h (± 963 KiB/h)", `range` "+192 MiB/h ± 963 KiB/h",
 * `plain` "192 MiB/h", `signed` "+192 MiB/h"; "too little data yet" when it has no rate.
 */
export function formatPeriodRate(p: PeriodSummary, style: 'finding' | 'range' | 'plain' | 'signed'): string {
  if (p.growthMiBPerHour === null) return 'too little data yet';
  const sign = style === 'range' || style === 'signed' ? (p.growthMiBPerHour > 0 ? '+' : '') : '';
  const value = `${sign}${formatRate(p.growthMiBPerHour)}`;
  const se = p.growthUncertaintyMiBPerHour;
  switch (style) {
    case 'finding':
      return se === null ? value : `${value} (± ${formatRate(se)})`;
    case 'range':
      return se === null ? value : `${value} ± ${formatRate(se)}`;
    case 'plain':
    case 'signed':
      return value;
    default: {
      const unknown: never = style;
      return String(unknown);
    }
  }
}

/** The workers of a period that lived long enough in it to be judged (a process that ended just after the change is not one of them). */
export function judgedWorkers(p: PeriodSummary): PeriodWorker[] {
  return p.workers.filter((w) => w.trend !== 'too-short');
}

/** The latest deploy in the window: every worker alive before it ended, and new ones started, within DEPLOY_SPAN_MS. Null when there is none. */
export function latestDeploy(fleet: Fleet): { readonly atMs: number; readonly replaced: number } | null {
  const { grid } = fleet;
  const span = Math.max(1, Math.round(DEPLOY_SPAN_MS / grid.stepMs));
  const births = fleet.workers.filter((w) => w.bornInWindow).map((w) => w.lifeFrom).sort((a, b) => b - a);
  const tried = new Set<number>();
  for (const start of births) {
    // Group the births of one deploy: the earliest birth within `span` of this one.
    const groupStart = Math.min(...births.filter((b) => b <= start && b >= start - span));
    if (tried.has(groupStart)) continue;
    tried.add(groupStart);
    const old = fleet.workers.filter((w) => w.lifeFrom < groupStart && w.lifeTo >= groupStart - span);
    if (old.length === 0) continue;
    const allEnded = old.every((w) => w.exitedInWindow && w.lifeTo <= groupStart + span);
    const born = fleet.workers.filter((w) => w.bornInWindow && w.lifeFrom >= groupStart && w.lifeFrom <= groupStart + span).length;
    if (allEnded && born * 2 >= old.length) return { atMs: gridTimeMs(grid, groupStart), replaced: old.length };
  }
  return null;
}
