/**
 * The labelled scenario set: simulated services with a known pattern, with the noise and
 * confounders real incidents have (GC sawtooth, missed scrapes, recycled workers, deploys that
 * replace every pid, counter resets, diurnal traffic over a leak, a traffic spike during a
 * one-worker leak). Windows from 1 h to 7 d, 2 to 64 workers.
 */

import type { ComponentPattern, PatternId } from '../../src/domain/diagnosis';
import {
  constant,
  diurnal,
  growsDuring,
  jobLevel,
  jobRatchet,
  leak,
  periodicRuns,
  retainedPerRequest,
  stepUp,
  trafficLevel,
  withBurst,
  withIdle,
  type ScenarioSpec,
} from '../../src/simulation/model';

export interface Scenario {
  readonly id: string;
  readonly label: PatternId;
  /** For `mixed`: the patterns that must be named. */
  readonly components?: readonly ComponentPattern[];
  readonly why: string;
  readonly spec: ScenarioSpec;
}

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
/** Monday 2 March 2026, noon UTC: every scenario window ends here. */
export const SCENARIO_END_MS = Date.UTC(2026, 2, 2, 12, 0, 0);
const END = SCENARIO_END_MS;

let seed = 100;
function spec(service: string, window: number, partial: Omit<Partial<ScenarioSpec>, 'service' | 'windowMs'>): ScenarioSpec {
  seed += 7;
  return {
    service,
    endMs: END,
    windowMs: window,
    scrapeMs: window >= 3 * D ? 60_000 : 15_000,
    seed,
    instances: 1,
    workersPerInstance: 4,
    baseMiB: 280,
    noiseMiB: 3,
    traffic: constant(40),
    ...partial,
  };
}

/** Time `fraction` of the way into a window ending at END. */
const at = (window: number, fraction: number): number => END - window + window * fraction;

const scenarios: Scenario[] = [];
function add(id: string, label: PatternId, why: string, s: ScenarioSpec, components?: ComponentPattern[]): void {
  scenarios.push(components ? { id, label, why, spec: s, components } : { id, label, why, spec: s });
}

// ------------------------------------------------------------------ stable
add('stable-8w-6h', 'stable', 'flat workers, steady traffic, scrape noise', spec('st-a', 6 * H, { instances: 2, workersPerInstance: 4, noiseMiB: 4 }));
add('stable-diurnal-sawtooth-24h', 'stable', 'diurnal traffic and a GC sawtooth, well within the limit', spec('st-b', 24 * H, {
  workersPerInstance: 4, traffic: diurnal(60, 0.6), sawtooth: { amplitudeMiB: 30, periodMs: 20 * MIN }, limitMiB: 8192,
}));
add('stable-recycled-6h', 'stable', 'max_requests recycles every ~45 min; each new pid warms up and levels off', spec('st-c', 6 * H, {
  instances: 2, workersPerInstance: 8, warmup: { MiB: 60, tauMs: 8 * MIN }, lifecycle: { recycleEveryMs: 45 * MIN },
}));
add('stable-2w-1h-missing', 'stable', 'two workers, one hour, 5% of scrapes missing', spec('st-d', 1 * H, {
  workersPerInstance: 2, missingScrapeRate: 0.05, noiseMiB: 5,
}));
add('stable-32w-7d-deploy', 'stable', 'a week with a deploy on day 3 replacing every pid, counters reset', spec('st-e', 7 * D, {
  instances: 4, workersPerInstance: 8, traffic: diurnal(300, 0.5), warmup: { MiB: 50, tauMs: 15 * MIN },
  lifecycle: { deploysAtMs: [at(7 * D, 0.4)] },
}));
add('stable-warmup-plateau-6h', 'stable', 'a deploy early in the window; workers warm up by 150 MiB and level off', spec('st-f', 6 * H, {
  workersPerInstance: 6, warmup: { MiB: 150, tauMs: 35 * MIN }, lifecycle: { deploysAtMs: [at(6 * H, 0.08)] },
}));
add('stable-64w-spike-24h', 'stable', '64 workers, a 3x traffic spike memory does not respond to', spec('st-g', 24 * H, {
  instances: 8, workersPerInstance: 8, traffic: withBurst(diurnal(500, 0.4), at(24 * H, 0.55), at(24 * H, 0.6), 3), noiseMiB: 4,
}));
add('stable-idle-night-24h', 'stable', 'traffic near zero overnight, memory flat all along', spec('st-h', 24 * H, {
  workersPerInstance: 8, traffic: withIdle(constant(80), at(24 * H, 0.55), at(24 * H, 0.75)),
}));

