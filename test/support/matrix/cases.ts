/**
 * The nuisance matrix: every pattern crossed with every nuisance, drawn from broad ranges by a
 * generator written from the definitions (see plan.ts), not from the simulator the classifier
 * was first tuned on. Each case is labelled with the pattern an engineer reading the chart
 * would name; the draws keep every pattern clearly material (growth well above noise, swings
 * that matter, totals clearly near or clearly under the limit), so the label is never a coin toss.
 *
 * Cases are split in two halves, stratified by pattern and nuisance: `tune` may be looked at
 * while changing the classifier, `holdout` only to report.
 */

import type { ComponentPattern, PatternId } from '../../../src/domain/diagnosis';
import { Draw, keyOf, noise } from './rng';
import { type CasePlan, type Lifecycle, type ScaleUp, type ScrapeBehaviour, type Span } from './plan';
import {
  DAY,
  HOUR,
  MINUTE,
  burst,
  busyQuiet,
  daily,
  growthDuring,
  jobHeld,
  jobKept,
  linearGrowth,
  periodic,
  ratchet,
  retainedPerRequest,
  steady,
  trafficLevel,
  type MemoryTerm,
  type Rate,
  type Shape,
} from './world';

export const NUISANCES = [
  'none',
  'target-down',
  'all-targets-down',
  'prometheus-down',
  'interval-change',
  'outliers',
  'recycling',
  'deploy',
  'jitter-failed',
  'ha-pair',
  'relabel',
  'container-restart',
  'worker-killed',
  'masters',
  'tiny-fleet',
  'huge-fleet',
  'several',
] as const;
export type Nuisance = (typeof NUISANCES)[number];

export const RECIPES = [
  'stable',
  'one-worker-growing',
  'all-workers-growing',
  'all-workers-large-stable',
  'worker-count-jump',
  'follows-traffic',
  'high-while-idle',
  'job-driven',
  'mixed',
] as const satisfies readonly PatternId[];
type Recipe = (typeof RECIPES)[number];

export interface MatrixCase {
  readonly id: string;
  readonly label: PatternId;
  readonly components: readonly ComponentPattern[];
  readonly nuisance: Nuisance;
  readonly split: 'tune' | 'holdout';
  /** What was drawn, in words, for reading failures. */
  readonly notes: string;
  readonly plan: CasePlan;
}

/** Every window in the matrix ends here (a Tuesday, 09:40 UTC). */
export const MATRIX_END_MS = Date.UTC(2026, 8, 15, 9, 40, 0);

const WINDOWS = [30 * MINUTE, 1 * HOUR, 3 * HOUR, 6 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 24 * HOUR, 3 * DAY, 7 * DAY];

interface Frame {
  readonly d: Draw;
  readonly seed: number;
  readonly windowMs: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly instances: number;
  readonly perInstance: number;
  readonly baseMiB: number;
  readonly noiseMiB: number;
  /** Noise plus sawtooth: the wobble growth must clear to be material. */
  readonly wobbleMiB: number;
  /**
   * 1 for the matrix proper (every pattern unmistakable); below 1 for the subtle variant, where
   * growth, swings and jumps shrink towards what noise could hide. The subtle cases keep their
   * label and show where confidence has to come down.
   */
  readonly strength: number;
  /**
   * The case will be read as pod-level data (one container line per pod): a leak in one worker
   * is drawn large enough to show in its pod's total, and workers are added as pods.
   */
  readonly podLevel: boolean;
}

interface Behaviour {
  readonly label: PatternId;
  readonly components: readonly ComponentPattern[];
  readonly terms: Shape['terms'];
  readonly traffic: Rate | null;
  readonly jobs: readonly { readonly name: string; readonly rate: Rate }[];
  readonly limitBytes: number | null;
  readonly scaleUps: readonly ScaleUp[];
  /** Times nuisances keep clear of (a scale-up, the start of an idle stretch). */
  readonly keyTimes: readonly number[];
  readonly notes: string;
  /** Lifetimes shorter than this would hide the pattern (growth per process must stay material). */
  readonly minLifeMs: number;
  /** The pattern needs at least two workers. */
  readonly minWorkers: number;
  /** Traffic must not go idle (an idle stretch would be a different pattern). */
  readonly noIdle: boolean;
}

