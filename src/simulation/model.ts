/**
 * A deterministic simulator of a Python service's worker processes: pids that are born,
 * warm up, leak, get recycled or replaced by a deploy; traffic; job types; a memory limit.
 *
 * It feeds the demo metrics source and the labelled scenario set. Pure: no clock, no I/O.
 */

import { gaussian, uniform } from './random';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** One process: a worker slot's incarnation between two recycles or deploys. */
export interface Incarnation {
  /** Stable slot index across recycles (the Gunicorn "worker 3"). */
  readonly slot: number;
  readonly instance: string;
  readonly pid: number;
  readonly bornMs: number;
  /** When the process exited; null when it outlives the simulation. */
  readonly diedMs: number | null;
  /** 0 for the first process in a slot, then 1, 2, ... after each recycle or deploy. */
  readonly generation: number;
}

/** What a memory term can look at. All integrals are over the service's total traffic. */
export interface MemoryContext {
  readonly t: number;
  readonly ageMs: number;
  readonly worker: Incarnation;
  /** Live worker processes at t, to spread the service's traffic across them. */
  readonly liveWorkers: number;
  /** Mean requests/s over (t - windowMs, t]. */
  trafficAvg(t: number, windowMs: number): number;
  /** Requests served between two times. */
  trafficBetween(fromMs: number, toMs: number): number;
  /** Mean starts/s of one job type over (t - windowMs, t]. */
  jobAvg(name: string, t: number, windowMs: number): number;
  /** Job starts of one type between two times. */
  jobBetween(name: string, fromMs: number, toMs: number): number;
}

/** Extra resident memory in MiB for one worker at one time. */
export type MemoryTerm = (ctx: MemoryContext) => number;
/** A rate over time: requests/s or job starts/s. */
export type RateFn = (tMs: number) => number;

export interface WorkerLifecycle {
  /** Every process is replaced at these times (a deploy or restart); counters reset too. */
  readonly deploysAtMs?: readonly number[];
  /**
   * A deploy added to a scenario afterwards (the playground's "Deploy a fix"): it replaces every
   * process like the others, and the processes before it keep the pids (and so the noise) they had
   * without it, so the data before it does not change.
   */
  readonly lateDeployAtMs?: number;
  /** Each worker is recycled after roughly this long (Gunicorn max_requests), with jitter. */
  readonly recycleEveryMs?: number;
  /** The number of workers per instance changes at these times. */
  readonly scale?: readonly { readonly atMs: number; readonly workersPerInstance: number }[];
  /**
   * A process is killed for memory (the kernel's OOM killer at its share of the limit) when it
   * reaches this many MiB (before scrape noise); a new pid takes its slot a couple of seconds later.
   */
  readonly oomKillAtMiB?: number;
}

export interface ScenarioSpec {
  readonly service: string;
  readonly endMs: number;
  readonly windowMs: number;
  readonly scrapeMs: number;
  readonly seed: number;
  readonly instances: number;
  readonly workersPerInstance: number;
  /** Typical settled RSS of a worker, MiB; each slot differs by up to ±baseSpreadMiB. */
  readonly baseMiB: number;
  readonly baseSpreadMiB?: number;
  /** Scrape-to-scrape noise, MiB (standard deviation). */
  readonly noiseMiB?: number;
  /** Garbage-collector sawtooth: a slow rise then a drop, per worker, with a random phase. */
  readonly sawtooth?: { readonly amplitudeMiB: number; readonly periodMs: number };
  /** A new process starts this much below its settled size and approaches it (imports, caches warming). */
  readonly warmup?: { readonly MiB: number; readonly tauMs: number };
  /** Fraction of scrapes that are missing (0..1). */
  readonly missingScrapeRate?: number;
  /** A gap with no scrapes at all for every target (Prometheus or network down). */
  readonly scrapeGaps?: readonly { readonly fromMs: number; readonly toMs: number }[];
  readonly traffic: RateFn | null;
  readonly jobs?: readonly { readonly name: string; readonly rate: RateFn }[];
  /** Extra memory terms, for some slots or all of them. */
  readonly terms?: readonly { readonly slots: readonly number[] | 'all'; readonly term: MemoryTerm }[];
  readonly lifecycle?: WorkerLifecycle;
  /** Memory budget of all workers together, MiB. */
  readonly limitMiB?: number | null;
}