// ------------------------------------------------------------------ one worker growing
add('one-8w-6h', 'one-worker-growing', 'pid in slot 5 leaks 68 MiB/h', spec('ow-a', 6 * H, {
  instances: 2, workersPerInstance: 4, terms: [{ slots: [5], term: leak(68) }], limitMiB: 4096,
}));
add('one-diurnal-16w-24h', 'one-worker-growing', 'one slow leak under diurnal traffic and sawtooth', spec('ow-b', 24 * H, {
  instances: 2, workersPerInstance: 8, traffic: diurnal(200, 0.7), sawtooth: { amplitudeMiB: 18, periodMs: 25 * MIN },
  terms: [{ slots: [3], term: leak(15) }],
}));
add('one-traffic-spike-4w-6h', 'one-worker-growing', 'a 4x traffic spike mid-window during a one-worker leak', spec('ow-c', 6 * H, {
  workersPerInstance: 4, traffic: withBurst(constant(30), at(6 * H, 0.45), at(6 * H, 0.56), 4),
  terms: [{ slots: [2], term: leak(40) }],
}));
add('one-7d-deploy-12w', 'one-worker-growing', 'a slow leak over a week; a deploy on day 4 restarts it', spec('ow-d', 7 * D, {
  instances: 3, workersPerInstance: 4, traffic: diurnal(120, 0.5), lifecycle: { deploysAtMs: [at(7 * D, 0.55)] },
  terms: [{ slots: [7], term: leak(4) }],
}));
add('one-2w-1h', 'one-worker-growing', 'two workers, one leaking fast, one hour', spec('ow-e', 1 * H, {
  workersPerInstance: 2, terms: [{ slots: [1], term: leak(120) }],
}));
add('few-32w-6h', 'one-worker-growing', 'two of 32 workers grow while the rest are flat', spec('ow-f', 6 * H, {
  instances: 4, workersPerInstance: 8, terms: [{ slots: [4], term: leak(25) }, { slots: [19], term: leak(40) }],
}));
add('one-hockey-stick-8w-6h', 'one-worker-growing', 'one worker starts growing 40% into the window (a hot path started)', spec('ow-g', 6 * H, {
  workersPerInstance: 8, terms: [{ slots: [6], term: leak(55, at(6 * H, 0.4)) }],
}));

