/**
 * End to end against VictoriaMetrics: one labelled scenario per pattern imported into a real
 * single-node VictoriaMetrics (raw scrapes, up included), analysed by the real `pymem` binary
 * through the default queries. VictoriaMetrics answers the same API but evaluates rate() without
 * Prometheus's extrapolation and fills gaps with its own lookback, so this is the check that the
 * diagnosis does not hang on Prometheus's arithmetic.
 */

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATTERN_IDS } from '../../src/domain/diagnosis';
import { formatWindow } from '../../src/domain/format';
import { SCENARIOS, SCENARIO_END_MS, type Scenario } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from '../support/victoria-metrics';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pymem.js');
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

beforeAll(async () => {
  vm = await startVictoriaMetrics({ families: familiesFor(ONE_PER_PATTERN.map((s) => s.spec)), readyTimeoutMs: 120_000 });
}, 180_000);

afterAll(async () => {
  await vm?.stop();
});

describe('the pymem binary against VictoriaMetrics', () => {
  it('imported every series, up included', async () => {
    expect(vm.imported.series).toBeGreaterThan(ONE_PER_PATTERN.length);
    const response = await fetch(`${vm.url}/api/v1/series?match[]=up&start=${SCENARIO_END_MS / 1000 - 86_400 * 8}&end=${SCENARIO_END_MS / 1000}`);
    const body = (await response.json()) as { data: { job: string }[] };
    expect(new Set(body.data.map((s) => s.job))).toEqual(new Set(ONE_PER_PATTERN.map((s) => s.spec.service)));
  });

  it.each(ONE_PER_PATTERN.map((sc) => [sc.label, sc] as const))('diagnoses a %s scenario', async (_label, sc) => {
    const run = await spawnCli([
      'analyze',
      sc.spec.service,
      '--prometheus',
      vm.url,
      '--end',
      END_ISO,
      '--window',
      formatWindow(sc.spec.windowMs),
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { pattern: string; secondary: string[]; window: { end: string; durationSeconds: number }; checklist: unknown[] };
    expect(out.pattern, `${sc.id}: ${sc.why}`).toBe(sc.label);
    for (const component of sc.components ?? []) expect(out.secondary, sc.id).toContain(component);
    expect(out.window.end).toBe(END_ISO);
    expect(out.window.durationSeconds).toBe(sc.spec.windowMs / 1000);
    expect(out.checklist).toHaveLength(5);
  }, 60_000);
});
