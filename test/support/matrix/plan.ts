/**
 * A matrix case as a plan (processes, rates, scrape behaviour) and its emission as the raw
 * scrapes a Prometheus would have stored: one sample per successful scrape, `up` per attempt.
 *
 * Every nuisance is written here from what the real thing does:
 * - a target that is down: its scrapes fail, `up` is 0, none of its series get samples;
 * - Prometheus itself down: nothing is written at all, `up` included;
 * - a failed scrape now and then: `up` 0 for that one attempt;
 * - a scrape interval that changes mid-window (a config reload);
 * - scrape timestamps jittered around the interval (Prometheus spreads targets, and a slow
 *   exporter delays them);
 * - an exporter that now and then reports a wrong value for one sample;
 * - an HA pair merged without deduplication: every series twice, with a `replica` label and
 *   slightly different scrape times;
 * - relabelling changed mid-window: every series gets a new label, so its label set changes;
 * - a container restart: every process on the target dies and comes back with the same pids
 *   (a new pid namespace), counters start from zero, the target is down while it restarts.
 */

import type { MetricFamily, Sample, SeriesData } from '../openmetrics';
import { gaussianNoise, noise } from './rng';
import { MINUTE, MIB, RateTrack, residentBytes, type MemoryContext, type Proc, type Rate, type Shape } from './world';

