/**
 * The matrix's model of a running service: worker processes with lifetimes, request and job
 * rates, and what each process's resident memory is at any instant. Pure functions of time.
 */

import { gaussianNoise, noise } from './rng';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const MIB = 1024 * 1024;

/** Requests (or job starts) per second at time t. */
export type Rate = (tMs: number) => number;

/** One operating-system process: lives on one scrape target, has one pid. */
export interface Proc {
  readonly key: number;
  /** The logical worker position (Gunicorn "worker 3"): a replacement process takes the same slot. */
  readonly slot: number;
  readonly instance: string;
  readonly pid: number;
  readonly bornMs: number;
  /** Exit time; null when it outlives the data. */
  readonly diedMs: number | null;
  /** A master/arbiter process: exported like a worker but does no work. */
  readonly master: boolean;
}

/**
 * Precomputed view of a rate on a fixed step: cumulative count and exponentially smoothed
 * levels, so memory terms can ask "requests served since birth" or "recent load" cheaply.
 */
export class RateTrack {
  private readonly cumulative: Float64Array;
  private readonly smoothed = new Map<number, Float64Array>();
  private readonly raw: Float64Array;

  constructor(
    private readonly rate: Rate,
    readonly fromMs: number,
    readonly toMs: number,
    readonly stepMs = 10 * SECOND,
  ) {
    const n = Math.ceil((toMs - fromMs) / stepMs) + 2;
    this.raw = new Float64Array(n);
    this.cumulative = new Float64Array(n);
    for (let i = 0; i < n; i++) this.raw[i] = Math.max(0, rate(fromMs + i * stepMs));
    for (let i = 1; i < n; i++) this.cumulative[i] = this.cumulative[i - 1]! + ((this.raw[i - 1]! + this.raw[i]!) / 2) * (stepMs / 1000);
  }

  at(tMs: number): number {
    return Math.max(0, this.rate(tMs));
  }

  /** Events between fromMs (the track's start) and t. */
  count(tMs: number): number {
    return this.interp(this.cumulative, tMs);
  }

  /** Exponentially smoothed rate with time constant tauMs (memory that lags its load). */
  smooth(tMs: number, tauMs: number): number {
    const key = Math.round(tauMs);
    let s = this.smoothed.get(key);
    if (!s) {
      s = new Float64Array(this.raw.length);
      const alpha = 1 - Math.exp(-this.stepMs / Math.max(tauMs, 1));
      s[0] = this.raw[0]!;
      for (let i = 1; i < s.length; i++) s[i] = s[i - 1]! + alpha * (this.raw[i]! - s[i - 1]!);
      this.smoothed.set(key, s);
    }
    return this.interp(s, tMs);
  }

  private interp(values: Float64Array, tMs: number): number {
    const pos = (tMs - this.fromMs) / this.stepMs;
    if (pos <= 0) return values[0]!;
    if (pos >= values.length - 1) return values[values.length - 1]!;
    const lo = Math.floor(pos);
    return values[lo]! + (values[lo + 1]! - values[lo]!) * (pos - lo);
  }
}

/** What a memory term can see. */
export interface MemoryContext {
  readonly t: number;
  readonly proc: Proc;
  readonly ageMs: number;
  /** Worker processes live at t (masters excluded), at least 1. */
  readonly workers: number;
  readonly traffic: RateTrack | null;
  readonly jobs: ReadonlyMap<string, RateTrack>;
}

/** Extra resident memory in MiB. */
export type MemoryTerm = (ctx: MemoryContext) => number;

export interface Shape {
  /** Settled size of a worker, MiB; each slot differs by up to +-spreadMiB. */
  readonly baseMiB: number;
  readonly spreadMiB: number;
  /** Scrape-to-scrape noise, MiB (standard deviation). */
  readonly noiseMiB: number;
  /** A garbage-collector sawtooth (slow rise, sudden drop); amplitude 0 for none. */
  readonly sawtoothMiB: number;
  readonly sawtoothPeriodMs: number;
  /** A new process starts this much lower and approaches its settled size. */
  readonly warmupMiB: number;
  readonly warmupTauMs: number;
  /** Memory terms by slot; 'all' applies to every worker slot. */
  readonly terms: readonly { readonly slots: readonly number[] | 'all'; readonly term: MemoryTerm }[];
}

/** Resident bytes of one process at t, before any exporter nuisance. */
export function residentBytes(shape: Shape, seed: number, ctx: MemoryContext): number {
  const { proc } = ctx;
  if (proc.master) {
    const masterMiB = 38 + 20 * noise(seed, 901, proc.slot);
    return pages(masterMiB + 0.3 * gaussianNoise(seed, 902, proc.key, Math.round(ctx.t / 1000)));
  }
  let miB = shape.baseMiB + shape.spreadMiB * (2 * noise(seed, 11, proc.slot) - 1);
  if (shape.warmupMiB > 0) miB -= shape.warmupMiB * Math.exp(-ctx.ageMs / shape.warmupTauMs);
  if (shape.sawtoothMiB > 0) {
    const phase = noise(seed, 13, proc.key);
    const cycle = (((ctx.t / shape.sawtoothPeriodMs + phase) % 1) + 1) % 1;
    miB += shape.sawtoothMiB * (cycle - 0.5);
  }
  for (const { slots, term } of shape.terms) {
    if (slots === 'all' || slots.includes(proc.slot)) miB += term(ctx);
  }
  miB += shape.noiseMiB * gaussianNoise(seed, 17, proc.key, Math.round(ctx.t / 1000));
  return pages(miB);
}

