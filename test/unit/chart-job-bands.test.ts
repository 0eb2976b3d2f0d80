import { describe, expect, it } from 'vitest';
import { buildMemoryChartSpec } from '../../src/charts/spec';
import { analyze } from '../../src/domain/analyze';
import { planRange } from '../../src/metrics/step';
import { simulate } from '../../src/simulation/model';
import { toServiceSeries } from '../../src/simulation/sample';
import { SCENARIOS } from '../support/scenario-set';

function specFor(id: string) {
  const sc = SCENARIOS.find((s) => s.id === id)!;
  const series = toServiceSeries(simulate(sc.spec), planRange({ endMs: sc.spec.endMs, durationMs: sc.spec.windowMs }, 15).grid);
  const outcome = analyze(series);
  if (outcome.status !== 'diagnosed') throw new Error('not diagnosed');
  return { spec: buildMemoryChartSpec(series, outcome.diagnosis, outcome.fleet, { timeZone: 'UTC' }), diagnosis: outcome.diagnosis };
}

describe('job bands on the memory chart', () => {
  it('shades each run of the job that drives memory, labelled once', () => {
    const { spec, diagnosis } = specFor('job-report-8w-24h');
    expect(diagnosis.pattern).toBe('job-driven');
    const jobs = spec.bands.filter((b) => b.fill.includes('245, 159, 0'));
    // generate_report runs 30 min every 4 h: six runs in 24 h.
    expect(jobs.length).toBeGreaterThanOrEqual(5);
    expect(jobs.length).toBeLessThanOrEqual(7);
    expect(jobs[0]!.label).toBe('generate_report runs');
    expect(jobs.slice(1).every((b) => b.label === '')).toBe(true);
    for (const b of jobs) expect(b.endMs - b.startMs).toBeLessThan(90 * 60_000);
  });

  it('draws no job bands when jobs are not what drives memory', () => {
    const { spec } = specFor('one-8w-6h');
    expect(spec.bands.filter((b) => b.fill.includes('245, 159, 0'))).toHaveLength(0);
  });
});

describe('a chart of pod-level data', () => {
  it('names pods, not workers, in the title, subtitle, axis and legend', () => {
    const sc = SCENARIOS.find((s) => s.id.startsWith('one-'))!;
    const series = toServiceSeries(simulate(sc.spec), planRange({ endMs: sc.spec.endMs, durationMs: sc.spec.windowMs }, 15).grid);
    const outcome = analyze({ ...series, source: { ...series.source, granularity: 'pod' } });
    if (outcome.status !== 'diagnosed') throw new Error('not diagnosed');
    expect(outcome.diagnosis.granularity).toBe('pod');
    const spec = buildMemoryChartSpec(series, outcome.diagnosis, outcome.fleet, { timeZone: 'UTC' });
    const words = [spec.title, spec.subtitle, spec.memoryAxis.title, ...spec.lines.map((l) => l.label), ...spec.legend.map((l) => l.label), spec.limit?.label ?? '', ...spec.markers.map((m) => m.label)].join(' | ');
    expect(spec.title).toContain('seen per pod');
    expect(spec.memoryAxis.title).toBe('memory per pod');
    expect(spec.subtitle).toMatch(/\d+ pods/);
    expect(words).not.toMatch(/\bworkers?\b(?! growing)/);
  });
});
