/**
 * End to end: every labelled scenario backfilled into a real Prometheus with promtool, analysed
 * through the default queries, in-process for the whole set and through the real `pymem` binary
 * for one scenario per pattern and for every kind of bad input.
 */

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { PATTERN_IDS, type PatternId } from '../../src/domain/diagnosis';
import { formatWindow } from '../../src/domain/format';
import { SCENARIOS, SCENARIO_END_MS, type Scenario } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import type { MetricFamily } from '../support/openmetrics';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pymem.js');
const ARTIFACTS = join(ROOT, 'test', '.artifacts');
const END_ISO = new Date(SCENARIO_END_MS).toISOString();

let prom: RunningPrometheus;

/** Services that exist in Prometheus but cannot be diagnosed per worker. */
function extraFamilies(): MetricFamily[] {
  const t0 = SCENARIO_END_MS / 1000 - 6 * 3600;
  const samples = (value: (i: number) => number) =>
    Array.from({ length: 6 * 240 + 1 }, (_, i) => ({ tSeconds: t0 + i * 15, value: value(i) }));
  return [
    // Scraped, but exports no process memory (prometheus_client multiprocess mode).
    { name: 'http_requests_total', type: 'counter', series: [{ labels: { job: 'multiproc-api', instance: 'web-1' }, samples: samples((i) => i * 30) }] },
    // Only a container-level line per pod.
    {
      name: 'container_memory_working_set_bytes',
      type: 'gauge',
      series: [
        { labels: { container: 'podded-api', pod: 'podded-api-1' }, samples: samples(() => 2.1e9) },
        { labels: { container: 'podded-api', pod: 'podded-api-2' }, samples: samples(() => 2.3e9) },
      ],
    },
  ];
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function inProcess(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, env, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    now: () => SCENARIO_END_MS,
  });
  return { code, stdout, stderr };
}

function spawnCli(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const analyzeArgs = (sc: Scenario, extra: string[] = []): string[] => [
  'analyze',
  sc.spec.service,
  '--prometheus',
  prom.url,
  '--end',
  END_ISO,
  '--window',
  formatWindow(sc.spec.windowMs),
  '--json',
  ...extra,
];

beforeAll(async () => {
  prom = await startPrometheus({ families: familiesFor(SCENARIOS.map((s) => s.spec), extraFamilies()), readyTimeoutMs: 60_000 });
}, 240_000);

afterAll(async () => {
  await prom?.stop();
});

describe('every scenario through a real Prometheus and the default queries', () => {
  it('classifies the set at 95% or better, and every stable scenario as stable', async () => {
    const wrong: string[] = [];
    const confusion = new Map<string, number>();
    for (const sc of SCENARIOS) {
      const run = await inProcess(analyzeArgs(sc));
      expect(run.code, `${sc.id}: ${run.stderr}`).toBe(0);
      const out = JSON.parse(run.stdout) as { pattern: PatternId; secondary: string[]; service: string; confidence: number; findings: string[] };
      expect(out.service).toBe(sc.spec.service);
      expect(PATTERN_IDS).toContain(out.pattern);
      const ok = out.pattern === sc.label && (sc.components ?? []).every((c) => out.secondary.includes(c));
      if (!ok) wrong.push(`${sc.id}: ${sc.label} -> ${out.pattern} [${out.secondary.join(',')}]`);
      if (sc.label === 'stable') expect(out.pattern, sc.id).toBe('stable');
      const key = `${sc.label} -> ${out.pattern}`;
      confusion.set(key, (confusion.get(key) ?? 0) + 1);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'prometheus-confusion.txt'), [...confusion].map(([k, v]) => `${k}: ${v}`).sort().join('\n') + '\n');
    expect(1 - wrong.length / SCENARIOS.length, wrong.join('\n')).toBeGreaterThanOrEqual(0.95);
  }, 300_000);

  it('sends exactly the default queries, with the service as an escaped label value', async () => {
    const log = await prom.queryLog();
    expect(log).toContain('process_resident_memory_bytes{job="ow-a"}');
    expect(log).toContain('sum(rate(http_requests_total{job="ow-a"}[5m]))');
    expect(log).toContain('sum by (name) (rate(celery_task_started_total{job="ow-a"}[5m]))');
    expect(log).toContain('sum(container_spec_memory_limit_bytes{container="ow-a"})');
  });
});