/** RSS is counted in 4 KiB pages and is never below a few MiB for a Python process. */
function pages(miB: number): number {
  return Math.round((Math.max(8, miB) * MIB) / 4096) * 4096;
}

// ------------------------------------------------------------------- memory terms

/** Steady growth of rate MiB/h from `sinceMs` or the process start, whichever is later. */
export function linearGrowth(miBPerHour: number, sinceMs = -Infinity, untilMs = Infinity): MemoryTerm {
  return ({ t, proc }) => (miBPerHour * Math.max(0, Math.min(t, untilMs) - Math.max(proc.bornMs, sinceMs))) / HOUR;
}

/** Growth in steps: `stepMiB` at each of `stepTimes` the process lived through (a ratchet). */
export function ratchet(stepMiB: number, stepTimes: readonly number[]): MemoryTerm {
  return ({ t, proc }) => {
    let n = 0;
    for (const s of stepTimes) if (s > proc.bornMs && s <= t) n++;
    return n * stepMiB;
  };
}

/** Memory that tracks this worker's share of recent traffic, capped (a TTL cache, in-flight payloads). */
export function trafficLevel(miBPerRps: number, tauMs: number, capMiB = Infinity): MemoryTerm {
  return ({ t, traffic, workers }) => (traffic ? Math.min(capMiB, (miBPerRps * traffic.smooth(t, tauMs)) / workers) : 0);
}

/** Objects kept per request served by this process, never freed while it lives. */
export function retainedPerRequest(miBPerRequest: number, capMiB = Infinity): MemoryTerm {
  return ({ t, proc, traffic, workers }) => {
    if (!traffic) return 0;
    const served = (traffic.count(t) - traffic.count(Math.max(proc.bornMs, traffic.fromMs))) / workers;
    return Math.min(capMiB, miBPerRequest * served);
  };
}

/** Grows at `miBPerHour` only inside the given spans (a queue filling while nobody drains it). */
export function growthDuring(miBPerHour: number, spans: readonly (readonly [number, number])[]): MemoryTerm {
  return ({ t, proc }) => {
    let ms = 0;
    for (const [a, b] of spans) ms += Math.max(0, Math.min(b, t) - Math.max(a, proc.bornMs));
    return (miBPerHour * ms) / HOUR;
  };
}

/** Memory held while one job type runs: per job start/s of recent activity, shared by the workers. */
export function jobHeld(name: string, miBPerRate: number, tauMs: number): MemoryTerm {
  return ({ t, jobs, workers }) => {
    const track = jobs.get(name);
    return track ? (miBPerRate * track.smooth(t, tauMs)) / workers : 0;
  };
}

/** Memory kept after each run of one job type, never freed while the process lives. */
export function jobKept(name: string, miBPerRun: number): MemoryTerm {
  return ({ t, proc, jobs, workers }) => {
    const track = jobs.get(name);
    if (!track) return 0;
    return (miBPerRun * (track.count(t) - track.count(Math.max(proc.bornMs, track.fromMs)))) / workers;
  };
}

// ------------------------------------------------------------------- rate shapes

export function steady(rps: number): Rate {
  return () => rps;
}

/** A daily cycle with its peak at `peakHourUtc`; `swing` 0..1. */
export function daily(meanRps: number, swing: number, peakHourUtc: number): Rate {
  return (t) => meanRps * (1 + swing * Math.cos(((t / HOUR - peakHourUtc) / 24) * 2 * Math.PI));
}

/** `factor` times the shape between from and to, with soft edges. */
export function burst(shape: Rate, fromMs: number, toMs: number, factor: number, edgeMs = 3 * MINUTE): Rate {
  return (t) => {
    const up = smoothstep((t - fromMs) / edgeMs);
    const down = 1 - smoothstep((t - toMs) / edgeMs);
    return shape(t) * (1 + (factor - 1) * Math.min(up, down));
  };
}

/** Runs of `runMs` every `everyMs` from `offsetMs`, at `rps` while running. */
export function periodic(rps: number, everyMs: number, runMs: number, offsetMs: number): Rate {
  return (t) => {
    const into = (((t - offsetMs) % everyMs) + everyMs) % everyMs;
    return into < runMs ? rps : 0;
  };
}

/** A random telegraph of busy and quiet stretches (deterministic from the seed). */
export function busyQuiet(busyRps: number, quietRps: number, meanBusyMs: number, meanQuietMs: number, fromMs: number, toMs: number, seed: number): Rate {
  const edges: number[] = [];
  let t = fromMs - noise(seed, 1) * meanBusyMs;
  let busy = true;
  let k = 0;
  while (t < toMs) {
    edges.push(t);
    const mean = busy ? meanBusyMs : meanQuietMs;
    t += mean * (0.5 + noise(seed, 2, k++));
    busy = !busy;
  }
  return (time) => {
    let i = 0;
    while (i + 1 < edges.length && edges[i + 1]! <= time) i++;
    return i % 2 === 0 ? busyRps : quietRps;
  };
}

function smoothstep(x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return x * x * (3 - 2 * x);
}
