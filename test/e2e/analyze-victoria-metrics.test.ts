/**
 * End to end against VictoriaMetrics: every labelled scenario imported into a real single-node
 * VictoriaMetrics (raw scrapes, up included), analysed through the default queries in-process for
 * the whole set and by the real `pymem` binary for one scenario per pattern. VictoriaMetrics answers the same API but evaluates rate() without
 * Prometheus's extrapolation and fills gaps with its own lookback, so this is the check that the
 * diagnosis does not hang on Prometheus's arithmetic.
 */

import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { PATTERN_IDS, type PatternId } from '../../src/domain/diagnosis';
import { formatWindow } from '../../src/domain/format';
import { SCENARIOS, SCENARIO_END_MS, type Scenario } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { importChunks, startVictoriaMetrics, type RunningVictoriaMetrics } from '../support/victoria-metrics';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pymem.js');
const ARTIFACTS = join(ROOT, 'test', '.artifacts');
const END_ISO = new Date(SCENARIO_END_MS).toISOString();
const ONE_PER_PATTERN: readonly Scenario[] = PATTERN_IDS.map((id) => {
  const sc = SCENARIOS.find((s) => s.label === id);
  if (sc === undefined) throw new Error(`no labelled scenario for pattern ${id}`);
  return sc;
});

let vm: RunningVictoriaMetrics;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function spawnCli(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const analyzeArgs = (sc: Scenario): string[] => ['analyze', sc.spec.service, '--prometheus', vm.url, '--end', END_ISO, '--window', formatWindow(sc.spec.windowMs), '--json'];

async function inProcess(args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {}, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), now: () => SCENARIO_END_MS });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  // About 4.5 million samples: some 17 s of import here, against 70 s of promtool for the same set.
  vm = await startVictoriaMetrics({ families: familiesFor(SCENARIOS.map((s) => s.spec)), readyTimeoutMs: 180_000 });
}, 240_000);

afterAll(async () => {
  await vm?.stop();
});

describe('the import writer', () => {
  it('writes Prometheus text with _total counters, escaped labels and millisecond timestamps, in chunks, counting as it goes', () => {
    const t = SCENARIO_END_MS / 1000;
    const counts = { series: 0, samples: 0 };
    const chunks = [
      ...importChunks(
        [
          { name: 'jobs', type: 'counter', series: [{ labels: { job: 'a"b' }, samples: [{ tSeconds: t, value: 1 }, { tSeconds: t + 15.5, value: 2 }] }] },
          { name: 'mem', type: 'gauge', series: [{ labels: {}, samples: [{ tSeconds: t, value: 3e9 }] }] },
        ],
        40,
        counts,
      ),
    ];
    expect(chunks.join('')).toBe(`jobs_total{job="a\\"b"} 1 ${SCENARIO_END_MS}\njobs_total{job="a\\"b"} 2 ${SCENARIO_END_MS + 15_500}\nmem 3000000000 ${SCENARIO_END_MS}\n`);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.endsWith('\n'))).toBe(true);
    expect(counts).toEqual({ series: 2, samples: 3 });
  });
});

describe('every scenario through VictoriaMetrics and the default queries', () => {
  it('imported every series, up included', async () => {
    expect(vm.imported.series).toBeGreaterThan(SCENARIOS.length);
    const response = await fetch(`${vm.url}/api/v1/series?match[]=up&start=${SCENARIO_END_MS / 1000 - 86_400 * 8}&end=${SCENARIO_END_MS / 1000}`);
    const body = (await response.json()) as { data: { job: string }[] };
    expect(new Set(body.data.map((s) => s.job))).toEqual(new Set(SCENARIOS.map((s) => s.spec.service)));
  });

  // The same bar as the Prometheus run of the set (analyze-prometheus.test.ts): measured here, every
  // one of the 57 scenarios got the same pattern from both backends.
  it('classifies the set at 95% or better, and every stable scenario as stable', async () => {
    const wrong: string[] = [];
    const confusion = new Map<string, number>();
    for (const sc of SCENARIOS) {
      const run = await inProcess(analyzeArgs(sc));
      expect(run.code, `${sc.id}: ${run.stderr}`).toBe(0);
      const out = JSON.parse(run.stdout) as { pattern: PatternId; secondary: string[]; service: string };
      expect(out.service).toBe(sc.spec.service);
      const ok = out.pattern === sc.label && (sc.components ?? []).every((c) => out.secondary.includes(c));
      if (!ok) wrong.push(`${sc.id}: ${sc.label} -> ${out.pattern} [${out.secondary.join(',')}]`);
      if (sc.label === 'stable') expect(out.pattern, sc.id).toBe('stable');
      const key = `${sc.label} -> ${out.pattern}`;
      confusion.set(key, (confusion.get(key) ?? 0) + 1);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'victoria-metrics-confusion.txt'), [...confusion].map(([k, v]) => `${k}: ${v}`).sort().join('\n') + '\n');
    expect(1 - wrong.length / SCENARIOS.length, wrong.join('\n')).toBeGreaterThanOrEqual(0.95);
  }, 300_000);
});

describe('the pymem binary against VictoriaMetrics', () => {
  it.each(ONE_PER_PATTERN.map((sc) => [sc.label, sc] as const))('diagnoses a %s scenario', async (_label, sc) => {
    const run = await spawnCli(analyzeArgs(sc));
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { pattern: string; secondary: string[]; window: { end: string; durationSeconds: number }; checklist: unknown[] };
    expect(out.pattern, `${sc.id}: ${sc.why}`).toBe(sc.label);
    for (const component of sc.components ?? []) expect(out.secondary, sc.id).toContain(component);
    expect(out.window.end).toBe(END_ISO);
    expect(out.window.durationSeconds).toBe(sc.spec.windowMs / 1000);
    expect(out.checklist).toHaveLength(5);
  }, 60_000);
});