describe('the pymem binary', () => {
  const onePerPattern = PATTERN_IDS.map((id) => SCENARIOS.find((s) => s.label === id)!);

  it.each(onePerPattern.map((sc) => [sc.label, sc] as const))('diagnoses a %s scenario', async (_label, sc) => {
    const run = await spawnCli(analyzeArgs(sc));
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { pattern: string; window: { end: string; durationSeconds: number }; findings: string[]; checklist: unknown[] };
    expect(out.pattern).toBe(sc.label);
    expect(out.window.end).toBe(END_ISO);
    expect(out.window.durationSeconds).toBe(sc.spec.windowMs / 1000);
    expect(out.checklist).toHaveLength(5);
  }, 60_000);

  it('prints a readable report and writes a real PNG', async () => {
    const sc = SCENARIOS.find((s) => s.id === 'one-diurnal-16w-24h')!;
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, `e2e-${sc.id}.png`);
    const args = analyzeArgs(sc, ['--png', png]).filter((a) => a !== '--json');
    const run = await spawnCli(args);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Pattern: one worker growing');
    expect(run.stdout).toMatch(/pid \d+ on web-\d grew/);
    expect(run.stdout).toContain('Checklist');
    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(bytes.readUInt32BE(16)).toBe(1000);
    expect(bytes.length).toBeGreaterThan(20_000);
  }, 60_000);

  it('explains a service that exports no per-process memory', async () => {
    const run = await spawnCli(['analyze', 'multiproc-api', '--prometheus', prom.url, '--end', END_ISO, '--window', '6h']);
    expect(run.code).toBe(5);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^pymem: The memory query returned no series for multiproc-api/);
    expect(run.stdout).toContain('multiprocess');
    expect(run.stdout).toContain('pid');
  }, 60_000);

  it('diagnoses one line per pod at pod granularity instead of refusing', async () => {
    const dir = join(ARTIFACTS, 'config');
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'podded.yml');
    writeFileSync(config, 'services:\n  podded-api:\n    queries:\n      memory: container_memory_working_set_bytes{container="$service"}\n');
    type PodOut = { status: string; granularity: string; pattern: string; source: { preset: string | null; granularity: string | null }; workers: unknown[] };
    const pinned = await spawnCli(['analyze', 'podded-api', '--prometheus', prom.url, '--config', config, '--end', END_ISO, '--window', '6h', '--json']);
    expect(pinned.code, pinned.stderr).toBe(0);
    const out = JSON.parse(pinned.stdout) as PodOut;
    expect(out.status).toBe('diagnosed');
    expect(out.granularity).toBe('pod');
    expect(out.workers).toHaveLength(2);
    expect(out.pattern).toBe('stable');

    // With no config at all, the sources are tried in order and cAdvisor's answers.
    const detected = await spawnCli(['analyze', 'podded-api', '--prometheus', prom.url, '--end', END_ISO, '--window', '6h', '--json']);
    expect(detected.code, detected.stderr).toBe(0);
    const auto = JSON.parse(detected.stdout) as PodOut;
    expect(auto.granularity).toBe('pod');
    expect(auto.source.preset).toBe('cadvisor');
    expect(auto.pattern).toBe(out.pattern);
  }, 60_000);

  it('says when a service is unknown', async () => {
    const run = await spawnCli(['analyze', 'no-such-service', '--prometheus', prom.url, '--end', END_ISO]);
    expect(run.code).toBe(5);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/no-such-service/);
  }, 60_000);

  it('says when the backend is unreachable', async () => {
    const run = await spawnCli(['analyze', 'ow-a', '--prometheus', 'http://127.0.0.1:1', '--end', END_ISO]);
    expect(run.code).toBe(4);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^pymem: /);
  }, 60_000);

  it.each([
    ['a quote', 'ow-a"} or vector(1) #'],
    ['braces', 'ow-a}{'],
    ['a backslash', 'ow\\-a'],
    ['a newline', 'ow-a\n'.concat('up')],
    ['a regex', 'ow-.*'],
    ['a PromQL function', 'sum(up)'],
  ])('refuses a service name with %s before anything is sent', async (_what, name) => {
    const before = (await prom.queryLog()).length;
    const run = await spawnCli(['analyze', name, '--prometheus', prom.url, '--end', END_ISO]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain('\n'.concat('up'));
    expect((await prom.queryLog()).length).toBe(before);
  }, 60_000);

  it.each([
    [['analyze', 'ow-a', '--frobnicate']],
    [['analyze', 'ow-a', '--window', 'banana']],
    [['analyze', 'ow-a', '--end', 'yesterday']],
    [['analyze']],
    [['analyse', 'ow-a']],
  ])('rejects bad usage %j with exit code 2 and one line', async (args) => {
    const run = await spawnCli(args, { PROMETHEUS_URL: prom.url });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(/^pymem: /);
  }, 60_000);

  it('reports a bad setting as one line naming it', async () => {
    const run = await spawnCli(['analyze', 'ow-a'], { PROMETHEUS_URL: 'not a url' });
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('PROMETHEUS_URL');
  }, 60_000);
});
