/**
 * Two views of one simulation:
 * - `toServiceSeries`: what Prometheus's query_range would answer for pymem's default queries
 *   (gauges with the 5-minute lookback, counters through rate(...[5m])).
 * - `toMetricFamilies`: the raw scrapes, for backfilling a real Prometheus with promtool.
 */

import type { Grid, GridSeries, SeriesSource, ServiceSeries } from '../domain/series';
import type { Incarnation, Simulation } from './model';

const LOOKBACK_MS = 5 * 60_000;
const RATE_WINDOW_MS = 5 * 60_000;

export function toServiceSeries(sim: Simulation, grid: Grid): ServiceSeries {
  const service = sim.spec.service;
  const memory: GridSeries[] = [];
  const scrapeCache = new Map<string, number[]>();
  const scrapesOf = (instance: string): number[] => {
    let times = scrapeCache.get(instance);
    if (!times) {
      times = sim.scrapeTimes(instance);
      scrapeCache.set(instance, times);
    }
    return times;
  };
  for (const inc of sim.incarnations) {
    const values = sampleGauge(grid, scrapesOf(inc.instance), (t) => sim.memoryBytes(inc, t));
    if (values.some((v) => Number.isFinite(v))) memory.push({ labels: memoryLabels(service, inc), values });
  }

  const anyInstance = sim.incarnations[0]?.instance ?? 'web-1';
  const rateTimes = scrapesOf(anyInstance);
  const traffic = sim.spec.traffic
    ? { labels: {}, values: sampleRate(grid, rateTimes, (t) => sim.measuredTraffic(t)) }
    : null;
  const jobs = (sim.spec.jobs ?? []).map((job) => ({
    labels: { name: job.name },
    values: sampleRate(grid, rateTimes, (t) => sim.measuredJob(job.name, t)),
  }));
  const targets = [...new Set(sim.incarnations.map((i) => i.instance))].map((instance) => ({
    labels: { job: service, instance },
    values: sampleGauge(grid, sim.attemptTimes(instance), (t) => sim.upAt(t)),
  }));
  return {
    service,
    grid,
    memory,
    traffic,
    jobs,
    limit: sim.limitBytes === null ? null : { bytes: sim.limitBytes, source: 'metrics' },
    targets,
    restarts: [],
    source: simulatedSource(service),
    warnings: [],
  };
}

/** What Prometheus would have been asked for with the default queries: the simulation answers those. */
export function simulatedSource(service: string): SeriesSource {
  const job = JSON.stringify(service);
  return {
    preset: 'prometheus-client',
    granularity: 'process',
    selection: 'simulated',
    queries: {
      memory: `process_resident_memory_bytes{job=${job}}`,
      traffic: `sum(rate(http_requests_total{job=${job}}[5m]))`,
      jobs: `sum by (name) (rate(celery_task_started_total{job=${job}}[5m]))`,
      limit: `sum(container_spec_memory_limit_bytes{container=${job}})`,
      up: `up{job=${job}}`,
      restarts: null,
    },
  };
}

function memoryLabels(service: string, inc: Incarnation): Record<string, string> {
  return { job: service, instance: inc.instance, pid: String(inc.pid) };
}

/** The newest scrape in (t - 5m, t] at each grid point, as Prometheus evaluates an instant vector. */
function sampleGauge(grid: Grid, scrapeTimes: readonly number[], valueAt: (t: number) => number): Float64Array {
  const out = new Float64Array(grid.length).fill(NaN);
  let j = 0;
  for (let i = 0; i < grid.length; i++) {
    const t = grid.startMs + i * grid.stepMs;
    while (j + 1 < scrapeTimes.length && scrapeTimes[j + 1]! <= t) j++;
    for (let k = j; k >= 0 && scrapeTimes[k]! > t - LOOKBACK_MS; k--) {
      if (scrapeTimes[k]! > t) continue;
      const v = valueAt(scrapeTimes[k]!);
      if (Number.isFinite(v)) {
        out[i] = v;
        break;
      }
    }
  }
  return out;
}