// ------------------------------------------------------------------ all workers growing
add('all-8w-6h', 'all-workers-growing', 'every worker grows ~20 MiB/h', spec('aw-a', 6 * H, {
  instances: 2, workersPerInstance: 4, terms: [0, 1, 2, 3, 4, 5, 6, 7].map((s) => ({ slots: [s], term: leak(17 + s) })),
}));
add('all-diurnal-16w-24h', 'all-workers-growing', 'a steady leak in every worker under strongly diurnal traffic', spec('aw-b', 24 * H, {
  instances: 2, workersPerInstance: 8, traffic: diurnal(250, 0.7), terms: [{ slots: 'all', term: leak(10) }],
}));
add('all-7d-deploy-4w', 'all-workers-growing', 'a week; a deploy on day 5 resets every worker, growth resumes', spec('aw-c', 7 * D, {
  workersPerInstance: 4, traffic: diurnal(90, 0.5), lifecycle: { deploysAtMs: [at(7 * D, 0.7)] },
  terms: [{ slots: 'all', term: leak(3) }],
}));
add('all-48w-24h-sawtooth', 'all-workers-growing', '48 workers, sawtooth, 3% missed scrapes', spec('aw-d', 24 * H, {
  instances: 6, workersPerInstance: 8, sawtooth: { amplitudeMiB: 20, periodMs: 15 * MIN }, missingScrapeRate: 0.03,
  terms: [{ slots: 'all', term: leak(6) }],
}));
add('all-6w-1h', 'all-workers-growing', 'six workers, one hour, fast growth', spec('aw-e', 1 * H, {
  workersPerInstance: 6, terms: [{ slots: 'all', term: leak(60) }],
}));
add('all-idle-night-12w-24h', 'all-workers-growing', 'growth continues at the same pace through a night of no traffic', spec('aw-f', 24 * H, {
  instances: 2, workersPerInstance: 6, traffic: withIdle(constant(100), at(24 * H, 0.55), at(24 * H, 0.72)),
  terms: [{ slots: 'all', term: leak(8) }],
}));
add('all-recycled-8w-6h', 'all-workers-growing', 'every pid grows until max_requests recycles it', spec('aw-g', 6 * H, {
  workersPerInstance: 8, lifecycle: { recycleEveryMs: 2 * H }, terms: [{ slots: 'all', term: leak(30) }],
}));

// ------------------------------------------------------------------ all workers large, stable
add('large-16w-6h', 'all-workers-large-stable', '16 flat workers of ~950 MiB against a 16 GiB limit', spec('lg-a', 6 * H, {
  instances: 2, workersPerInstance: 8, baseMiB: 950, baseSpreadMiB: 40, limitMiB: 16384,
}));
add('large-8w-24h', 'all-workers-large-stable', '8 flat workers of 1.4 GiB against 12 GiB, diurnal traffic', spec('lg-b', 24 * H, {
  workersPerInstance: 8, baseMiB: 1400, baseSpreadMiB: 60, noiseMiB: 6, traffic: diurnal(150, 0.6), limitMiB: 12288,
}));
add('large-32w-7d-deploy', 'all-workers-large-stable', '32 workers at 460 MiB on 16 GiB for a week, one deploy', spec('lg-c', 7 * D, {
  instances: 4, workersPerInstance: 8, baseMiB: 460, baseSpreadMiB: 20, limitMiB: 16384, traffic: diurnal(400, 0.5),
  lifecycle: { deploysAtMs: [at(7 * D, 0.3)] }, warmup: { MiB: 40, tauMs: 10 * MIN },
}));
add('large-4w-1h', 'all-workers-large-stable', 'four 1.7 GiB workers on an 8 GiB limit, one hour', spec('lg-d', 1 * H, {
  workersPerInstance: 4, baseMiB: 1720, baseSpreadMiB: 30, noiseMiB: 8, limitMiB: 8192,
}));
add('large-24w-recycled-6h', 'all-workers-large-stable', '24 workers of ~700 MiB on 20 GiB, sawtooth and recycling', spec('lg-e', 6 * H, {
  instances: 3, workersPerInstance: 8, baseMiB: 700, baseSpreadMiB: 30, limitMiB: 20480, sawtooth: { amplitudeMiB: 25, periodMs: 20 * MIN },
  lifecycle: { recycleEveryMs: 3 * H }, warmup: { MiB: 30, tauMs: 5 * MIN },
}));