const at = (f: Frame, share: number): number => f.startMs + f.windowMs * share;
const workers = (f: Frame): number => f.instances * f.perInstance;

/** Growth that is unmistakable over noise and sawtooth: at least 40 MiB, 15% of the base, 8x the wobble. */
function materialGrowth(f: Frame, upTo: number): number {
  const floor = f.strength * Math.max(40, 0.15 * f.baseMiB, 8 * f.wobbleMiB);
  return f.d.between(floor, Math.max(floor * 1.5, upTo));
}

function anyTraffic(f: Frame, allowIdle: boolean): Rate {
  const rps = f.d.logBetween(5, 600);
  const kind = f.d.pick(allowIdle ? ['steady', 'daily', 'bursts', 'telegraph', 'idle'] : ['steady', 'daily', 'bursts', 'telegraph']);
  switch (kind) {
    case 'steady':
      return steady(rps);
    case 'daily':
      return daily(rps, f.d.between(0.2, 0.7), f.d.between(0, 24));
    case 'bursts': {
      const a = at(f, f.d.between(0.1, 0.6));
      return burst(steady(rps), a, a + f.windowMs * f.d.between(0.05, 0.25), f.d.between(2, 5));
    }
    case 'telegraph':
      return busyQuiet(rps, rps * f.d.between(0.3, 0.6), f.windowMs / f.d.between(3, 10), f.windowMs / f.d.between(3, 10), f.startMs, f.endMs, f.seed);
    default: {
      const a = at(f, f.d.between(0.2, 0.6));
      return burst(steady(rps), a, a + f.windowMs * f.d.between(0.15, 0.35), 0.005);
    }
  }
}

function unrelatedJobs(f: Frame): { name: string; rate: Rate }[] {
  const names = ['send_email', 'sync_users', 'refresh_tokens', 'thumbnail', 'webhook'];
  const n = f.d.int(0, 2);
  const out: { name: string; rate: Rate }[] = [];
  for (let i = 0; i < n; i++) {
    const name = names[(i + f.d.int(0, 4)) % names.length]!;
    if (out.some((j) => j.name === name)) continue;
    out.push({ name, rate: f.d.chance(0.5) ? steady(f.d.between(0.2, 4)) : periodic(f.d.between(0.2, 2), f.windowMs / f.d.between(2, 8), f.windowMs / f.d.between(10, 30), at(f, f.d.next())) });
  }
  return out;
}

function leakTerm(f: Frame, growthMiB: number, fromShare: number, steps: boolean): MemoryTerm {
  const since = at(f, fromShare);
  const spanMs = f.endMs - since;
  if (!steps) return linearGrowth((growthMiB / spanMs) * HOUR, since);
  const count = f.d.int(6, 24);
  const times = Array.from({ length: count }, (_, i) => since + ((i + 0.2 + 0.6 * f.d.next()) * spanMs) / count);
  return ratchet(growthMiB / count, times);
}