export interface Simulation {
  readonly spec: ScenarioSpec;
  /** First simulated time: a lead-in before the window so rate() and lookback have data. */
  readonly fromMs: number;
  readonly incarnations: readonly Incarnation[];
  /** Successful scrape times of one instance (targets are scraped with their own phase). */
  scrapeTimes(instance: string): number[];
  /** Every scrape attempt of one instance, failed ones (inside a scrape gap) included. */
  attemptTimes(instance: string): number[];
  /** Prometheus's `up` for a scrape attempt at t: 0 inside a scrape gap, else 1. */
  upAt(tMs: number): number;
  /** RSS in bytes of one process at one of its scrape times, or NaN for a missing scrape. */
  memoryBytes(inc: Incarnation, scrapeMs: number): number;
  /** Service requests/s at t (the truth, before scrape noise). */
  trafficRps(tMs: number): number;
  jobRate(name: string, tMs: number): number;
  /** Requests/s as a counter increment would measure it over one scrape interval ending at t (with noise). */
  measuredTraffic(tMs: number): number;
  measuredJob(name: string, tMs: number): number;
  readonly limitBytes: number | null;
  /** Times the request counters restart from zero. */
  readonly counterResetsMs: readonly number[];
}

export const LEAD_IN_MS = 20 * MINUTE;

/** Builds the processes and precomputes traffic and job integrals. */
export function simulate(spec: ScenarioSpec): Simulation {
  const fromMs = spec.endMs - spec.windowMs - LEAD_IN_MS;
  const incarnations = buildIncarnations(spec, fromMs);
  const integralStepMs = Math.max(5_000, Math.min(60_000, spec.scrapeMs));
  const trafficIntegral = spec.traffic ? integrate(spec.traffic, fromMs - HOUR * 24, spec.endMs, integralStepMs) : null;
  const jobIntegrals = new Map(
    (spec.jobs ?? []).map((job) => [job.name, integrate(job.rate, fromMs - HOUR * 24, spec.endMs, integralStepMs)] as const),
  );
  const phases = new Map<string, number>();
  const instances = [...new Set(incarnations.map((i) => i.instance))];
  instances.forEach((instance, k) => phases.set(instance, Math.floor(uniform(spec.seed, 77, k) * spec.scrapeMs)));
  const slotBase = new Map<number, number>();
  const spread = spec.baseSpreadMiB ?? spec.baseMiB * 0.08;
  for (const inc of incarnations) {
    if (!slotBase.has(inc.slot)) slotBase.set(inc.slot, spec.baseMiB + spread * (2 * uniform(spec.seed, 11, inc.slot) - 1));
  }

  const between = (integral: Integral | null, a: number, b: number): number =>
    integral ? Math.max(0, integral.at(b) - integral.at(Math.max(a, integral.fromMs))) : 0;

  const liveAt = (t: number): number => {
    let n = 0;
    for (const inc of incarnations) if (inc.bornMs <= t && (inc.diedMs === null || inc.diedMs > t)) n++;
    return Math.max(1, n);
  };

  const memoryMiB = (inc: Incarnation, t: number): number => {
    const ageMs = Math.max(0, t - inc.bornMs);
    let miB = slotBase.get(inc.slot)!;
    if (spec.warmup) miB -= spec.warmup.MiB * Math.exp(-ageMs / spec.warmup.tauMs);
    if (spec.sawtooth) {
      const phase = uniform(spec.seed, 23, inc.pid);
      const cycle = ((t / spec.sawtooth.periodMs + phase) % 1 + 1) % 1;
      miB += spec.sawtooth.amplitudeMiB * (cycle - 0.5);
    }
    if (spec.terms && spec.terms.length > 0) {
      const ctx: MemoryContext = {
        t,
        ageMs,
        worker: inc,
        get liveWorkers() {
          return liveAt(t);
        },
        trafficAvg: (at, w) => between(trafficIntegral, at - w, at) / (w / 1000),
        trafficBetween: (a, b) => between(trafficIntegral, a, b),
        jobAvg: (name, at, w) => between(jobIntegrals.get(name) ?? null, at - w, at) / (w / 1000),
        jobBetween: (name, a, b) => between(jobIntegrals.get(name) ?? null, a, b),
      };
      for (const { slots, term } of spec.terms) {
        if (slots === 'all' || slots.includes(inc.slot)) miB += term(ctx);
      }
    }
    return miB;
  };

  if (spec.lifecycle?.oomKillAtMiB !== undefined) {
    const killed = killAtCeiling(incarnations, spec, spec.lifecycle.oomKillAtMiB, memoryMiB);
    incarnations.splice(0, incarnations.length, ...killed);
  }

  const inGap = (t: number): boolean => (spec.scrapeGaps ?? []).some((g) => t >= g.fromMs && t < g.toMs);

  return {
    spec,
    fromMs,
    incarnations,
    limitBytes: spec.limitMiB ? Math.round(spec.limitMiB * 1024 * 1024) : null,
    counterResetsMs: [...(spec.lifecycle?.deploysAtMs ?? []), ...(spec.lifecycle?.lateDeployAtMs !== undefined ? [spec.lifecycle.lateDeployAtMs] : [])],
    scrapeTimes(instance) {
      return this.attemptTimes(instance).filter((t) => !inGap(t));
    },
    attemptTimes(instance) {
      const phase = phases.get(instance) ?? 0;
      const times: number[] = [];
      const first = Math.ceil((fromMs - phase) / spec.scrapeMs) * spec.scrapeMs + phase;
      for (let t = first; t <= spec.endMs; t += spec.scrapeMs) times.push(t);
      return times;
    },
    upAt: (t) => (inGap(t) ? 0 : 1),
    memoryBytes(inc, t) {
      if (t < inc.bornMs || (inc.diedMs !== null && t >= inc.diedMs)) return NaN;
      const k = Math.round(t / spec.scrapeMs);
      if (spec.missingScrapeRate && uniform(spec.seed, 31, inc.pid, k) < spec.missingScrapeRate) return NaN;
      const noisy = memoryMiB(inc, t) + (spec.noiseMiB ?? 0) * gaussian(spec.seed, 37, inc.pid, k);
      // RSS is counted in 4 KiB pages.
      return Math.max(4096, Math.round((noisy * 1024 * 1024) / 4096) * 4096);
    },
    trafficRps: (t) => (spec.traffic ? Math.max(0, spec.traffic(t)) : 0),
    jobRate: (name, t) => Math.max(0, spec.jobs?.find((j) => j.name === name)?.rate(t) ?? 0),
    measuredTraffic(t) {
      if (!trafficIntegral) return 0;
      const rps = between(trafficIntegral, t - spec.scrapeMs, t) / (spec.scrapeMs / 1000);
      // Request counts are Poisson-like: relative noise shrinks as traffic grows.
      const noise = gaussian(spec.seed, 41, Math.round(t / spec.scrapeMs)) * Math.sqrt(rps / (spec.scrapeMs / 1000));
      return Math.max(0, rps + noise);
    },
    measuredJob(name, t) {
      const integral = jobIntegrals.get(name);
      if (!integral) return 0;
      return between(integral, t - spec.scrapeMs, t) / (spec.scrapeMs / 1000);
    },
  };
}