// ------------------------------------------------------------------ worker count jump
add('count-2x4-to-8-6h', 'worker-count-jump', 'two instances go from 4 to 8 workers each mid-window', spec('wc-a', 6 * H, {
  instances: 2, workersPerInstance: 4, baseMiB: 300, lifecycle: { scale: [{ atMs: at(6 * H, 0.5), workersPerInstance: 8 }] },
}));
add('count-2-to-6-24h', 'worker-count-jump', 'one instance from 2 to 6 workers, diurnal traffic', spec('wc-b', 24 * H, {
  workersPerInstance: 2, baseMiB: 420, traffic: diurnal(60, 0.5), lifecycle: { scale: [{ atMs: at(24 * H, 0.3), workersPerInstance: 6 }] },
}));
add('count-8-to-12-7d', 'worker-count-jump', 'four instances from 8 to 12 workers on day 5 of a week', spec('wc-c', 7 * D, {
  instances: 4, workersPerInstance: 8, baseMiB: 350, limitMiB: 65536, traffic: diurnal(500, 0.5),
  lifecycle: { scale: [{ atMs: at(7 * D, 0.65), workersPerInstance: 12 }] },
}));
add('count-with-surge-6h', 'worker-count-jump', 'workers raised from 8 to 12 as traffic rises', spec('wc-d', 6 * H, {
  instances: 2, workersPerInstance: 8, traffic: withBurst(constant(200), at(6 * H, 0.5), at(6 * H, 1.2), 1.6, 20 * MIN),
  lifecycle: { scale: [{ atMs: at(6 * H, 0.52), workersPerInstance: 12 }] },
}));
add('count-4-to-8-1h', 'worker-count-jump', 'one hour; 4 to 8 workers at 25 minutes', spec('wc-e', 1 * H, {
  workersPerInstance: 4, lifecycle: { scale: [{ atMs: at(1 * H, 0.42), workersPerInstance: 8 }] },
}));
add('count-warmup-8-to-16-6h', 'worker-count-jump', '8 to 16 workers; the new ones warm up first', spec('wc-f', 6 * H, {
  workersPerInstance: 8, baseMiB: 250, warmup: { MiB: 70, tauMs: 10 * MIN }, lifecycle: { scale: [{ atMs: at(6 * H, 0.6), workersPerInstance: 16 }] },
}));

// ------------------------------------------------------------------ follows traffic
add('traffic-diurnal-8w-24h', 'follows-traffic', 'per-request buffers: memory swings with a strong daily cycle', spec('ft-a', 24 * H, {
  workersPerInstance: 8, traffic: diurnal(160, 0.8), terms: [{ slots: 'all', term: trafficLevel(9, 10 * MIN) }],
}));
add('traffic-burst-4w-6h', 'follows-traffic', 'a 5x burst for 90 minutes; memory rises and falls back', spec('ft-b', 6 * H, {
  workersPerInstance: 4, traffic: withBurst(constant(20), at(6 * H, 0.4), at(6 * H, 0.65), 5, 10 * MIN),
  terms: [{ slots: 'all', term: trafficLevel(30, 5 * MIN) }],
}));
add('traffic-ttl-cache-16w-7d', 'follows-traffic', 'TTL cache bounded at 200 MiB tracks a weekly diurnal load', spec('ft-c', 7 * D, {
  instances: 2, workersPerInstance: 8, traffic: diurnal(320, 0.75), terms: [{ slots: 'all', term: trafficLevel(14, 30 * MIN, 200) }],
}));
add('traffic-capped-6w-6h', 'follows-traffic', 'two bursts; a bounded cache plateaus at its cap, then drains', spec('ft-d', 6 * H, {
  workersPerInstance: 6,
  traffic: withBurst(withBurst(constant(25), at(6 * H, 0.15), at(6 * H, 0.35), 6), at(6 * H, 0.6), at(6 * H, 0.8), 6),
  terms: [{ slots: 'all', term: trafficLevel(3, 10 * MIN, 60) }],
}));
add('traffic-triangle-32w-1h', 'follows-traffic', 'one hour of rising then falling load on 32 workers', spec('ft-e', 1 * H, {
  instances: 4, workersPerInstance: 8,
  traffic: (t) => 100 + 900 * Math.max(0, 1 - Math.abs((t - at(1 * H, 0.5)) / (0.3 * H))),
  terms: [{ slots: 'all', term: trafficLevel(4, 3 * MIN) }],
}));
add('traffic-spikes-8w-24h', 'follows-traffic', 'three unplanned spikes, memory follows each with a lag', spec('ft-f', 24 * H, {
  workersPerInstance: 8,
  traffic: withBurst(withBurst(withBurst(constant(50), at(24 * H, 0.2), at(24 * H, 0.25), 4), at(24 * H, 0.5), at(24 * H, 0.54), 5), at(24 * H, 0.8), at(24 * H, 0.86), 3),
  terms: [{ slots: 'all', term: trafficLevel(14, 20 * MIN) }],
}));