function behaviour(recipe: Recipe, f: Frame): Behaviour {
  const { d } = f;
  const n = workers(f);
  const base: Omit<Behaviour, 'label' | 'notes'> = {
    components: [],
    terms: [],
    traffic: anyTraffic(f, true),
    jobs: unrelatedJobs(f),
    limitBytes: d.chance(0.5) ? Math.round((n * f.baseMiB * 1024 * 1024) / d.between(0.15, 0.55)) : null,
    scaleUps: [],
    keyTimes: [],
    minLifeMs: 0,
    minWorkers: 1,
    noIdle: false,
  };
  switch (recipe) {
    case 'stable':
      return { ...base, label: 'stable', notes: 'flat workers' };
    case 'one-worker-growing': {
      const growers = n <= 5 ? 1 : Math.min(Math.max(1, Math.floor(n / 4)), d.pick([1, 1, 2, 3]));
      const slots = pickSlots(d, n, growers);
      const from = d.chance(0.35) ? d.between(0.1, 0.45) : 0;
      // In a pod's total one worker's leak is diluted by its peers: draw it that much larger.
      const growth = materialGrowth(f, 1.5 * f.baseMiB) * (f.podLevel ? f.perInstance : 1);
      const steps = d.chance(0.3);
      return {
        ...base,
        label: 'one-worker-growing',
        terms: slots.map((s) => ({ slots: [s], term: leakTerm(f, growth * d.between(0.8, 1.2), from, steps) })),
        traffic: anyTraffic(f, false),
        minWorkers: 2,
        minLifeMs: 0.6 * f.windowMs,
        notes: `${growers} of ${n} grow ~${Math.round(growth)} MiB${from > 0 ? ` from ${Math.round(from * 100)}%` : ''}${steps ? ' in steps' : ''}`,
      };
    }
    case 'all-workers-growing': {
      const growth = materialGrowth(f, 1.2 * f.baseMiB);
      const steps = d.chance(0.25);
      const leak = leakTerm(f, growth, 0, steps);
      // Similar, not identical, pace in every worker.
      const terms = [{ slots: 'all' as const, term: (ctx: Parameters<MemoryTerm>[0]) => leak(ctx) * (0.75 + 0.5 * noise(f.seed, 77, ctx.proc.slot)) }];
      return {
        ...base,
        label: 'all-workers-growing',
        terms,
        traffic: anyTraffic(f, false),
        minLifeMs: 0.6 * f.windowMs,
        noIdle: true,
        notes: `every worker grows ~${Math.round(growth)} MiB${steps ? ' in steps' : ''}`,
      };
    }
    case 'all-workers-large-stable': {
      const used = f.strength < 1 ? d.between(0.7, 0.85) : d.between(0.82, 0.95);
      return {
        ...base,
        label: 'all-workers-large-stable',
        limitBytes: Math.round((n * f.baseMiB * 1024 * 1024) / used),
        minWorkers: 2,
        notes: `${n} flat workers at ${Math.round(used * 100)}% of the limit`,
      };
    }
    case 'worker-count-jump': {
      const when = at(f, d.between(0.3, 0.7));
      // Pod-level data shows pods, not workers: more workers per pod is only a higher line there.
      const perInstance = !f.podLevel && d.chance(0.6) && f.perInstance < 64;
      const share = f.strength < 1 ? d.between(0.12, 0.35) : d.between(0.3, 1.5);
      const add = perInstance ? Math.max(1, Math.round(f.perInstance * share)) : Math.max(1, Math.round(f.instances * share));
      return {
        ...base,
        label: 'worker-count-jump',
        scaleUps: [{ atMs: when, addPerInstance: perInstance ? add : 0, addInstances: perInstance ? 0 : add }],
        keyTimes: [when],
        limitBytes: null,
        notes: `${perInstance ? `+${add} workers per instance` : `+${add} instances`} at ${Math.round(((when - f.startMs) / f.windowMs) * 100)}%`,
      };
    }
    case 'follows-traffic':
      return { ...base, ...followsTraffic(f), label: 'follows-traffic', jobs: unrelatedJobs(f) };
    case 'high-while-idle':
      return { ...base, ...highWhileIdle(f), label: 'high-while-idle' };
    case 'job-driven':
      return { ...base, ...jobDriven(f), label: 'job-driven' };
    case 'mixed':
      return mixed(f, base);
    default: {
      const unknown: never = recipe;
      throw new Error(String(unknown));
    }
  }
}

function pickSlots(d: Draw, n: number, k: number): number[] {
  const out = new Set<number>();
  while (out.size < k) out.add(d.int(0, n - 1));
  return [...out];
}

