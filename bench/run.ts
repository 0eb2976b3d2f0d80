/**
 * `npm run bench`: medians of the figures pymem promises, with the machine noted so runs compare.
 * Timing lives here, never in tests: these machines are shared and noisy.
 */

import { cpus, loadavg, totalmem } from 'node:os';
import { classify, classifyWithFleet } from '../src/domain/classify';
import { analyze } from '../src/domain/analyze';
import { buildChecklist } from '../src/domain/checklist';
import { ChartRenderer } from '../src/charts/renderer';
import { buildMemoryChartSpec } from '../src/charts/spec';
import { expectMatrix, interpretAnswer, toGridSeries } from '../src/metrics/prometheus-api';
import { MAX_POINTS_PER_SERIES, planRange } from '../src/metrics/step';
import { simulate, leak, diurnal, type ScenarioSpec } from '../src/simulation/model';
import { toServiceSeries } from '../src/simulation/sample';
import type { GridSeries, ServiceSeries } from '../src/domain/series';

const H = 3_600_000;
const END = Date.UTC(2026, 2, 2, 12);

export interface Measurement {
  readonly name: string;
  readonly median: number;
  readonly p95: number;
  readonly runs: number;
  readonly target?: number;
  readonly unit: string;
}

export async function measure(name: string, fn: () => unknown, options: { runs?: number; warmup?: number; target?: number } = {}): Promise<Measurement> {
  const runs = options.runs ?? 21;
  for (let i = 0; i < (options.warmup ?? 3); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    name,
    median: times[Math.floor(times.length / 2)]!,
    p95: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]!,
    runs,
    unit: 'ms',
    ...(options.target !== undefined ? { target: options.target } : {}),
  };
}

export function printMeasurement(m: Measurement): void {
  if (m.runs > 1 && m.median === m.p95 && /p\d\d$/.test(m.name)) {
    console.log(`  ${m.name.padEnd(62)} ${m.median.toFixed(1).padStart(8)} ${m.unit}   (${m.runs} samples)`);
    return;
  }
  const verdict = m.target === undefined ? '' : m.median <= m.target ? `  (target < ${m.target} ${m.unit}: met)` : `  (target < ${m.target} ${m.unit}: MISSED)`;
  console.log(`  ${m.name.padEnd(62)} median ${m.median.toFixed(1).padStart(8)} ${m.unit}  p95 ${m.p95.toFixed(1).padStart(8)} ${m.unit}${verdict}`);
}

function fleet(windowMs: number, workers: number): ScenarioSpec {
  return {
    service: 'bench-api',
    endMs: END,
    windowMs,
    scrapeMs: windowMs > 2 * 24 * H ? 60_000 : 15_000,
    seed: 7,
    instances: workers / 8,
    workersPerInstance: 8,
    baseMiB: 300,
    noiseMiB: 3,
    sawtooth: { amplitudeMiB: 12, periodMs: 20 * 60_000 },
    traffic: diurnal(400, 0.6),
    terms: [{ slots: [5], term: leak(40) }],
    limitMiB: 24_576,
  };
}

function seriesFor(windowMs: number, workers: number, targetPoints?: number): ServiceSeries {
  const plan = planRange({ endMs: END, durationMs: windowMs }, 15, targetPoints);
  return toServiceSeries(simulate(fleet(windowMs, workers)), plan.grid);
}

/** The body Prometheus would send for one range query over these series. */
function prometheusBody(series: readonly GridSeries[], startMs: number, stepMs: number): string {
  const result = series.map((s) => ({
    metric: { __name__: 'process_resident_memory_bytes', ...s.labels },
    values: Array.from(s.values)
      .map((v, i) => [(startMs + i * stepMs) / 1000, String(v)] as const)
      .filter(([, v]) => v !== 'NaN'),
  }));
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
}