export interface Span {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface ScaleUp {
  readonly atMs: number;
  /** Workers added to each existing instance (Gunicorn TTIN, Celery concurrency). */
  readonly addPerInstance: number;
  /** New instances (pods) added, each with the usual number of workers. */
  readonly addInstances: number;
}

export interface Lifecycle {
  readonly instances: number;
  readonly workersPerInstance: number;
  readonly scaleUps: readonly ScaleUp[];
  /** Every process replaced at these times; counters reset. */
  readonly deploysMs: readonly number[];
  /** Each worker replaced after about this long (max_requests). */
  readonly recycleEveryMs: number | null;
  /** One worker killed and respawned (a new pid in its slot). */
  readonly kills: readonly { readonly slot: number; readonly atMs: number }[];
  /** All processes of one instance restart after a pause, with the same pids. */
  readonly containerRestarts: readonly { readonly instance: number; readonly atMs: number; readonly pauseMs: number }[];
  /** Pids count up from 7 inside each container instead of being unique machine-wide. */
  readonly containerPids: boolean;
  /** The master process is exported too. */
  readonly masters: boolean;
}

export interface ScrapeBehaviour {
  /** Scrape interval from each time on; the first entry applies from the start. */
  readonly intervals: readonly { readonly fromMs: number; readonly intervalMs: number }[];
  /** Uniform jitter of each scrape time, as a share of the interval. */
  readonly jitterShare: number;
  /** Share of scrape attempts that fail. */
  readonly failedShare: number;
  /** Targets down (by instance index), or every target with instance -1. */
  readonly targetDown: readonly (Span & { readonly instance: number })[];
  /** Prometheus itself not running: no samples, no `up`. */
  readonly prometheusDown: readonly Span[];
  /** Share of memory samples an exporter reports wrongly. */
  readonly outlierShare: number;
  readonly haPair: boolean;
  /** From this time every series carries one more label. */
  readonly relabelAtMs: number | null;
}

export interface CasePlan {
  readonly service: string;
  readonly seed: number;
  readonly endMs: number;
  readonly windowMs: number;
  readonly shape: Shape;
  readonly traffic: Rate | null;
  readonly jobs: readonly { readonly name: string; readonly rate: Rate }[];
  /** Budget for all workers of the service, bytes; emitted per instance like cAdvisor does. */
  readonly limitBytes: number | null;
  readonly lifecycle: Lifecycle;
  readonly scrape: ScrapeBehaviour;
}

/** Data starts this long before the window: processes and counters exist before it. */
export const LEAD_MS = 40 * MINUTE;

export function instanceName(index: number): string {
  return `10.2.${Math.floor(index / 200) + 17}.${(index % 200) + 20}:9200`;
}

interface InstanceLife {
  readonly index: number;
  readonly name: string;
  readonly fromMs: number;
}

export interface BuiltCase {
  readonly procs: readonly Proc[];
  readonly instances: readonly InstanceLife[];
  /** Per instance, times its counters start again from zero. */
  readonly counterResets: ReadonlyMap<number, readonly number[]>;
}

export function buildProcesses(plan: CasePlan): BuiltCase {
  const { lifecycle: lc, seed } = plan;
  const fromMs = plan.endMs - plan.windowMs - LEAD_MS;
  const endMs = plan.endMs;
  const instances: InstanceLife[] = [];
  for (let i = 0; i < lc.instances; i++) instances.push({ index: i, name: instanceName(i), fromMs });
  let nextIndex = lc.instances;
  // A slot: one worker position on one instance, existing from `fromMs`.
  const slots: { slot: number; instance: number; fromMs: number }[] = [];
  let nextSlot = 0;
  for (let i = 0; i < lc.instances; i++) for (let w = 0; w < lc.workersPerInstance; w++) slots.push({ slot: nextSlot++, instance: i, fromMs });
  for (const up of lc.scaleUps) {
    const existing = instances.length;
    for (let i = 0; i < existing; i++) {
      for (let w = 0; w < up.addPerInstance; w++) slots.push({ slot: nextSlot++, instance: i, fromMs: up.atMs + 1_500 + 400 * w });
    }
    for (let k = 0; k < up.addInstances; k++) {
      const index = nextIndex++;
      // A new pod: its target appears when its exporter first answers.
      instances.push({ index, name: instanceName(index), fromMs: up.atMs + 20_000 });
      for (let w = 0; w < lc.workersPerInstance; w++) slots.push({ slot: nextSlot++, instance: index, fromMs: up.atMs + 25_000 + 400 * w });
    }
  }

  const pidCounters = new Map<number, number>();
  let globalPid = 1000 + Math.floor(noise(seed, 3) * 40_000);
  const newPid = (instance: number): number => {
    if (!lc.containerPids) return globalPid++;
    const next = (pidCounters.get(instance) ?? 7) + 1;
    pidCounters.set(instance, next);
    return next;
  };

  const procs: Proc[] = [];
  let key = 0;
  // Masters: one per instance, alive all along (restarted with their container).
  if (lc.masters) {
    for (const inst of instances) {
      procs.push({ key: key++, slot: -1 - inst.index, instance: inst.name, pid: lc.containerPids ? 7 : globalPid++, bornMs: inst.fromMs - 3 * 3_600_000, diedMs: null, master: true });
    }
  }
  const counterResets = new Map<number, number[]>();
  for (const d of lc.deploysMs) for (const inst of instances) pushTo(counterResets, inst.index, d);

  for (const s of slots) {
    const restarts = lc.containerRestarts.filter((r) => r.instance === s.instance);
    for (const r of restarts) pushTo(counterResets, s.instance, r.atMs + r.pauseMs);
    // The times this slot's process is replaced, and by how long the successor is delayed.
    const cuts: { at: number; pause: number; reusePid: boolean }[] = [
      ...lc.deploysMs.map((at) => ({ at, pause: 2_000 + 3_000 * noise(seed, 5, s.slot), reusePid: false })),
      ...lc.kills.filter((k) => k.slot === s.slot).map((k) => ({ at: k.atMs, pause: 1_000, reusePid: false })),
      ...restarts.map((r) => ({ at: r.atMs, pause: r.pauseMs, reusePid: true })),
    ]
      .filter((c) => c.at > s.fromMs && c.at < endMs)
      .sort((a, b) => a.at - b.at);
    let born = s.fromMs === fromMs ? fromMs - 3_600_000 * (1 + 5 * noise(seed, 7, s.slot)) : s.fromMs;
    let pid = newPid(s.instance);
    let generation = 0;
    for (;;) {
      let died: number | null = null;
      let pause = 1_500;
      let reuse = false;
      const nextCut = cuts.find((c) => c.at > born + 1_000);
      if (lc.recycleEveryMs !== null) {
        const life = lc.recycleEveryMs * (0.7 + 0.6 * noise(seed, 9, s.slot, generation));
        const due = Math.max(born, fromMs - lc.recycleEveryMs * noise(seed, 10, s.slot)) + life;
        if (due < endMs && (nextCut === undefined || due < nextCut.at)) died = due;
      }
      if (died === null && nextCut !== undefined) {
        died = nextCut.at;
        pause = nextCut.pause;
        reuse = nextCut.reusePid;
      }
      procs.push({ key: key++, slot: s.slot, instance: instanceName(s.instance), pid, bornMs: born, diedMs: died, master: false });
      if (died === null) break;
      born = died + pause;
      generation++;
      if (born >= endMs) break;
      if (!reuse) pid = newPid(s.instance);
    }
  }
  return { procs, instances, counterResets };
}

function pushTo(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

/** Scrape attempt times of one target between from and to. */
function attemptTimes(plan: CasePlan, instance: InstanceLife, replica: number): number[] {
  const { scrape, seed } = plan;
  const times: number[] = [];
  const phaseShare = noise(seed, 21, instance.index, replica);
  const intervals = [...scrape.intervals].sort((a, b) => a.fromMs - b.fromMs);
  let t = instance.fromMs + phaseShare * intervals[0]!.intervalMs;
  let k = 0;
  while (t <= plan.endMs) {
    const interval = [...intervals].reverse().find((i) => i.fromMs <= t)?.intervalMs ?? intervals[0]!.intervalMs;
    const jitter = scrape.jitterShare > 0 ? (2 * noise(seed, 23, instance.index, replica, k) - 1) * scrape.jitterShare * interval : 0;
    const at = Math.round(t + jitter);
    if (at > (times[times.length - 1] ?? -Infinity) && at <= plan.endMs) times.push(at);
    t += interval;
    k++;
  }
  return times;
}

const inSpans = (t: number, spans: readonly Span[]): boolean => spans.some((s) => t >= s.fromMs && t < s.toMs);

/** The families a real Prometheus would hold for the case, ready for promtool. */
export function emit(plan: CasePlan): MetricFamily[] {
  const built = buildProcesses(plan);
  const { scrape, seed } = plan;
  const fromMs = plan.endMs - plan.windowMs - LEAD_MS;
  const traffic = plan.traffic ? new RateTrack(plan.traffic, fromMs - 3 * 3_600_000, plan.endMs + MINUTE) : null;
  const jobs = new Map(plan.jobs.map((j) => [j.name, new RateTrack(j.rate, fromMs - 3 * 3_600_000, plan.endMs + MINUTE)] as const));
  const workersAt = workerCounter(built.procs);
  const replicas = scrape.haPair ? [0, 1] : [0];

  const memory: SeriesData[] = [];
  const up: SeriesData[] = [];
  const requests: SeriesData[] = [];
  const jobStarts: SeriesData[] = [];
  const limits: SeriesData[] = [];

  for (const inst of built.instances) {
    const procsHere = built.procs.filter((p) => p.instance === inst.name);
    const restarts = plan.lifecycle.containerRestarts.filter((r) => r.instance === inst.index);
    for (const replica of replicas) {
      const times = attemptTimes(plan, inst, replica);
      const upSamples: Sample[] = [];
      const perProc = new Map<number, Sample[]>();
      const relabelled = new Map<number, Sample[]>();
      const okTimes: number[] = [];
      for (let k = 0; k < times.length; k++) {
        const t = times[k]!;
        if (inSpans(t, scrape.prometheusDown)) continue;
        const down =
          inSpans(t, scrape.targetDown.filter((d) => d.instance === -1 || d.instance === inst.index)) ||
          restarts.some((r) => t >= r.atMs && t < r.atMs + r.pauseMs) ||
          (scrape.failedShare > 0 && noise(seed, 31, inst.index, replica, k) < scrape.failedShare);
        upSamples.push({ tSeconds: t / 1000, value: down ? 0 : 1 });
        if (down) continue;
        okTimes.push(t);
        for (const proc of procsHere) {
          if (t < proc.bornMs || (proc.diedMs !== null && t >= proc.diedMs)) continue;
          const ctx: MemoryContext = { t, proc, ageMs: t - proc.bornMs, workers: workersAt(t), traffic, jobs };
          let bytes = residentBytes(plan.shape, seed, ctx);
          if (scrape.outlierShare > 0 && noise(seed, 37, proc.key, k) < scrape.outlierShare) {
            const spike = noise(seed, 38, proc.key, k) < 0.7;
            bytes = Math.round((bytes * (spike ? 1.3 + 1.7 * noise(seed, 39, proc.key, k) : 0.25 + 0.4 * noise(seed, 39, proc.key, k))) / 4096) * 4096;
          }
          const target = scrape.relabelAtMs !== null && t >= scrape.relabelAtMs ? relabelled : perProc;
          const list = target.get(proc.key) ?? [];
          list.push({ tSeconds: t / 1000, value: bytes });
          target.set(proc.key, list);
        }
      }
      const extra = (after: boolean): Record<string, string> => ({
        ...(scrape.haPair ? { replica: replica === 0 ? 'prom-a' : 'prom-b' } : {}),
        ...(after ? { pod_template_hash: '7d9f8c6b5' } : {}),
      });
      for (const proc of procsHere) {
        const base = { job: plan.service, instance: inst.name, pid: String(proc.pid) };
        // Processes that reuse a pid after a container restart share one label set, so one series.
        for (const [map, after] of [[perProc, false], [relabelled, true]] as const) {
          const samples = map.get(proc.key);
          if (!samples || samples.length === 0) continue;
          const labels = { ...base, ...extra(after) };
          const existing = memory.find((m) => sameLabels(m.labels, labels));
          if (existing) (existing.samples as Sample[]).push(...samples);
          else memory.push({ labels, samples });
        }
      }
      up.push({ labels: { job: plan.service, instance: inst.name, ...extra(false) }, samples: upSamples });
      if (traffic) {
        requests.push({
          labels: { job: plan.service, instance: inst.name, ...extra(false) },
          samples: counterSamples(okTimes, built.counterResets.get(inst.index) ?? [], (a, b) => shareOf(traffic, a, b, inst.name, built.procs), seed, inst.index),
        });
      }
      for (const [name, track] of jobs) {
        jobStarts.push({
          labels: { job: plan.service, instance: inst.name, name, ...extra(false) },
          samples: counterSamples(okTimes, built.counterResets.get(inst.index) ?? [], (a, b) => shareOf(track, a, b, inst.name, built.procs), seed, inst.index + 7919),
        });
      }
      if (plan.limitBytes !== null && replica === 0) {
        // cAdvisor's view: one line per pod; the default query sums them.
        const perInstance = plan.limitBytes / plan.lifecycle.instances;
        limits.push({
          labels: { job: 'kubelet', container: plan.service, pod: `${plan.service}-${inst.index}` },
          samples: okTimes.filter((_, i) => i % 4 === 0).map((t) => ({ tSeconds: t / 1000, value: Math.round(perInstance) })),
        });
      }
    }
  }
  for (const m of memory) (m.samples as Sample[]).sort((a, b) => a.tSeconds - b.tSeconds);
  const families: MetricFamily[] = [
    { name: 'process_resident_memory_bytes', type: 'gauge', series: memory.filter((m) => [...m.samples].length > 0) },
    { name: 'up', type: 'gauge', series: up },
  ];
  if (requests.length > 0) families.push({ name: 'http_requests_total', type: 'counter', series: requests });
  if (jobStarts.length > 0) families.push({ name: 'celery_task_started_total', type: 'counter', series: jobStarts });
  if (limits.length > 0) families.push({ name: 'container_spec_memory_limit_bytes', type: 'gauge', series: limits });
  return families;
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Live worker processes (not masters) at t, at least 1: memory terms share load per worker. */
function workerCounter(procs: readonly Proc[]): (t: number) => number {
  const workers = procs.filter((p) => !p.master);
  const cache = new Map<number, number>();
  return (t) => {
    const key = Math.floor(t / 10_000);
    let n = cache.get(key);
    if (n === undefined) {
      const at = key * 10_000;
      n = 0;
      for (const p of workers) if (p.bornMs <= at && (p.diedMs === null || p.diedMs > at)) n++;
      n = Math.max(1, n);
      cache.set(key, n);
    }
    return n;
  };
}

/** Events of a service-wide rate handled by one instance between a and b (its share of live workers). */
function shareOf(track: RateTrack, a: number, b: number, instance: string, procs: readonly Proc[]): number {
  const mid = (a + b) / 2;
  let here = 0;
  let all = 0;
  for (const p of procs) {
    if (p.master || p.bornMs > mid || (p.diedMs !== null && p.diedMs <= mid)) continue;
    all++;
    if (p.instance === instance) here++;
  }
  return all === 0 ? 0 : ((track.count(b) - track.count(a)) * here) / all;
}

/** A counter scraped at `times`: events since its last reset, with Poisson-like noise. */
function counterSamples(times: readonly number[], resets: readonly number[], between: (a: number, b: number) => number, seed: number, key: number): Sample[] {
  const out: Sample[] = [];
  let value = 0;
  let prev: number | null = null;
  for (let k = 0; k < times.length; k++) {
    const t = times[k]!;
    if (prev !== null && resets.some((r) => r > prev! && r <= t)) {
      value = 0;
      const reset = [...resets].filter((r) => r > prev! && r <= t).pop()!;
      value += Math.max(0, between(reset, t));
    } else if (prev !== null) {
      const expected = Math.max(0, between(prev, t));
      value += Math.max(0, expected + Math.sqrt(expected) * 0.5 * gaussianNoise(seed, 41, key, k));
    }
    out.push({ tSeconds: t / 1000, value: Math.round(value) });
    prev = t;
  }
  return out;
}

export { MIB };