function followsTraffic(f: Frame): Pick<Behaviour, 'terms' | 'traffic' | 'notes' | 'keyTimes' | 'noIdle'> {
  const { d } = f;
  const rps = d.logBetween(10, 800);
  // A daily cycle only rises and falls within a window of a day or more; on a shorter one it is a trend.
  const kind = d.pick(f.windowMs >= 24 * HOUR ? ['daily', 'bursts', 'telegraph', 'ramp'] : ['bursts', 'telegraph', 'ramp']);
  let traffic: Rate;
  let spread: number;
  switch (kind) {
    case 'daily': {
      const swing = d.between(0.6, 0.95);
      traffic = daily(rps, swing, d.between(0, 24));
      spread = 2 * swing * rps;
      break;
    }
    case 'bursts': {
      let shape: Rate = steady(rps);
      const count = d.int(1, 3);
      const factor = d.between(3, 8);
      for (let i = 0; i < count; i++) {
        const a = at(f, (i + 0.15 + 0.4 * d.next()) / count);
        shape = burst(shape, a, a + (f.windowMs / count) * d.between(0.15, 0.4), factor, Math.min(5 * MINUTE, f.windowMs / 30));
      }
      traffic = shape;
      spread = (factor - 1) * rps;
      break;
    }
    case 'telegraph':
      traffic = busyQuiet(rps, rps * d.between(0.1, 0.25), f.windowMs / d.between(3, 8), f.windowMs / d.between(3, 8), f.startMs, f.endMs, f.seed + 1);
      spread = rps * 0.8;
      break;
    default: {
      const peak = at(f, d.between(0.35, 0.65));
      const width = f.windowMs * d.between(0.2, 0.35);
      traffic = (t) => rps * (0.15 + 0.85 * Math.max(0, 1 - Math.abs(t - peak) / width));
      spread = rps * 0.85;
    }
  }
  const n = workers(f);
  const swingMiB = f.strength * d.between(Math.max(35, 0.15 * f.baseMiB, 6 * f.wobbleMiB), Math.max(60, f.baseMiB));
  const tau = Math.min(d.between(1, 20) * MINUTE, f.windowMs / 12);
  const capped = d.chance(0.25);
  const k = ((capped ? 1.6 : 1) * swingMiB * n) / Math.max(spread, 1e-6);
  return {
    terms: [{ slots: 'all', term: trafficLevel(k, tau, capped ? swingMiB : Infinity) }],
    traffic,
    keyTimes: [],
    noIdle: true,
    notes: `${kind} traffic, ~${Math.round(swingMiB)} MiB swing per worker, lag ${Math.round(tau / MINUTE)} min${capped ? ', capped' : ''}`,
  };
}

function highWhileIdle(f: Frame): Pick<Behaviour, 'terms' | 'traffic' | 'notes' | 'keyTimes' | 'jobs'> {
  const { d } = f;
  const rps = d.logBetween(10, 500);
  const idleShare = d.between(0.25, 0.55);
  const idleFrom = f.endMs - f.windowMs * idleShare;
  const variant = d.pick(['retained', 'fills-while-idle', 'keeps-growing']);
  const returns = variant === 'retained' && d.chance(0.35);
  const idleTo = returns ? idleFrom + f.windowMs * idleShare * d.between(0.5, 0.75) : f.endMs + HOUR;
  const edge = Math.min(3 * MINUTE, f.windowMs / 40);
  const busyShape: Rate = d.chance(0.5) ? steady(rps) : daily(rps, d.between(0.1, 0.4), d.between(0, 24));
  const traffic = burst(busyShape, idleFrom, idleTo, d.between(0.0, 0.01), edge);
  const n = workers(f);
  const amount = materialGrowth(f, f.baseMiB);
  // The growth is drawn for the busy part inside the window, where a reader of the chart sees it.
  const busyMs = idleFrom - f.startMs;
  const terms: { slots: 'all'; term: MemoryTerm }[] = [];
  if (variant === 'retained' || variant === 'keeps-growing') {
    // Per request kept: grows `amount` over the busy part of the window.
    const served = (rps * (busyMs / 1000)) / n;
    terms.push({ slots: 'all', term: retainedPerRequest(amount / served) });
  }
  if (variant === 'fills-while-idle' || variant === 'keeps-growing') {
    const idleMs = Math.min(idleTo, f.endMs) - idleFrom;
    terms.push({ slots: 'all', term: growthDuring(((variant === 'keeps-growing' ? 0.7 : 1) * amount * HOUR) / idleMs, [[idleFrom + edge, idleTo]]) });
  }
  return {
    terms,
    traffic,
    jobs: [],
    keyTimes: [idleFrom, ...(returns ? [idleTo] : [])],
    notes: `${variant}: idle for the last ${Math.round(idleShare * 100)}%${returns ? ' (traffic returns)' : ''}, ~${Math.round(amount)} MiB`,
  };
}