export async function analysisBench(): Promise<Measurement[]> {
  // The largest answer Prometheus allows: a week at one minute (pymem itself asks for ten).
  const week = seriesFor(7 * 24 * H, 48, MAX_POINTS_PER_SERIES);
  const points = week.memory[0]!.values.length;
  const day = seriesFor(24 * H, 48);
  const renderer = new ChartRenderer();
  const results: Measurement[] = [];

  results.push(await measure(`classify 48 workers x ${points} points (7 d at 1 min)`, () => classify(week), { target: 20 }));

  const dayClassified = classifyWithFleet(day);
  const daySpec = buildMemoryChartSpec(day, dayClassified.diagnosis, dayClassified.fleet, { timeZone: 'Europe/Berlin' });
  const coldStart = performance.now();
  await new ChartRenderer().renderMemoryChart(daySpec);
  const cold = performance.now() - coldStart;
  results.push(await measure(`render chart 48 workers x ${day.memory[0]!.values.length} points (24 h), warm`, () => renderer.renderMemoryChart(daySpec), { target: 150 }));

  // Data received (the raw query_range bodies) -> diagnosis and PNG ready.
  const bodies = {
    memory: prometheusBody(day.memory, day.grid.startMs, day.grid.stepMs),
    traffic: prometheusBody(day.traffic ? [day.traffic] : [], day.grid.startMs, day.grid.stepMs),
  };
  const ctx = (query: 'memory' | 'traffic') => ({ backend: 'bench', query, promql: query });
  results.push(
    await measure(
      `received -> diagnosis + PNG, 48 workers, 24 h (${(bodies.memory.length / 1e6).toFixed(1)} MB JSON)`,
      async () => {
        const memory = toGridSeries(expectMatrix(interpretAnswer({ status: 200, contentType: 'application/json', body: bodies.memory }, ctx('memory'), 1e9), ctx('memory')), day.grid);
        const traffic = toGridSeries(expectMatrix(interpretAnswer({ status: 200, contentType: 'application/json', body: bodies.traffic }, ctx('traffic'), 1e9), ctx('traffic')), day.grid);
        const series: ServiceSeries = { ...day, memory, traffic: traffic[0] ?? null };
        const outcome = analyze(series);
        if (outcome.status !== 'diagnosed') throw new Error('bench data was not diagnosable');
        buildChecklist(outcome.diagnosis);
        await renderer.renderMemoryChart(buildMemoryChartSpec(series, outcome.diagnosis, outcome.fleet, { timeZone: 'UTC' }));
      },
      { target: 200 },
    ),
  );
  results.push({ name: 'first chart render in a fresh renderer (cold, one run)', median: cold, p95: cold, runs: 1, unit: 'ms' });
  return results;
}

/**
 * Reports per second through the analysis engine alone, on demo data (no backend, no Slack): on
 * this thread, and on pools of 1 and 2 threads. With the CPU the process used, so a machine whose
 * cores are busy with something else shows as such (PNG encoding already runs on libuv's threads).
 */
export async function engineBench(): Promise<string[]> {
  const { InlineEngine } = await import('../src/analysis/engine.js');
  const { WorkerPoolEngine } = await import('../src/analysis/pool.js');
  const { analysisDepsFor } = await import('../src/analysis/source.js');
  const { loadConfig } = await import('../src/config/load.js');
  const { DEMO_SERVICES } = await import('../src/simulation/demo-services.js');
  const spec = { app: loadConfig({ env: {} }), demo: true };
  const names = DEMO_SERVICES.map((d) => d.name);
  const lines: string[] = [];
  const engines: [string, () => { report: InstanceType<typeof InlineEngine>['report']; close(): Promise<void> }][] = [
    ['on the main thread', () => new InlineEngine(analysisDepsFor(spec), { slots: 2 })],
    ['pool of 1 thread', () => new WorkerPoolEngine(spec, { threads: 1, maxConcurrent: 2, backgroundConcurrent: 1 })],
    ['pool of 2 threads', () => new WorkerPoolEngine(spec, { threads: 2, maxConcurrent: 4, backgroundConcurrent: 1 })],
  ];
  for (const [label, make] of engines) {
    const engine = make();
    const job = (i: number) => engine.report({ service: names[i % names.length]!, windowMs: [6, 12, 24, 48][i % 4]! * H, endMs: END - i * 60_000, timeoutMs: 60_000 });
    await Promise.all(Array.from({ length: 4 }, (_, i) => job(100 + i)));
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 36 }, (_, i) => job(i)));
    const wall = (performance.now() - t0) / 1000;
    const used = ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(cpu));
    lines.push(`  36 distinct reports (demo data, 6-48 h), ${label.padEnd(19)} ${(36 / wall).toFixed(1).padStart(6)} reports/s   (${used.toFixed(1)} s of CPU in ${wall.toFixed(1)} s: ${(used / wall).toFixed(1)} cores)`);
    await engine.close();
  }
  return lines;
}

export function machineLine(): string {
  const cpu = cpus();
  return `node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, ${new Date().toISOString()}`;
}

async function main(): Promise<void> {
  console.log(`pymem bench — ${machineLine()}`);
  console.log('\nAnalysis engine');
  for (const m of await analysisBench()) printMeasurement(m);
  for (const line of await engineBench()) console.log(line);
  const { botBench, loadBench } = await import('./bot.js');
  console.log('\nSlack bot (local Slack stand-in, real Prometheus)');
  for (const m of await botBench()) printMeasurement(m);
  console.log(`\nSimultaneous commands (48 workers, 6 h at 15 s per service; load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the start)`);
  for (const line of (await loadBench()).lines) console.log(line);
  const { digestBench } = await import('./digest.js');
  console.log(`\nDaily digest (real Prometheus; load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the start)`);
  const digest = await digestBench();
  for (const m of digest.measurements) printMeasurement(m);
  for (const note of digest.notes) console.log(`  ${note}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