interface Integral {
  readonly fromMs: number;
  at(tMs: number): number;
}

/** Cumulative integral of a rate (per second) on a fixed step, linearly interpolated. */
function integrate(rate: RateFn, fromMs: number, toMs: number, stepMs: number): Integral {
  const n = Math.ceil((toMs - fromMs) / stepMs) + 2;
  const cumulative = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const t0 = fromMs + (i - 1) * stepMs;
    const mid = Math.max(0, rate(t0 + stepMs / 2));
    cumulative[i] = cumulative[i - 1]! + mid * (stepMs / 1000);
  }
  return {
    fromMs,
    at(t) {
      const pos = (t - fromMs) / stepMs;
      if (pos <= 0) return 0;
      if (pos >= n - 1) return cumulative[n - 1]!;
      const lo = Math.floor(pos);
      return cumulative[lo]! + (cumulative[lo + 1]! - cumulative[lo]!) * (pos - lo);
    },
  };
}

/** Resolution of the search for the moment a process reaches the kill size. */
const KILL_SCAN_MS = 5_000;

/**
 * Cuts each process at the first moment its memory reaches `atMiB` and starts a replacement in its
 * slot (a new pid, warm-up and leaks from zero), which may in turn be killed; the slot's later
 * processes (a recycle, a deploy) keep their times.
 */
function killAtCeiling(incarnations: readonly Incarnation[], spec: ScenarioSpec, atMiB: number, memoryMiB: (inc: Incarnation, t: number) => number): Incarnation[] {
  let nextPid = Math.max(0, ...incarnations.map((i) => i.pid)) + 1;
  const out: Incarnation[] = [];
  for (const original of incarnations) {
    let inc: Incarnation = original;
    for (;;) {
      const end = inc.diedMs ?? spec.endMs;
      let killedAt: number | null = null;
      for (let t = inc.bornMs; t < end; t += KILL_SCAN_MS) {
        if (memoryMiB(inc, t) >= atMiB) {
          killedAt = t;
          break;
        }
      }
      if (killedAt === null) {
        out.push(inc);
        break;
      }
      out.push({ ...inc, diedMs: killedAt });
      const born = killedAt + 1_500 + 1_000 * uniform(spec.seed, 29, inc.slot, inc.generation);
      if (born >= end) break;
      inc = { slot: inc.slot, instance: inc.instance, pid: nextPid++, bornMs: born, diedMs: inc.diedMs, generation: inc.generation + 1 };
    }
  }
  return out;
}