function jobDriven(f: Frame): Pick<Behaviour, 'terms' | 'traffic' | 'notes' | 'jobs' | 'keyTimes'> {
  const { d } = f;
  const names = d.pick([
    ['generate_report', 'send_email'],
    ['import_csv', 'cleanup', 'notify'],
    ['export_pdf', 'thumbnail'],
    ['rebuild_index', 'sync_users', 'webhook'],
  ]);
  const driver = names[0]!;
  const runs = d.int(3, 8);
  const every = f.windowMs / runs;
  const runMs = every * d.between(0.15, 0.4);
  const rate = d.between(0.2, 3);
  const driverRate = periodic(rate, every, runMs, at(f, d.between(0, 0.6 / runs)));
  // The other job types must not run in step with the driver: if they did, no one could tell which
  // drives memory, and the label would be a guess.
  const other = (): Rate => {
    if (d.chance(0.5)) return steady(rate * d.between(0.3, 1));
    const candidate = periodic(rate * d.between(0.6, 1.5), every * d.pick([0.37, 0.6, 1.6, 2.3]), runMs, at(f, d.next()));
    return correlation(driverRate, candidate, f) < 0.3 ? candidate : steady(rate * d.between(0.3, 1));
  };
  const jobs = names.map((name, i) => ({ name, rate: i === 0 ? driverRate : other() }));
  const n = workers(f);
  const kept = d.chance(0.35);
  const amount = f.strength * d.between(Math.max(40, 0.2 * f.baseMiB, 6 * f.wobbleMiB), Math.max(80, 1.5 * f.baseMiB));
  const term = kept ? jobKept(driver, (amount * n) / (rate * (runMs / 1000) * runs)) : jobHeld(driver, (amount * n) / rate, Math.min(d.between(2, 15) * MINUTE, runMs / 3));
  return {
    terms: [{ slots: 'all', term }],
    traffic: d.chance(0.4) ? null : anyTraffic(f, false),
    jobs,
    keyTimes: [],
    notes: `${driver} ${kept ? 'keeps' : 'holds'} ~${Math.round(amount)} MiB per worker, ${runs} runs; others: ${names.slice(1).join(', ')}`,
  };
}

/** Correlation of two rates sampled every minute over the window. */
function correlation(a: Rate, b: Rate, f: Frame): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let t = f.startMs; t <= f.endMs; t += MINUTE) {
    xs.push(a(t));
    ys.push(b(t));
  }
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

function mixed(f: Frame, base: Omit<Behaviour, 'label' | 'notes'>): Behaviour {
  const { d } = f;
  const combo = d.pick([
    ['one-worker-growing', 'follows-traffic'],
    ['all-workers-growing', 'worker-count-jump'],
    ['worker-count-jump', 'follows-traffic'],
    ['one-worker-growing', 'job-driven'],
    ['all-workers-growing', 'follows-traffic'],
    ['one-worker-growing', 'worker-count-jump'],
  ] as const);
  const parts = combo.map((p) => behaviour(p, f));
  const traffic = parts.find((p) => p.label === 'follows-traffic')?.traffic ?? parts[0]!.traffic;
  const jobs = parts.find((p) => p.label === 'job-driven')?.jobs ?? base.jobs;
  return {
    ...base,
    label: 'mixed',
    components: [...combo],
    terms: parts.flatMap((p) => p.terms),
    traffic,
    jobs,
    limitBytes: null,
    scaleUps: parts.flatMap((p) => p.scaleUps),
    keyTimes: parts.flatMap((p) => p.keyTimes),
    minLifeMs: Math.max(...parts.map((p) => p.minLifeMs)),
    minWorkers: Math.max(...parts.map((p) => p.minWorkers)),
    noIdle: true,
    notes: parts.map((p) => p.notes).join(' + '),
  };
}

