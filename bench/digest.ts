/**
 * Digest for 5,000 services (BENCH_DIGEST_SERVICES to change) against a real Prometheus, with
 * bounded concurrency: wall time, and how many queries were in flight at once (counted by a proxy
 * in front of Prometheus).
 */

import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { WorkerPoolEngine } from '../src/analysis/pool';
import { defaultAnalysisThreads } from '../src/config/bot';
import { loadConfig } from '../src/config/load';
import { DigestService, DIGEST_WINDOW_MS } from '../src/digest/digest-service';
import { SqliteStore } from '../src/store/sqlite';
import { availableParallelism } from 'node:os';
import { diurnal, leak, type ScenarioSpec } from '../src/simulation/model';
import { familiesFor } from '../test/support/scenario-metrics';
import { startPrometheus } from '../test/support/prometheus';
import type { Measurement } from './run';
import { prometheusCpuSeconds } from './load';
import { RecordingTelemetry } from '../test/support/fakes/recording-telemetry';

const END = Date.UTC(2026, 2, 2, 12);
const SERVICES = Number(process.env["BENCH_DIGEST_SERVICES"] ?? 5000);
const CONCURRENCY = 8;

function specs(): ScenarioSpec[] {
  return Array.from({ length: SERVICES }, (_, i) => ({
    service: `bench-svc-${String(i).padStart(4, '0')}`,
    endMs: END,
    windowMs: DIGEST_WINDOW_MS,
    scrapeMs: 60_000,
    seed: 1000 + i,
    instances: 1,
    workersPerInstance: 2,
    baseMiB: 200 + (i % 7) * 40,
    noiseMiB: 2,
    traffic: diurnal(20 + (i % 11), 0.5),
    ...(i % 5 === 0 ? { terms: [{ slots: [1], term: leak(10 + (i % 13)) }] } : {}),
    limitMiB: 2048,
  }));
}

export async function digestBench(): Promise<{ measurements: Measurement[]; notes: string[] }> {
  const t0 = performance.now();
  const prom = await startPrometheus({ families: familiesFor(specs()), readyTimeoutMs: 120_000 });
  const setupMs = performance.now() - t0;
  let inFlight = 0;
  let peak = 0;
  let total = 0;
  const proxy = createServer((req, res) => {
    inFlight++;
    total++;
    peak = Math.max(peak, inFlight);
    const upstream = request(`${prom.url}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', () => inFlight--);
    });
    upstream.on('error', () => {
      inFlight--;
      res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const store = SqliteStore.open(':memory:');
  await store.migrate();
  // As in the bot: the measurements run on the analysis threads (digest work is their background priority).
  const threads = defaultAnalysisThreads(availableParallelism());
  const engine = new WorkerPoolEngine(
    { app: loadConfig({ env: { PROMETHEUS_URL: url, PROMETHEUS_TIMEOUT: '30s' } }), demo: false },
    { threads, maxConcurrent: 2 * threads, backgroundConcurrent: CONCURRENCY },
  );
  try {
    // What production exports as pymem_digest_measurements_in_flight; the bench reads its peak.
    const telemetry = new RecordingTelemetry();
    const digest = new DigestService({
      engine,
      telemetry,
      timeZone: 'UTC',
      store,
      logger: pino({ level: 'silent' }),
      concurrency: CONCURRENCY,
      serviceTimeoutMs: 30_000,
      windowMs: DIGEST_WINDOW_MS,
    });
    const names = specs().map((s) => s.service);
    const promCpu = prometheusCpuSeconds(prom.dataDir);
    const ownCpu = process.cpuUsage();
    const start = performance.now();
    const measured = await digest.measureAll(names, END);
    const composed = await digest.compose('C0BENCH0001', names, measured, END, new Date(END).toISOString());
    const rendered = await digest.render(composed, null);
    const wall = performance.now() - start;
    const ownCpuSeconds = ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(ownCpu));
    const promCpuSeconds = prometheusCpuSeconds(prom.dataDir) - promCpu;
    const failures = [...measured.values()].filter((m) => m.entry.kind !== 'measured').length;
    const grew = composed.entries.filter((e) => e.kind === 'measured' && e.status === 'grew').length;
    return {
      measurements: [{ name: `digest for ${SERVICES} services, measured + composed + chart (wall)`, median: wall, p95: wall, runs: 1, unit: 'ms', target: 60_000 }],
      notes: [
        `${total} queries to Prometheus, at most ${peak} in flight at once (${CONCURRENCY} services at a time; peak services measured at once: ${telemetry.measurementsInFlight.peak})`,
        `${grew} growing, ${failures} not measured; chart ${rendered.png ? `${Math.round(rendered.png.length / 1024)} KiB` : 'none'}; Prometheus set-up (simulate, backfill, start) ${(setupMs / 1000).toFixed(1)} s, not counted`,
        `CPU while measuring: pymem (all threads) ${ownCpuSeconds.toFixed(1)} s, Prometheus ${promCpuSeconds.toFixed(1)} s, over ${(wall / 1000).toFixed(1)} s of wall time on ${availableParallelism()} cores`,
      ],
    };
  } finally {
    await engine.close();
    proxy.close();
    await store.close();
    await prom.stop();
  }
}

if (require.main === module) {
  digestBench().then(
    ({ measurements, notes }) => {
      for (const m of measurements) console.log(`  ${m.name}: ${(m.median / 1000).toFixed(1)} s`);
      for (const note of notes) console.log(`  ${note}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