function buildIncarnations(spec: ScenarioSpec, fromMs: number): Incarnation[] {
  const late = spec.lifecycle?.lateDeployAtMs;
  if (late !== undefined) {
    const { lateDeployAtMs: _late, ...rest } = spec.lifecycle ?? {};
    const original = buildIncarnations({ ...spec, lifecycle: rest }, fromMs);
    const deployed = buildIncarnations({ ...spec, lifecycle: { ...rest, deploysAtMs: [...(rest.deploysAtMs ?? []), late] } }, fromMs);
    // Before the late deploy a slot's processes are the same ones, generation by generation.
    const before = new Map(original.map((inc) => [`${inc.slot}/${inc.generation}`, inc.pid]));
    let nextPid = Math.max(0, ...original.map((inc) => inc.pid)) + 1;
    return deployed.map((inc) => ({ ...inc, pid: inc.bornMs < late ? (before.get(`${inc.slot}/${inc.generation}`) ?? nextPid++) : nextPid++ }));
  }
  const out: Incarnation[] = [];
  const lifecycle = spec.lifecycle ?? {};
  const deploys = [...(lifecycle.deploysAtMs ?? [])].sort((a, b) => a - b);
  const scale = [...(lifecycle.scale ?? [])].sort((a, b) => a.atMs - b.atMs);
  let nextPid = 1000 + Math.floor(uniform(spec.seed, 5) * 30_000);
  const maxPerInstance = Math.max(spec.workersPerInstance, ...scale.map((s) => s.workersPerInstance));
  const countAt = (t: number): number => {
    let count = spec.workersPerInstance;
    for (const s of scale) if (s.atMs <= t) count = s.workersPerInstance;
    return count;
  };
  /** The stretches of time during which worker `local` of an instance exists. */
  const existence = (local: number): [number, number][] => {
    const cuts = [fromMs, ...scale.map((s) => s.atMs).filter((t) => t > fromMs && t < spec.endMs), spec.endMs];
    const spans: [number, number][] = [];
    for (let c = 0; c + 1 < cuts.length; c++) {
      if (local >= countAt(cuts[c]!)) continue;
      const last = spans[spans.length - 1];
      if (last && last[1] === cuts[c]) last[1] = cuts[c + 1]!;
      else spans.push([cuts[c]!, cuts[c + 1]!]);
    }
    return spans;
  };

  for (let inst = 0; inst < spec.instances; inst++) {
    const instance = spec.instances === 1 ? 'web-1' : `web-${inst + 1}`;
    for (let local = 0; local < maxPerInstance; local++) {
      const slot = inst * maxPerInstance + local;
      let generation = 0;
      for (const [from, to] of existence(local)) {
        // A slot that exists from the very start was born before the simulation.
        let born = from === fromMs ? fromMs - HOUR * (1 + 4 * uniform(spec.seed, 13, slot)) : from + 2_000 + 500 * local;
        const stops = deploys.filter((d) => d > from && d < to);
        while (born < to) {
          let died: number | null = null;
          const nextDeploy = stops.find((d) => d > born + 1_000);
          if (lifecycle.recycleEveryMs) {
            const life = lifecycle.recycleEveryMs * (0.75 + 0.5 * uniform(spec.seed, 17, slot, generation));
            const due = born + life;
            if (due < to && (nextDeploy === undefined || due < nextDeploy)) died = due;
          }
          if (died === null && nextDeploy !== undefined) died = nextDeploy;
          if (died === null && to < spec.endMs) died = to;
          out.push({ slot, instance, pid: nextPid++, bornMs: born, diedMs: died, generation });
          generation++;
          if (died === null || died >= to) break;
          // A replacement process comes up a couple of seconds later.
          born = died + 1_500 + 1_000 * uniform(spec.seed, 19, slot, generation);
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- traffic shapes

/** A daily cycle: mean requests/s, relative swing (0..1), hour of the peak in UTC. */
export function diurnal(meanRps: number, swing: number, peakHourUtc = 15): RateFn {
  return (t) => {
    const hours = t / HOUR;
    return meanRps * (1 + swing * Math.cos(((hours - peakHourUtc) / 24) * 2 * Math.PI));
  };
}

export function constant(rps: number): RateFn {
  return () => rps;
}

/** Multiplies a shape by `factor` between two times, with soft edges of `rampMs`. */
export function withBurst(shape: RateFn, fromMs: number, toMs: number, factor: number, rampMs = 5 * MINUTE): RateFn {
  return (t) => {
    const up = smoothstep((t - fromMs) / rampMs);
    const down = 1 - smoothstep((t - toMs) / rampMs);
    return shape(t) * (1 + (factor - 1) * Math.min(up, down));
  };
}

/** Traffic falls to `floorFraction` of the shape between two times (an idle night, a drained pool). */
export function withIdle(shape: RateFn, fromMs: number, toMs: number, floorFraction = 0.01, rampMs = 5 * MINUTE): RateFn {
  return withBurst(shape, fromMs, toMs, floorFraction, rampMs);
}

/** Job starts in periodic runs: `runMs` of activity every `everyMs`, starting at `offsetMs`. */
export function periodicRuns(ratePerSecond: number, everyMs: number, runMs: number, offsetMs = 0): RateFn {
  return (t) => {
    const into = (((t - offsetMs) % everyMs) + everyMs) % everyMs;
    return into < runMs ? ratePerSecond : 0;
  };
}

function smoothstep(x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return x * x * (3 - 2 * x);
}

// ---------------------------------------------------------------- memory terms

/** Steady growth of `miBPerHour` from `sinceMs` (or the process start, whichever is later). */
export function leak(miBPerHour: number, sinceMs = -Infinity): MemoryTerm {
  return ({ t, worker }) => (miBPerHour * Math.max(0, t - Math.max(worker.bornMs, sinceMs))) / HOUR;
}

/**
 * Memory that tracks recent traffic: a TTL cache or in-flight payloads.
 * `miBPerRps` per request/s that this worker serves, averaged over `smoothMs`, capped at `capMiB`.
 */
export function trafficLevel(miBPerRps: number, smoothMs = 10 * MINUTE, capMiB = Infinity): MemoryTerm {
  return (ctx) => Math.min(capMiB, (miBPerRps * ctx.trafficAvg(ctx.t, smoothMs)) / ctx.liveWorkers);
}

/** Objects retained per request and never freed while the process lives: `miBPer1kRequests` per 1,000 requests this worker served. */
export function retainedPerRequest(miBPer1kRequests: number, capMiB = Infinity, sinceMs = -Infinity): MemoryTerm {
  return (ctx) =>
    Math.min(capMiB, (miBPer1kRequests * ctx.trafficBetween(Math.max(ctx.worker.bornMs, sinceMs), ctx.t)) / 1000 / ctx.liveWorkers);
}

/** Memory held while one job type runs: `miBPerRun` for each job start per second, averaged over `holdMs`. */
export function jobLevel(name: string, miBPerRate: number, holdMs = 10 * MINUTE): MemoryTerm {
  return (ctx) => (miBPerRate * ctx.jobAvg(name, ctx.t, holdMs)) / ctx.liveWorkers;
}

/** Memory kept after each run of one job type: `miBPerRun` per job start, never freed. */
export function jobRatchet(name: string, miBPerRun: number): MemoryTerm {
  return (ctx) => (miBPerRun * ctx.jobBetween(name, ctx.worker.bornMs, ctx.t)) / ctx.liveWorkers;
}

/** Grows at `miBPerHour` only inside the given stretches (a queue or background loop filling up while idle). */
export function growsDuring(miBPerHour: number, stretches: readonly (readonly [number, number])[]): MemoryTerm {
  return ({ t, worker }) => {
    let ms = 0;
    for (const [a, b] of stretches) ms += Math.max(0, Math.min(b, t) - Math.max(a, worker.bornMs));
    return (miBPerHour * ms) / HOUR;
  };
}

/** A one-off step of `miB` at `atMs` that stays (a big object loaded once). */
export function stepUp(atMs: number, miB: number): MemoryTerm {
  return ({ t, worker }) => (t >= atMs && worker.bornMs <= atMs ? miB : 0);
}

/** Adds memory for a while, then gives it back: a transient spike. */
export function transient(fromMs: number, toMs: number, miB: number): MemoryTerm {
  return ({ t }) => (t >= fromMs && t < toMs ? miB : 0);
}

export { MINUTE as SIM_MINUTE, HOUR as SIM_HOUR };