/** A time inside the window at least `gap` away from every key time, or null. */
function clearTime(f: Frame, keys: readonly number[], lo = 0.1, hi = 0.85): number | null {
  const gap = Math.max(15 * MINUTE, 0.1 * f.windowMs);
  for (let i = 0; i < 40; i++) {
    const t = at(f, f.d.between(lo, hi));
    if (keys.every((k) => Math.abs(k - t) >= gap)) return t;
  }
  return null;
}

function outageMs(f: Frame): number {
  return Math.min(6 * HOUR, Math.max(8 * MINUTE, f.windowMs * f.d.between(0.04, 0.12)));
}

interface NuisanceEffect {
  readonly lifecycle: Partial<Lifecycle>;
  readonly scrape: Partial<ScrapeBehaviour>;
  readonly notes: string;
}

function nuisanceEffect(nuisance: Exclude<Nuisance, 'several' | 'tiny-fleet' | 'huge-fleet'>, f: Frame, b: Behaviour, intervalMs: number): NuisanceEffect | null {
  const { d } = f;
  const span = (keys: readonly number[]): Span | null => {
    const length = outageMs(f);
    const t = clearTime(f, keys, 0.1, 0.9 - length / f.windowMs);
    return t === null ? null : { fromMs: t, toMs: t + length };
  };
  switch (nuisance) {
    case 'none':
      return { lifecycle: {}, scrape: {}, notes: '' };
    case 'target-down': {
      const s = span(b.keyTimes);
      if (!s) return null;
      const instance = d.int(0, f.instances - 1);
      return { lifecycle: {}, scrape: { targetDown: [{ ...s, instance }] }, notes: `target ${instance} down ${Math.round((s.toMs - s.fromMs) / MINUTE)} min` };
    }
    case 'all-targets-down': {
      const s = span(b.keyTimes);
      if (!s) return null;
      return { lifecycle: {}, scrape: { targetDown: [{ ...s, instance: -1 }] }, notes: `all targets down ${Math.round((s.toMs - s.fromMs) / MINUTE)} min` };
    }
    case 'prometheus-down': {
      const s = span(b.keyTimes);
      if (!s) return null;
      return { lifecycle: {}, scrape: { prometheusDown: [s] }, notes: `Prometheus down ${Math.round((s.toMs - s.fromMs) / MINUTE)} min` };
    }
    case 'interval-change': {
      const t = clearTime(f, b.keyTimes, 0.2, 0.8);
      if (t === null) return null;
      const to = Math.min(120_000, Math.max(5_000, intervalMs * d.pick([0.25, 0.5, 2, 4])));
      return { lifecycle: {}, scrape: { intervals: [{ fromMs: 0, intervalMs }, { fromMs: t, intervalMs: to }] }, notes: `interval ${intervalMs / 1000}s -> ${to / 1000}s` };
    }
    case 'outliers':
      return { lifecycle: {}, scrape: { outlierShare: d.between(0.002, 0.01) }, notes: 'isolated wrong samples' };
    case 'recycling': {
      const life = Math.max(b.minLifeMs, f.windowMs * d.between(0.15, 0.6), 20 * MINUTE);
      return { lifecycle: { recycleEveryMs: life }, scrape: {}, notes: `recycled every ~${Math.round(life / MINUTE)} min` };
    }
    case 'deploy': {
      // Where the pattern is growth, deploy early so the new processes live long enough to show it.
      if (b.minLifeMs > 0) {
        const t = clearTime(f, b.keyTimes, 0.12, 0.22);
        if (t === null) return null;
        return { lifecycle: { deploysMs: [t] }, scrape: {}, notes: 'one early deploy' };
      }
      const t = clearTime(f, b.keyTimes, 0.15, 0.85);
      if (t === null) return null;
      return { lifecycle: { deploysMs: [t] }, scrape: {}, notes: 'one deploy' };
    }
    case 'jitter-failed':
      return { lifecycle: {}, scrape: { jitterShare: d.between(0.1, 0.35), failedShare: d.between(0.01, 0.05) }, notes: 'jittered and failed scrapes' };
    case 'ha-pair':
      return { lifecycle: {}, scrape: { haPair: true }, notes: 'HA pair without dedup' };
    case 'relabel': {
      const t = clearTime(f, b.keyTimes, 0.2, 0.8);
      if (t === null) return null;
      return { lifecycle: {}, scrape: { relabelAtMs: t }, notes: 'a label added mid-window' };
    }
    case 'container-restart': {
      // Late in the window where the pattern is growth: the growth before it stays in view.
      const t = b.minLifeMs > 0 ? clearTime(f, b.keyTimes, 0.82, 0.92) : clearTime(f, b.keyTimes, 0.15, 0.85);
      if (t === null || f.instances < 2) return null;
      return {
        lifecycle: { containerRestarts: [{ instance: d.int(0, f.instances - 1), atMs: t, pauseMs: d.between(20, 90) * 1000 }], containerPids: true },
        scrape: {},
        notes: 'one container restarted, pids reused',
      };
    }
    case 'worker-killed': {
      const t = b.minLifeMs > 0 ? clearTime(f, b.keyTimes, 0.82, 0.92) : clearTime(f, b.keyTimes, 0.15, 0.85);
      if (t === null) return null;
      return { lifecycle: { kills: [{ slot: d.int(0, workers(f) - 1), atMs: t }] }, scrape: {}, notes: 'one worker killed and respawned' };
    }
    case 'masters':
      return { lifecycle: { masters: true }, scrape: {}, notes: 'master processes exported too' };
    default: {
      const unknown: never = nuisance;
      throw new Error(String(unknown));
    }
  }
}