// ------------------------------------------------------------------ high while idle
add('idle-retained-8w-6h', 'high-while-idle', 'busy for 2.5 h retaining objects per request, then idle: memory stays up', spec('hi-a', 6 * H, {
  workersPerInstance: 8, traffic: withIdle(constant(60), at(6 * H, 0.42), at(6 * H, 1.5)),
  terms: [{ slots: 'all', term: retainedPerRequest(1) }],
}));
add('idle-business-hours-4w-24h', 'high-while-idle', 'busy 08-20 UTC, idle overnight; memory does not come back', spec('hi-b', 24 * H, {
  workersPerInstance: 4, baseMiB: 260,
  traffic: withIdle(constant(70), END - 16 * H, END - 4 * H),
  terms: [{ slots: 'all', term: retainedPerRequest(0.08) }],
}));
add('idle-keeps-growing-8w-6h', 'high-while-idle', 'traffic stops halfway and a background queue keeps growing', spec('hi-c', 6 * H, {
  workersPerInstance: 8, traffic: withIdle(constant(45), at(6 * H, 0.5), at(6 * H, 1.5)),
  terms: [{ slots: 'all', term: growsDuring(40, [[at(6 * H, 0.52), END + H]]) }],
}));
add('idle-burst-then-night-16w-24h', 'high-while-idle', 'a burst fills an unbounded cache, then 8 idle hours', spec('hi-d', 24 * H, {
  instances: 2, workersPerInstance: 8, traffic: withIdle(withBurst(constant(40), at(24 * H, 0.3), at(24 * H, 0.5), 4), at(24 * H, 0.62), at(24 * H, 0.98)),
  terms: [{ slots: 'all', term: retainedPerRequest(0.8) }],
}));
add('idle-2w-1h', 'high-while-idle', 'two workers: 20 busy minutes then 40 idle ones, memory stays up', spec('hi-e', 1 * H, {
  workersPerInstance: 2, traffic: withIdle(constant(30), at(1 * H, 0.35), at(1 * H, 1.5), 0.01, 2 * MIN),
  terms: [{ slots: 'all', term: retainedPerRequest(2.5) }],
}));
add('idle-weekend-6w-7d', 'high-while-idle', 'busy weekdays, idle weekend; memory stays high and creeps up', spec('hi-f', 7 * D, {
  workersPerInstance: 6, traffic: withIdle(diurnal(80, 0.4), at(7 * D, 0.68), at(7 * D, 1.2)),
  terms: [{ slots: 'all', term: retainedPerRequest(0.012) }, { slots: 'all', term: growsDuring(1.5, [[at(7 * D, 0.7), END + D]]) }],
}));

