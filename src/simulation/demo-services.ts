/**
 * The embedded demo: a handful of made-up services, one per pattern, simulated deterministically
 * for any window. They behave the same way whatever window is asked for: leaks have a fixed rate
 * and deploys happen every day or two, as in a real fleet.
 */

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
  type MemoryContext,
  type ScenarioSpec,
} from './model';

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;

type DemoBuilder = (endMs: number, windowMs: number) => Omit<ScenarioSpec, 'service' | 'endMs' | 'windowMs' | 'scrapeMs'>;

/** Deploy times every `everyMs`, counted back from `endMs - offsetMs`, covering a week before the window. */
function deploysBefore(endMs: number, windowMs: number, everyMs: number, offsetMs: number): number[] {
  const out: number[] = [];
  for (let t = endMs - offsetMs; t > endMs - windowMs - 2 * D; t -= everyMs) out.push(t);
  return out;
}

/** Aligns to a fixed grid so a demo service looks the same whichever minute it is asked about. */
function anchor(endMs: number, stepMs: number): number {
  return Math.floor(endMs / stepMs) * stepMs;
}

export interface DemoService {
  readonly name: string;
  readonly pattern: string;
  readonly description: string;
  readonly build: DemoBuilder;
}

export const DEMO_SERVICES: readonly DemoService[] = [
  {
    name: 'checkout-api',
    pattern: 'one-worker-growing',
    description: 'Gunicorn, 2 pods x 4 workers; one worker keeps growing',
    build: (end, window) => ({
      seed: 11,
      instances: 2,
      workersPerInstance: 4,
      baseMiB: 310,
      noiseMiB: 3,
      sawtooth: { amplitudeMiB: 10, periodMs: 17 * MIN },
      warmup: { MiB: 45, tauMs: 6 * MIN },
      traffic: diurnal(180, 0.55),
      lifecycle: { deploysAtMs: deploysBefore(anchor(end, H), window, 2 * D, 30 * H) },
      terms: [{ slots: [5], term: leak(68) }],
      limitMiB: 8192,
    }),
  },
  {
    name: 'search-api',
    pattern: 'follows-traffic',
    description: 'a per-request result cache with a TTL: memory rises and falls with traffic',
    build: (end) => ({
      seed: 12,
      instances: 2,
      workersPerInstance: 6,
      baseMiB: 240,
      noiseMiB: 3,
      traffic: withBurst(diurnal(220, 0.75), anchor(end, H) - 5 * H, anchor(end, H) - 3 * H, 2.2, 15 * MIN),
      terms: [{ slots: 'all', term: trafficLevel(8, 15 * MIN) }],
      limitMiB: 12288,
    }),
  },
  {
    name: 'billing-worker',
    pattern: 'job-driven',
    description: 'Celery prefork workers; generate_invoice_pdf holds whole invoice batches in memory',
    build: (end) => ({
      seed: 13,
      instances: 1,
      workersPerInstance: 8,
      baseMiB: 190,
      noiseMiB: 2,
      traffic: null,
      jobs: [
        { name: 'generate_invoice_pdf', rate: periodicRuns(0.15, 3 * H, 35 * MIN, anchor(end, H) - 40 * MIN) },
        { name: 'send_receipt_email', rate: diurnal(3, 0.5) },
        { name: 'sync_payment_status', rate: constant(1.2) },
      ],
      terms: [{ slots: 'all', term: jobLevel('generate_invoice_pdf', 8000, 12 * MIN) }],
    }),
  },
  {
    name: 'catalog-api',
    pattern: 'stable',
    description: 'healthy: workers warm up, then stay flat; recycled by max_requests',
    build: () => ({
      seed: 14,
      instances: 3,
      workersPerInstance: 4,
      baseMiB: 260,
      noiseMiB: 3,
      sawtooth: { amplitudeMiB: 14, periodMs: 23 * MIN },
      warmup: { MiB: 40, tauMs: 5 * MIN },
      traffic: diurnal(300, 0.6),
      lifecycle: { recycleEveryMs: 5 * H },
      limitMiB: 12288,
    }),
  },
  {
    name: 'reports-api',
    pattern: 'all-workers-growing',
    description: 'a module-level registry that only grows: every worker climbs at the same pace',
    build: (end, window) => ({
      seed: 15,
      instances: 2,
      workersPerInstance: 3,
      baseMiB: 280,
      noiseMiB: 3,
      traffic: diurnal(60, 0.7),
      lifecycle: { deploysAtMs: deploysBefore(anchor(end, H), window, 3 * D, 52 * H) },
      terms: [{ slots: 'all', term: leak(9) }],
      limitMiB: 6144,
    }),
  },
  {
    name: 'ml-scoring-api',
    pattern: 'all-workers-large-stable',
    description: 'each worker loads a 1.1 GiB model; 12 workers fill the 16 GiB pod budget',
    build: () => ({
      seed: 16,
      instances: 3,
      workersPerInstance: 4,
      baseMiB: 1180,
      baseSpreadMiB: 25,
      noiseMiB: 4,
      traffic: diurnal(90, 0.5),
      limitMiB: 16384,
    }),
  },
  {
    name: 'orders-api',
    pattern: 'worker-count-jump',
    description: 'someone raised Gunicorn --workers from 4 to 8 per pod',
    build: (end, window) => ({
      seed: 17,
      instances: 2,
      workersPerInstance: 4,
      baseMiB: 330,
      noiseMiB: 3,
      warmup: { MiB: 50, tauMs: 5 * MIN },
      traffic: diurnal(150, 0.5),
      lifecycle: { scale: [{ atMs: anchor(end, 15 * MIN) - Math.min(window * 0.4, 30 * H), workersPerInstance: 8 }] },
      limitMiB: 8192,
    }),
  },
  {
    name: 'notifications-worker',
    pattern: 'high-while-idle',
    description: 'a fan-out buffer keeps every queued message: memory stays up after the evening rush',
    build: (end, window) => {
      const quietFrom = anchor(end, 15 * MIN) - Math.min(window * 0.45, 10 * H);
      return {
        seed: 18,
        instances: 1,
        workersPerInstance: 4,
        baseMiB: 220,
        noiseMiB: 2,
        traffic: withIdle(constant(45), quietFrom, end + H, 0.01),
        terms: [
          { slots: 'all', term: retainedPerRequest((180 * 4 * 1000) / (45 * 3600 * Math.max(1, (window * 0.55) / H)), Infinity, end - window) },
          { slots: 'all', term: growsDuring(6, [[quietFrom + 10 * MIN, end + H]]) },
        ],
      };
    },
  },
  {
    name: 'gateway-api',
    pattern: 'mixed',
    description: 'memory follows traffic, and one worker also leaks',
    build: () => ({
      seed: 19,
      instances: 2,
      workersPerInstance: 4,
      baseMiB: 260,
      noiseMiB: 3,
      traffic: diurnal(200, 0.8),
      terms: [
        { slots: 'all', term: trafficLevel(9, 10 * MIN) },
        { slots: [2], term: leak(30) },
      ],
      limitMiB: 8192,
    }),
  },
  {
    name: 'profile-api',
    pattern: 'all-workers-growing',
    description: 'a leak fixed by the deploy 2 hours ago: every worker grew until then, none has since (try `pymem verify profile-api --demo`)',
    build: (end, window) => {
      const fixedAt = anchor(end, H) - 2 * H;
      const leaking = leak(24);
      return {
        seed: 20,
        instances: 2,
        workersPerInstance: 4,
        baseMiB: 250,
        noiseMiB: 3,
        sawtooth: { amplitudeMiB: 8, periodMs: 19 * MIN },
        warmup: { MiB: 35, tauMs: 4 * MIN },
        traffic: diurnal(140, 0.5),
        lifecycle: { deploysAtMs: [...deploysBefore(fixedAt, window, 2 * D, 2 * D), fixedAt] },
        // Processes started by the deploy at `fixedAt` run the fixed code.
        terms: [{ slots: 'all', term: (ctx) => (ctx.worker.bornMs < fixedAt ? leaking(ctx) : 0) }],
        limitMiB: 8192,
      };
    },
  },
];

/**
 * A demo service after a fix was deployed at `fixedAtMs`: every process is replaced then, as by a
 * deploy, and the processes started from then on run the fixed code (none of the service's extra
 * memory terms apply to them). Before `fixedAtMs` the service is exactly as it was.
 */
export function withFix(spec: ScenarioSpec, fixedAtMs: number): ScenarioSpec {
  if (fixedAtMs > spec.endMs) return spec;
  return {
    ...spec,
    lifecycle: { ...spec.lifecycle, lateDeployAtMs: fixedAtMs },
    ...(spec.terms ? { terms: spec.terms.map(({ slots, term }) => ({ slots, term: (ctx: MemoryContext) => (ctx.worker.bornMs >= fixedAtMs ? 0 : term(ctx)) })) } : {}),
  };
}

export function demoSpec(name: string, endMs: number, windowMs: number): ScenarioSpec | null {
  const demo = DEMO_SERVICES.find((d) => d.name === name);
  if (!demo) return null;
  return {
    service: demo.name,
    endMs,
    windowMs,
    scrapeMs: windowMs > 2 * D ? 60_000 : 15_000,
    ...demo.build(endMs, windowMs),
  };
}