/** Mean of per-scrape rates in (t - 5m, t]: close to rate(counter[5m]). */
function sampleRate(grid: Grid, scrapeTimes: readonly number[], rateAt: (t: number) => number): Float64Array {
  const out = new Float64Array(grid.length).fill(NaN);
  const rates = scrapeTimes.map((t) => rateAt(t));
  let lo = 0;
  let hi = 0;
  let sum = 0;
  for (let i = 0; i < grid.length; i++) {
    const t = grid.startMs + i * grid.stepMs;
    while (hi < scrapeTimes.length && scrapeTimes[hi]! <= t) sum += rates[hi++]!;
    while (lo < hi && scrapeTimes[lo]! <= t - RATE_WINDOW_MS) sum -= rates[lo++]!;
    // rate() needs two samples in the window.
    if (hi - lo >= 2) out[i] = sum / (hi - lo);
  }
  return out;
}

// ------------------------------------------------------------------ raw scrapes

export interface MetricSample {
  readonly tSeconds: number;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help?: string;
  readonly series: readonly { readonly labels: Record<string, string>; readonly samples: readonly MetricSample[] }[];
}

/**
 * The scrapes an exporter would have produced, as the default queries expect them:
 * process_resident_memory_bytes per pid, http_requests_total per instance (resetting on deploys),
 * celery_task_started_total per job type, container_spec_memory_limit_bytes.
 */
export function toMetricFamilies(sim: Simulation): MetricFamily[] {
  const service = sim.spec.service;
  const instances = [...new Set(sim.incarnations.map((i) => i.instance))];
  const memorySeries = sim.incarnations
    .map((inc) => ({
      labels: memoryLabels(service, inc),
      samples: sim
        .scrapeTimes(inc.instance)
        .map((t) => ({ tSeconds: t / 1000, value: sim.memoryBytes(inc, t) }))
        .filter((s) => Number.isFinite(s.value)),
    }))
    .filter((s) => s.samples.length > 0);

  const families: MetricFamily[] = [
    { name: 'process_resident_memory_bytes', type: 'gauge', help: 'Resident memory size in bytes.', series: memorySeries },
    {
      name: 'up',
      type: 'gauge',
      help: 'Whether the scrape succeeded.',
      series: instances.map((instance) => ({
        labels: { job: service, instance },
        samples: sim.attemptTimes(instance).map((t) => ({ tSeconds: t / 1000, value: sim.upAt(t) })),
      })),
    },
  ];

  if (sim.spec.traffic) {
    families.push({
      name: 'http_requests_total',
      type: 'counter',
      help: 'HTTP requests served.',
      series: instances.map((instance) => ({
        labels: { job: service, instance },
        samples: counterSamples(sim.scrapeTimes(instance), sim.counterResetsMs, (t) => sim.measuredTraffic(t) / instances.length, sim.spec.scrapeMs),
      })),
    });
  }
  if (sim.spec.jobs && sim.spec.jobs.length > 0) {
    const times = sim.scrapeTimes(instances[0] ?? 'web-1');
    families.push({
      name: 'celery_task_started_total',
      type: 'counter',
      help: 'Celery tasks started.',
      series: sim.spec.jobs.map((job) => ({
        labels: { job: service, name: job.name },
        samples: counterSamples(times, sim.counterResetsMs, (t) => sim.measuredJob(job.name, t), sim.spec.scrapeMs),
      })),
    });
  }
  if (sim.limitBytes !== null) {
    const times = sim.scrapeTimes(instances[0] ?? 'web-1');
    families.push({
      name: 'container_spec_memory_limit_bytes',
      type: 'gauge',
      help: 'Memory limit of the container.',
      series: [{ labels: { container: service }, samples: times.map((t) => ({ tSeconds: t / 1000, value: sim.limitBytes! })) }],
    });
  }
  return families;
}

function counterSamples(
  times: readonly number[],
  resets: readonly number[],
  rateAt: (t: number) => number,
  scrapeMs: number,
): MetricSample[] {
  const out: MetricSample[] = [];
  let value = 0;
  let prev = -Infinity;
  for (const t of times) {
    if (resets.some((r) => r > prev && r <= t)) value = 0;
    value += rateAt(t) * (scrapeMs / 1000);
    out.push({ tSeconds: t / 1000, value: Math.round(value * 1000) / 1000 });
    prev = t;
  }
  return out;
}