function frame(seed: number, recipe: Recipe, nuisance: Nuisance, subtle: boolean, podLevel: boolean): Frame {
  const d = new Draw(seed);
  let windowMs = d.pick(WINDOWS);
  let total: number;
  if (nuisance === 'tiny-fleet') total = d.pick([1, 2, 2, 3]);
  else if (nuisance === 'huge-fleet') {
    total = d.pick([64, 96, 128]);
    windowMs = Math.min(windowMs, 24 * HOUR);
  } else total = d.pick([2, 3, 4, 4, 6, 8, 8, 12, 16, 24, 32, 48]);
  if (recipe === 'one-worker-growing' || recipe === 'all-workers-large-stable' || recipe === 'mixed') total = Math.max(total, 2);
  if (recipe === 'mixed' || recipe === 'job-driven' || recipe === 'high-while-idle') windowMs = Math.max(windowMs, 1 * HOUR);
  const instances = total <= 3 ? 1 : d.pick(divisors(total).filter((x) => x <= 16));
  const baseMiB = d.logBetween(90, 1400);
  const noiseMiB = baseMiB * d.between(0.002, 0.012);
  const sawtooth = d.chance(0.4) ? baseMiB * d.between(0.01, 0.05) : 0;
  return {
    d,
    seed,
    windowMs,
    startMs: MATRIX_END_MS - windowMs,
    endMs: MATRIX_END_MS,
    instances,
    perInstance: total / instances,
    baseMiB,
    noiseMiB,
    wobbleMiB: noiseMiB + sawtooth / 2,
    strength: subtle ? d.between(0.35, 0.8) : 1,
    podLevel,
  };
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) if (n % i === 0) out.push(i);
  return out;
}

function intervalFor(f: Frame): number {
  const n = workers(f);
  if (f.windowMs >= 3 * DAY) return 60_000;
  if (f.windowMs >= 12 * HOUR) return f.d.pick(n > 48 ? [30_000, 60_000] : [15_000, 30_000, 60_000]);
  return f.d.pick([10_000, 15_000, 15_000, 30_000]);
}