// ------------------------------------------------------------------ job driven
const reportRuns = periodicRuns(0.2, 4 * H, 30 * MIN, 1 * H);
add('job-report-8w-24h', 'job-driven', 'generate_report runs 30 min every 4 h and holds large payloads', spec('jd-a', 24 * H, {
  workersPerInstance: 8, traffic: null,
  jobs: [{ name: 'send_email', rate: constant(2) }, { name: 'generate_report', rate: reportRuns }],
  terms: [{ slots: 'all', term: jobLevel('generate_report', 9000, 15 * MIN) }],
}));
add('job-ratchet-4w-6h', 'job-driven', 'import_csv runs hourly and leaves memory behind each time', spec('jd-b', 6 * H, {
  workersPerInstance: 4, traffic: constant(10),
  jobs: [{ name: 'import_csv', rate: periodicRuns(0.1, H, 10 * MIN, 20 * MIN) }, { name: 'cleanup', rate: (t) => 0.5 + 0.4 * Math.sin(t / (37 * MIN)) }],
  terms: [{ slots: 'all', term: jobRatchet('import_csv', 0.9) }],
}));
add('job-nightly-16w-7d', 'job-driven', 'a nightly rebuild_index job doubles memory for an hour', spec('jd-c', 7 * D, {
  instances: 2, workersPerInstance: 8, traffic: diurnal(100, 0.3),
  jobs: [{ name: 'rebuild_index', rate: periodicRuns(0.05, D, H, 2 * H) }, { name: 'sync_users', rate: constant(1) }],
  terms: [{ slots: 'all', term: jobLevel('rebuild_index', 90000, 20 * MIN) }],
}));
add('job-pdf-6w-24h', 'job-driven', 'export_pdf bursts drive memory; diurnal traffic is unrelated', spec('jd-d', 24 * H, {
  workersPerInstance: 6, traffic: diurnal(90, 0.6),
  jobs: [
    { name: 'export_pdf', rate: periodicRuns(0.3, 5 * H, 40 * MIN, 3 * H) },
    { name: 'thumbnail', rate: (t) => 1 + 0.8 * Math.sin(t / (3 * H)) },
    { name: 'webhook', rate: constant(3) },
  ],
  terms: [{ slots: 'all', term: jobLevel('export_pdf', 2400, 10 * MIN) }],
}));
add('job-two-periodic-8w-6h', 'job-driven', 'two periodic jobs; only ingest_batch moves memory', spec('jd-e', 6 * H, {
  workersPerInstance: 8, traffic: null,
  jobs: [
    { name: 'ingest_batch', rate: periodicRuns(0.2, 90 * MIN, 25 * MIN, 10 * MIN) },
    { name: 'send_digest', rate: periodicRuns(0.2, 90 * MIN, 25 * MIN, 55 * MIN) },
  ],
  terms: [{ slots: 'all', term: jobLevel('ingest_batch', 5000, 10 * MIN) }],
}));

