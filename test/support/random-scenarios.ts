/**
 * Randomised scenarios, drawn from broad parameter ranges, to check that the classifier
 * generalises beyond the hand-written set (which it was tuned on). Same labels, new draws.
 */

import type { PatternId } from '../../src/domain/diagnosis';
import { Rng } from '../../src/simulation/random';
import {
  constant,
  diurnal,
  growsDuring,
  jobLevel,
  leak,
  periodicRuns,
  retainedPerRequest,
  trafficLevel,
  withBurst,
  withIdle,
  type RateFn,
  type ScenarioSpec,
} from '../../src/simulation/model';
import type { Scenario } from './scenario-set';

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
const END = Date.UTC(2026, 5, 10, 9, 30, 0);
const WINDOWS = [1 * H, 3 * H, 6 * H, 12 * H, 24 * H, 3 * D, 7 * D];

function base(rng: Rng, service: string): ScenarioSpec {
  const window = rng.pick(WINDOWS);
  const instances = rng.pick([1, 1, 2, 3, 4, 8]);
  const perInstance = rng.pick([2, 3, 4, 6, 8]);
  const baseMiB = rng.between(120, 700);
  const traffic = rng.next() < 0.5 ? diurnal(rng.between(20, 400), rng.between(0.2, 0.6)) : constant(rng.between(10, 300));
  return {
    service,
    endMs: END,
    windowMs: window,
    scrapeMs: window >= 3 * D ? 60_000 : rng.pick([15_000, 30_000]),
    seed: rng.int(1, 1_000_000),
    instances,
    workersPerInstance: Math.min(perInstance, Math.max(2, Math.floor(64 / instances))),
    baseMiB,
    baseSpreadMiB: baseMiB * rng.between(0.02, 0.12),
    noiseMiB: rng.between(1, 6),
    ...(rng.next() < 0.4 ? { sawtooth: { amplitudeMiB: rng.between(5, 30), periodMs: rng.between(5, 40) * MIN } } : {}),
    ...(rng.next() < 0.3 ? { missingScrapeRate: rng.between(0.01, 0.06) } : {}),
    ...(rng.next() < 0.4 ? { warmup: { MiB: rng.between(20, 80), tauMs: rng.between(3, 20) * MIN } } : {}),
    traffic,
  };
}

const at = (s: ScenarioSpec, fraction: number): number => s.endMs - s.windowMs + s.windowMs * fraction;
const workers = (s: ScenarioSpec): number => s.instances * s.workersPerInstance;
/** Growth per hour that adds `share` of the base size over the window. */
const ratePerHour = (s: ScenarioSpec, share: number): number => (s.baseMiB * share) / (s.windowMs / H);

function maybeDeploy(rng: Rng, s: ScenarioSpec): ScenarioSpec {
  return rng.next() < 0.25 ? { ...s, lifecycle: { ...s.lifecycle, deploysAtMs: [at(s, rng.between(0.3, 0.7))] } } : s;
}

type Maker = (rng: Rng, id: string) => ScenarioSpec;