function makeCase(recipe: Recipe, nuisance: Nuisance, draw: number, subtle: boolean, podLevel: boolean): MatrixCase | null {
  const id = `${subtle ? 'subtle:' : ''}${podLevel ? 'pods:' : ''}${recipe}~${nuisance}~${draw}`;
  const seed = keyOf(id);
  const f = frame(seed, recipe, nuisance, subtle, podLevel);
  const b = behaviour(recipe, f);
  if (workers(f) < b.minWorkers) return null;
  // One pod among others, or pods that are many: at pod level the pods are the workers.
  if (podLevel && b.minWorkers > 1 && f.instances < 2) return null;
  const intervalMs = intervalFor(f);
  const chosen: Exclude<Nuisance, 'several' | 'tiny-fleet' | 'huge-fleet'>[] =
    nuisance === 'several'
      ? pickMany(f.d, ['target-down', 'outliers', 'recycling', 'deploy', 'jitter-failed', 'relabel', 'masters', 'interval-change'], 3)
      : nuisance === 'tiny-fleet' || nuisance === 'huge-fleet'
        ? ['none']
        : [nuisance];
  let lifecycle: Lifecycle = {
    instances: f.instances,
    workersPerInstance: f.perInstance,
    scaleUps: b.scaleUps,
    deploysMs: [],
    recycleEveryMs: null,
    kills: [],
    containerRestarts: [],
    containerPids: false,
    masters: false,
  };
  let scrape: ScrapeBehaviour = {
    intervals: [{ fromMs: 0, intervalMs }],
    jitterShare: 0.02,
    failedShare: 0,
    targetDown: [],
    prometheusDown: [],
    outlierShare: 0,
    haPair: false,
    relabelAtMs: null,
  };
  const notes: string[] = [b.notes];
  for (const n of chosen) {
    const effect = nuisanceEffect(n, f, b, intervalMs);
    if (!effect) {
      if (nuisance === 'several') continue;
      return null;
    }
    lifecycle = { ...lifecycle, ...effect.lifecycle };
    scrape = { ...scrape, ...effect.scrape };
    if (effect.notes) notes.push(effect.notes);
  }
  const shape: Shape = {
    baseMiB: f.baseMiB,
    spreadMiB: f.baseMiB * f.d.between(0.01, 0.1),
    noiseMiB: f.noiseMiB,
    sawtoothMiB: 2 * (f.wobbleMiB - f.noiseMiB),
    sawtoothPeriodMs: f.d.between(4, 40) * MINUTE,
    warmupMiB: f.d.chance(0.5) ? f.baseMiB * f.d.between(0.05, 0.3) : 0,
    warmupTauMs: f.d.between(2, 15) * MINUTE,
    terms: b.terms,
  };
  const service = `mx-${(seed % 1_000_000).toString(36)}`;
  return {
    id,
    label: b.label,
    components: b.components,
    nuisance,
    split: 'tune',
    notes: `${workers(f)} workers on ${f.instances} instance(s), ${Math.round(f.baseMiB)} MiB, window ${Math.round(f.windowMs / MINUTE)} min, scrape ${intervalMs / 1000}s; ${notes.filter(Boolean).join('; ')}`,
    plan: {
      service,
      seed,
      endMs: f.endMs,
      windowMs: f.windowMs,
      shape,
      traffic: b.traffic,
      jobs: b.jobs,
      limitBytes: b.limitBytes,
      lifecycle,
      scrape,
    },
  };
}

function pickMany<T>(d: Draw, items: readonly T[], k: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < k && pool.length > 0) out.push(pool.splice(d.int(0, pool.length - 1), 1)[0]!);
  return out;
}

/**
 * Every case of the matrix: each recipe x nuisance drawn `draws` times. Draws 0, 1, 4, 5, ... of every
 * cell are the tuning half, draws 2, 3, 6, 7, ... are held out: stratified by pattern and nuisance.
 */
export function matrixCases(draws = 16, subtle = false, podLevel = false): MatrixCase[] {
  const out: MatrixCase[] = [];
  for (const recipe of RECIPES) {
    for (const nuisance of NUISANCES) {
      for (let draw = 0; draw < draws; draw++) {
        // A draw the nuisance cannot apply to (no clear time, too few instances) tries a new seed.
        for (let attempt = 0; attempt < 6; attempt++) {
          const c = makeCase(recipe, nuisance, draw + attempt * 100, subtle, podLevel);
          if (c) {
            out.push({ ...c, split: draw % 4 < 2 ? 'tune' : 'holdout' });
            break;
          }
        }
      }
    }
  }
  return out;
}