// ------------------------------------------------------------------ mixed
add('mixed-one-and-traffic-24h', 'mixed', 'one worker leaks while every worker follows a strong daily cycle', spec('mx-a', 24 * H, {
  workersPerInstance: 8, traffic: diurnal(160, 0.8),
  terms: [{ slots: 'all', term: trafficLevel(10, 10 * MIN) }, { slots: [2], term: leak(25) }],
}), ['one-worker-growing', 'follows-traffic']);
add('mixed-count-and-one-6h', 'mixed', 'workers doubled mid-window and one worker leaks', spec('mx-b', 6 * H, {
  instances: 2, workersPerInstance: 4, lifecycle: { scale: [{ atMs: at(6 * H, 0.5), workersPerInstance: 8 }] },
  terms: [{ slots: [1], term: leak(60) }],
}), ['worker-count-jump', 'one-worker-growing']);
add('mixed-all-and-traffic-24h', 'mixed', 'every worker leaks and also swings with traffic bursts', spec('mx-c', 24 * H, {
  workersPerInstance: 6,
  traffic: withBurst(withBurst(constant(40), at(24 * H, 0.25), at(24 * H, 0.35), 5), at(24 * H, 0.65), at(24 * H, 0.75), 5),
  terms: [{ slots: 'all', term: leak(8) }, { slots: 'all', term: trafficLevel(20, 10 * MIN) }],
}), ['all-workers-growing', 'follows-traffic']);
add('mixed-job-and-one-24h', 'mixed', 'a job drives memory in every worker and one worker also leaks', spec('mx-d', 24 * H, {
  workersPerInstance: 8, traffic: null,
  jobs: [{ name: 'generate_report', rate: periodicRuns(0.2, 4 * H, 40 * MIN, H) }, { name: 'send_email', rate: constant(2) }],
  terms: [{ slots: 'all', term: jobLevel('generate_report', 8000, 15 * MIN) }, { slots: [5], term: leak(20) }],
}), ['job-driven', 'one-worker-growing']);
add('mixed-count-and-traffic-24h', 'mixed', 'workers raised from 4 to 8 and memory also follows a daily cycle', spec('mx-e', 24 * H, {
  workersPerInstance: 4, traffic: diurnal(120, 0.8), lifecycle: { scale: [{ atMs: at(24 * H, 0.45), workersPerInstance: 8 }] },
  terms: [{ slots: 'all', term: trafficLevel(12, 10 * MIN) }],
}), ['worker-count-jump', 'follows-traffic']);
add('mixed-all-and-count-6h', 'mixed', 'every worker leaks and the worker count doubles', spec('mx-f', 6 * H, {
  workersPerInstance: 6, lifecycle: { scale: [{ atMs: at(6 * H, 0.4), workersPerInstance: 12 }] },
  terms: [{ slots: 'all', term: leak(30) }],
}), ['all-workers-growing', 'worker-count-jump']);

// Steps that stay: a big object loaded once is not growth, just a higher flat line.
add('stable-step-once-8w-6h', 'stable', 'a one-off 20 MiB step when a config reload happens, then flat', spec('st-i', 6 * H, {
  workersPerInstance: 8, terms: [{ slots: 'all', term: stepUp(at(6 * H, 0.3), 20) }],
}));

// Killed for memory (issue 11): a leak the OOM killer keeps cutting short is still a leak. Each
// process climbs to its share of the limit, is killed and replaced, and the next one climbs again:
// a sawtooth of short lives that all end at the same size.
add('all-oom-sawtooth-4w-12h', 'all-workers-growing', 'every worker leaks 300 MiB/h and is killed at its 1.5 GiB share of the limit, then replaced', spec('oom-a', 12 * H, {
  workersPerInstance: 4, baseMiB: 400, limitMiB: 4 * 1536, lifecycle: { oomKillAtMiB: 1536 },
  terms: [{ slots: 'all', term: leak(300) }],
}));
add('one-oom-sawtooth-4w-12h', 'one-worker-growing', 'one worker leaks 300 MiB/h and is killed at its 1.5 GiB share again and again; its peers stay flat', spec('oom-b', 12 * H, {
  workersPerInstance: 4, baseMiB: 400, limitMiB: 4 * 1536, lifecycle: { oomKillAtMiB: 1536 },
  terms: [{ slots: [1], term: leak(300) }],
}));
add('all-oom-ceiling-8w-12h', 'all-workers-growing', 'eight workers leak 200 MiB/h and die at 1.4 GiB; no limit is known, only the ceiling they all reach', spec('oom-c', 12 * H, {
  instances: 2, workersPerInstance: 4, baseMiB: 350, limitMiB: null, lifecycle: { oomKillAtMiB: 1400 },
  terms: [{ slots: 'all', term: leak(200) }],
}));
add('stable-recycled-limit-8w-12h', 'stable', 'max_requests recycles every ~40 min at an ordinary 400 MiB, far under the 1.5 GiB share: no kills', spec('oom-d', 12 * H, {
  instances: 2, workersPerInstance: 4, baseMiB: 400, limitMiB: 8 * 1536, warmup: { MiB: 40, tauMs: 5 * MIN }, lifecycle: { recycleEveryMs: 40 * MIN },
}));

export const SCENARIOS: readonly Scenario[] = scenarios;