const MAKERS: Record<Exclude<PatternId, 'mixed'>, Maker> = {
  stable: (rng, id) => {
    let s = base(rng, id);
    if (rng.next() < 0.3) s = { ...s, traffic: withBurst(s.traffic!, at(s, 0.4), at(s, 0.5), rng.between(2, 4)) };
    if (rng.next() < 0.3) s = { ...s, lifecycle: { recycleEveryMs: Math.max(30 * MIN, s.windowMs / rng.between(3, 8)) } };
    if (rng.next() < 0.3) s = { ...s, limitMiB: workers(s) * s.baseMiB * rng.between(2, 4) };
    return maybeDeploy(rng, s);
  },
  'one-worker-growing': (rng, id) => {
    const s = base(rng, id);
    const n = workers(s);
    const leakers = n >= 12 && rng.next() < 0.4 ? 2 : 1;
    const slots = Array.from({ length: leakers }, () => rng.int(0, n - 1));
    return maybeDeploy(rng, { ...s, terms: slots.map((slot) => ({ slots: [slot], term: leak(ratePerHour(s, rng.between(0.25, 1.2))) })) });
  },
  'all-workers-growing': (rng, id) => {
    const s = base(rng, id);
    const rate = ratePerHour(s, rng.between(0.2, 0.9));
    return maybeDeploy(rng, { ...s, terms: [{ slots: 'all', term: leak(rate * rng.between(0.85, 1.15)) }] });
  },
  'all-workers-large-stable': (rng, id) => {
    const s = base(rng, id);
    const big = { ...s, baseMiB: rng.between(600, 1800) };
    return maybeDeploy(rng, { ...big, limitMiB: (workers(big) * big.baseMiB) / rng.between(0.8, 0.95) });
  },
  'worker-count-jump': (rng, id) => {
    const s = base(rng, id);
    const to = s.workersPerInstance * rng.pick([1.5, 2, 2, 3]);
    return { ...s, lifecycle: { scale: [{ atMs: at(s, rng.between(0.3, 0.7)), workersPerInstance: Math.round(to) }] } };
  },
  'follows-traffic': (rng, id) => {
    const s = base(rng, id);
    const mean = rng.between(30, 300);
    const shapes: RateFn[] = [
      diurnal(mean, rng.between(0.6, 0.9)),
      withBurst(constant(mean), at(s, rng.between(0.2, 0.4)), at(s, rng.between(0.5, 0.7)), rng.between(3, 6)),
      withBurst(withBurst(constant(mean), at(s, 0.15), at(s, 0.3), 4), at(s, 0.6), at(s, 0.75), 4),
    ];
    const traffic = s.windowMs >= 24 * H ? shapes[rng.int(0, 2)]! : shapes[rng.int(1, 2)]!;
    // Memory swing at peak: 15-60% of a worker.
    const perRps = (s.baseMiB * rng.between(0.15, 0.6)) / ((mean * 3) / workers(s));
    return { ...s, traffic, terms: [{ slots: 'all', term: trafficLevel(perRps, rng.between(3, 20) * MIN) }] };
  },
  'high-while-idle': (rng, id) => {
    const s = base(rng, id);
    const rps = rng.between(20, 200);
    const idleFrom = rng.between(0.4, 0.65);
    const traffic = withIdle(constant(rps), at(s, idleFrom), s.endMs + H);
    const busyHours = (s.windowMs * idleFrom) / H;
    const perWorkerRps = rps / workers(s);
    const per1k = (s.baseMiB * rng.between(0.2, 0.6) * 1000) / (perWorkerRps * 3600 * busyHours);
    const terms =
      rng.next() < 0.5
        ? [{ slots: 'all' as const, term: retainedPerRequest(per1k, Infinity, at(s, 0)) }]
        : [{ slots: 'all' as const, term: growsDuring(ratePerHour(s, rng.between(0.3, 0.8)) * 1.8, [[at(s, idleFrom + 0.02), s.endMs + H]]) }];
    return { ...s, traffic, terms };
  },
  'job-driven': (rng, id) => {
    const s = base(rng, id);
    const every = Math.max(s.windowMs / rng.between(3, 6), 20 * MIN);
    const runs = every * rng.between(0.15, 0.3);
    const rate = rng.between(0.05, 0.5);
    const swing = s.baseMiB * rng.between(0.3, 1);
    const holdMs = Math.min(runs / 2, 10 * MIN);
    return {
      ...s,
      traffic: rng.next() < 0.5 ? null : s.traffic,
      jobs: [
        { name: 'heavy_job', rate: periodicRuns(rate, every, runs, rng.between(0, every)) },
        { name: 'light_job', rate: constant(rng.between(0.5, 3)) },
        { name: 'other_job', rate: (t) => 1 + 0.5 * Math.sin(t / (rng.between(1, 3) * H)) },
      ],
      terms: [{ slots: 'all', term: jobLevel('heavy_job', (swing * workers(s)) / rate, holdMs) }],
    };
  },
};

export function randomScenarios(perLabel: number, seed = 4242): Scenario[] {
  const rng = new Rng(seed);
  const out: Scenario[] = [];
  for (const [label, make] of Object.entries(MAKERS) as [Exclude<PatternId, 'mixed'>, Maker][]) {
    for (let i = 0; i < perLabel; i++) {
      const id = `rnd-${label}-${i}`;
      out.push({ id, label, why: 'random draw', spec: make(rng, id) });
    }
  }
  return out;
}


