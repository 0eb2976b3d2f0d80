/**
 * How often the diagnosis is right, on data it was not built on, through a real Prometheus and
 * the default queries: every recording of real Gunicorn, Uvicorn and Celery processes (as recorded,
 * and stretched x6 and x36), and a fixed sample of the held-out half of the nuisance matrix (the
 * second generator). The floors are today's figures: a change that makes the engine worse on
 * either fails here, and a change that makes it better raises them (`npx tsx
 * scripts/eval-scenarios.ts` prints the whole picture).
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casesOf, diagnoseAll, formatSummary, serveSet, summarise, type EvalCase, type EvalResult } from '../support/evaluation';
import type { RunningPrometheus } from '../support/prometheus';

const ROOT = join(__dirname, '..', '..');

function describeMistakes(results: readonly EvalResult[]): string[] {
  return results
    .filter((r) => !r.right)
    .map((r) => {
      const called = r.error ?? (r.outcome?.status === 'diagnosed' ? `${r.outcome.diagnosis.pattern} c=${r.outcome.diagnosis.confidence}` : r.outcome?.status);
      return `${r.case.id}: ${r.case.label} -> ${called}`;
    });
}

function verdictOf(r: EvalResult): { pattern: string; confidence: number } | null {
  return r.outcome?.status === 'diagnosed' ? { pattern: r.outcome.diagnosis.pattern, confidence: r.outcome.diagnosis.confidence } : null;
}

/** What must hold on any labelled set: no confident mistakes between stable and growth, and confidence that means what it says. */
function expectHonest(results: readonly EvalResult[]): void {
  const summary = summarise(results);
  console.log(formatSummary(results[0]?.case.set ?? 'set', summary));
  for (const r of results) expect(r.error, r.case.id).toBeNull();
  // A stable service called something else, or a growing one called stable, with confidence: the worst posts.
  const confidentlyWrong = results.filter((r) => {
    const v = verdictOf(r);
    if (v === null || v.confidence < 0.5) return false;
    return (r.case.label === 'stable') !== (v.pattern === 'stable');
  });
  expect(confidentlyWrong.map((r) => r.case.id)).toEqual([]);
  // Of the verdicts at 0.9 or above, at least 95% are right.
  expect(summary.highConfidenceCount).toBeGreaterThan(results.length / 3);
  expect(summary.accuracyAtHighConfidence).toBeGreaterThanOrEqual(0.95);
}

describe('the recordings of real processes', () => {
  let prom: RunningPrometheus;
  let results: EvalResult[];
  const cases = casesOf('recorded');

  beforeAll(async () => {
    prom = await serveSet('recorded', cases);
    results = await diagnoseAll(cases, prom.url);
  }, 300_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('are all diagnosed, at least 98% right, and the confident verdicts are right', () => {
    expect(cases.length).toBeGreaterThanOrEqual(78);
    expectHonest(results);
    const right = results.filter((r) => r.right).length;
    expect(right / results.length, describeMistakes(results).join('\n')).toBeGreaterThanOrEqual(0.98);
    // Whatever the confidence: no stable service called something else, no growing one called stable.
    const stableMixups = results.filter((r) => {
      const v = verdictOf(r);
      return v !== null && (r.case.label === 'stable') !== (v.pattern === 'stable');
    });
    expect(stableMixups.map((r) => r.case.id)).toEqual([]);
  });

  it('stretched to an hour or six, at most one is wrong', () => {
    const stretched = results.filter((r) => !r.case.id.endsWith('~as-recorded'));
    expect(describeMistakes(stretched).length, describeMistakes(stretched).join('\n')).toBeLessThanOrEqual(1);
  });

  it('as recorded (ten minutes, counters starting with the window), at least 25 of 26 are right, and a wrong one says it is unsure', () => {
    const short = results.filter((r) => r.case.id.endsWith('~as-recorded'));
    const wrong = short.filter((r) => !r.right);
    expect(short.length - wrong.length, describeMistakes(short).join('\n')).toBeGreaterThanOrEqual(25);
    for (const r of wrong) expect(verdictOf(r)?.confidence ?? 0, r.case.id).toBeLessThan(0.7);
  });
});

describe('a sample of the held-out nuisance matrix', () => {
  let prom: RunningPrometheus;
  let results: EvalResult[];
  // Every twelfth held-out case: all patterns, every nuisance, 1 to 128 workers, 1 h to 7 d.
  const sample: EvalCase[] = casesOf('matrix')
    .filter((c) => c.split === 'holdout')
    .filter((_, i) => i % 12 === 0);

  beforeAll(async () => {
    // Its own data directory: the sample is not the whole set the evaluation script caches.
    prom = await serveSet('matrix', sample, join(ROOT, '.cache', 'e2e-matrix-sample'));
    results = await diagnoseAll(sample, prom.url);
  }, 900_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('is at least 97% right, every pattern present, and the confident verdicts are right', () => {
    expect(new Set(sample.map((c) => c.label)).size).toBe(9);
    expectHonest(results);
    const right = results.filter((r) => r.right).length;
    expect(right / results.length, describeMistakes(results).join('\n')).toBeGreaterThanOrEqual(0.97);
  });
});
