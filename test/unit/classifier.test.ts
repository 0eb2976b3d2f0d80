import { simulatedSource } from '../../src/simulation/sample';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/domain/classify';
import { divergers, type Divergence } from '../../src/domain/classify/divergence';
import { followShare, levelEvidence, type DriverRelation } from '../../src/domain/classify/drivers';
import { PATTERN_IDS, type Diagnosis, type PatternId } from '../../src/domain/diagnosis';
import { simulate } from '../../src/simulation/model';
import { toServiceSeries } from '../../src/simulation/sample';
import { planRange } from '../../src/metrics/step';
import { SCENARIOS, type Scenario } from '../support/scenario-set';
import { randomScenarios } from '../support/random-scenarios';
import type { GridSeries, ServiceSeries } from '../../src/domain/series';

function run(sc: Scenario): Diagnosis {
  const plan = planRange({ endMs: sc.spec.endMs, durationMs: sc.spec.windowMs }, 15);
  return classify(toServiceSeries(simulate(sc.spec), plan.grid));
}

function correct(sc: Scenario, d: Diagnosis): boolean {
  return d.pattern === sc.label && (sc.components ?? []).every((c) => d.secondary.includes(c));
}

describe('the labelled scenario set', () => {
  const results = SCENARIOS.map((sc) => ({ sc, d: run(sc) }));

  it('has at least 40 scenarios and at least 4 per pattern id', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(40);
    for (const id of PATTERN_IDS) expect(SCENARIOS.filter((s) => s.label === id).length, id).toBeGreaterThanOrEqual(4);
    expect(new Set(SCENARIOS.map((s) => s.id)).size).toBe(SCENARIOS.length);
  });

  it('is classified at 95% or better', () => {
    const wrong = results.filter(({ sc, d }) => !correct(sc, d)).map(({ sc, d }) => `${sc.id}: ${sc.label} -> ${d.pattern} [${d.secondary.join(',')}]`);
    const accuracy = 1 - wrong.length / results.length;
    expect(accuracy, wrong.join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('never calls a stable scenario anything else', () => {
    const stable = results.filter(({ sc }) => sc.label === 'stable');
    expect(stable.map(({ d }) => d.pattern)).toEqual(stable.map(() => 'stable'));
  });

  it('gives every diagnosis numbers a responder can act on', () => {
    for (const { sc, d } of results) {
      expect(d.confidence, sc.id).toBeGreaterThanOrEqual(0);
      expect(d.confidence, sc.id).toBeLessThanOrEqual(1);
      expect(d.findings.length, sc.id).toBeGreaterThan(0);
      expect(d.findings.some((f) => /\d/.test(f)), sc.id).toBe(true);
      expect(d.workers.length, sc.id).toBeGreaterThan(0);
      if (d.pattern === 'mixed') expect(d.secondary.length, sc.id).toBeGreaterThanOrEqual(2);
    }
  });

  it('names the growing pid for one-worker leaks', () => {
    for (const { sc, d } of results.filter(({ sc }) => sc.label === 'one-worker-growing')) {
      const growing = d.workers.filter((w) => w.trend === 'growing');
      expect(growing.length, sc.id).toBeGreaterThan(0);
      expect(growing.some((g) => d.findings[0]!.includes(`pid ${g.pid} `)), `${sc.id}: ${d.findings[0]}`).toBe(true);
    }
  });

  it('reports worker-count changes with their time', () => {
    for (const { sc, d } of results.filter(({ sc }) => sc.label === 'worker-count-jump')) {
      const up = d.workerCountChanges.filter((c) => c.to > c.from);
      expect(up.length, sc.id).toBeGreaterThan(0);
      const scaleAt = sc.spec.lifecycle!.scale![0]!.atMs;
      expect(Math.abs(Date.parse(up[0]!.at) - scaleAt), sc.id).toBeLessThan(sc.spec.windowMs * 0.05);
    }
  });

  it('forecasts time to the limit only for a growing total', () => {
    const leak = results.find(({ sc }) => sc.id === 'one-8w-6h')!;
    const limit = leak.d.limit!;
    const expected = (limit.bytes - limit.currentTotalBytes) / (1024 * 1024) / 68;
    expect(limit.hoursToLimit!).toBeGreaterThan(expected * 0.8);
    expect(limit.hoursToLimit!).toBeLessThan(expected * 1.25);
    const large = results.find(({ sc }) => sc.id === 'large-16w-6h')!;
    expect(large.d.limit?.hoursToLimit).toBeNull();
    expect(large.d.limit!.usedFraction).toBeGreaterThan(0.85);
  });
});

describe('randomised draws (generalisation check, not tuned on)', () => {
  it('stays at 95% or better on 120 fresh scenarios', () => {
    const draws = randomScenarios(15, 20261130);
    const wrong = draws.map((sc) => ({ sc, d: run(sc) })).filter(({ sc, d }) => !correct(sc, d));
    expect(wrong.length / draws.length, wrong.map(({ sc, d }) => `${sc.id} -> ${d.pattern}`).join('\n')).toBeLessThanOrEqual(0.05);
  });
});

describe('edge cases', () => {
  const grid = { startMs: Date.UTC(2026, 0, 1), stepMs: 60_000, length: 361 };
  const flat = (pid: string, miB: number): GridSeries => ({
    labels: { pid, instance: 'web-1' },
    values: Float64Array.from({ length: grid.length }, () => miB * 1024 * 1024),
  });
  const service = (memory: GridSeries[], extra: Partial<ServiceSeries> = {}): ServiceSeries => ({
    service: 'edge',
    grid,
    memory,
    traffic: null,
    jobs: [],
    limit: null,
    targets: [],
    restarts: [],
    source: simulatedSource('edge'),
    warnings: [],
    ...extra,
  });

  it('calls perfectly flat workers stable, with full confidence', () => {
    const d = classify(service([flat('1', 200), flat('2', 210), flat('3', 190)]));
    expect(d.pattern).toBe('stable');
    expect(d.confidence).toBeGreaterThanOrEqual(0.9);
    expect(d.verdict).toMatch(/not a leak/);
  });

  it('handles traffic that is all NaN or all zero', () => {
    const nan = { labels: {}, values: new Float64Array(grid.length).fill(NaN) };
    const zero = { labels: {}, values: new Float64Array(grid.length) };
    expect(classify(service([flat('1', 200), flat('2', 200)], { traffic: nan })).pattern).toBe('stable');
    expect(classify(service([flat('1', 200), flat('2', 200)], { traffic: zero })).pattern).toBe('stable');
  });

  it('survives series that are mostly missing', () => {
    const sparse = flat('1', 300);
    for (let i = 0; i < grid.length; i++) if (i % 7 !== 0) sparse.values[i] = NaN;
    const d = classify(service([sparse, flat('2', 300)]));
    expect(PATTERN_IDS).toContain(d.pattern);
  });

  it('weighs a worker that grew just past the bar as weak evidence, rising smoothly with the growth', () => {
    // Eight workers of 240 MiB over 6 h, with a little noise; one climbs steadily by `by` MiB.
    const noisy = (pid: string, by: number): GridSeries => ({
      labels: { pid, instance: 'web-1' },
      values: Float64Array.from({ length: grid.length }, (_, i) => (240 + (by * i) / (grid.length - 1) + (((i * 37 + Number(pid) * 11) % 7) - 3) * 0.3) * 1024 * 1024),
    });
    const withGrower = (by: number) => classify(service([noisy('1', by), ...['2', '3', '4', '5', '6', '7', '8'].map((pid) => noisy(pid, 0))]));
    // 10 MiB is under the bar, 11 just over it: not a jump from "stable, 0.98" to "one worker, 0.99".
    const justOver = withGrower(11);
    expect(justOver.scores['one-worker-growing']).toBeLessThan(0.5);
    expect(justOver.confidence).toBeLessThan(0.8);
    const scores = [11, 13, 16, 20].map((by) => withGrower(by).scores['one-worker-growing']);
    expect([...scores].sort((a, b) => a - b)).toEqual(scores);
    const clear = withGrower(25);
    expect(clear.pattern).toBe('one-worker-growing');
    expect(clear.confidence).toBeGreaterThanOrEqual(0.9);
  });

  it('is deterministic', () => {
    const sc = SCENARIOS.find((s) => s.id === 'mixed-one-and-traffic-24h')!;
    expect(JSON.stringify(run(sc))).toBe(JSON.stringify(run(sc)));
  });

  it('limits: over the limit reports zero hours left', () => {
    const d = classify(service([flat('1', 600), flat('2', 600)], { limit: { bytes: 1000 * 1024 * 1024, source: 'config' } }));
    expect(d.limit?.hoursToLimit).toBe(0);
    expect(d.limit?.usedFraction).toBeGreaterThan(1);
  });

  it('uses only pattern ids from the table', () => {
    const ids: readonly PatternId[] = PATTERN_IDS;
    expect(ids).toEqual(['stable', 'one-worker-growing', 'all-workers-growing', 'all-workers-large-stable', 'worker-count-jump', 'follows-traffic', 'high-while-idle', 'job-driven', 'mixed']);
  });
});

describe('a worker leaving the pack', () => {
  // Eight workers watched over 6 h; worker 0 moved 21 MiB relative to the median worker, steadily.
  const judged = Array.from({ length: 8 }, (_, index) => ({ index, startMiB: 130, growthMiB: index === 0 ? 21 : 0.5, measuredHours: 6 }));
  const others: Divergence[] = Array.from({ length: 7 }, (_, k) => ({ growthMiB: (k % 3) * 0.4 - 0.4, endAboveMiB: 0, steadiness: 0.2, hours: 6 }));

  it('is one that ends above the others', () => {
    const leaver: Divergence = { growthMiB: 21, endAboveMiB: 20, steadiness: 0.8, hours: 6 };
    expect(divergers([leaver, ...others], judged, 6)).toEqual([0]);
  });

  it('is not one that climbed from below to where the others are (a young worker catching up)', () => {
    const catchingUp: Divergence = { growthMiB: 21, endAboveMiB: 0.5, steadiness: 0.8, hours: 6 };
    expect(divergers([catchingUp, ...others], judged, 6)).toEqual([]);
  });

  it('is found among four workers too, while four that grow together at their own paces have none', () => {
    // Four workers, each stepping up with a job's runs; one also climbs 170 MiB between them.
    const four = judged.slice(0, 4).map((w) => ({ ...w, startMiB: 200, growthMiB: w.index === 0 ? 170 : 50 }));
    const packMates: Divergence[] = [0.6, -0.6, 0.2].map((g) => ({ growthMiB: g, endAboveMiB: g, steadiness: 0.1, hours: 6 }));
    expect(divergers([{ growthMiB: 120, endAboveMiB: 118, steadiness: 0.95, hours: 6 }, ...packMates], four, 6)).toEqual([0]);
    const paces: Divergence[] = [9, 3, -3, -9].map((g) => ({ growthMiB: g, endAboveMiB: g, steadiness: 0.9, hours: 6 }));
    expect(divergers(paces, four, 6)).toEqual([]);
  });

  it('is measured against the typical move: in a fleet recycled faster than the window every life climbs a little against the median', () => {
    // Sixteen young workers each ended 5-9 MiB above the pack's median (their warm-up); one 11 MiB.
    const judged16 = Array.from({ length: 16 }, (_, index) => ({ index, startMiB: 240, growthMiB: 8, measuredHours: 0.4 }));
    const moves = [11, 5, 6, 7, 8, 9, 6, 7, 8, 5, 9, 7, 6, 8, 7, 6];
    const divs: Divergence[] = moves.map((g) => ({ growthMiB: g, endAboveMiB: g, steadiness: 0.9, hours: 0.4 }));
    expect(divergers(divs, judged16, 0.5)).toEqual([]);
    // One that moved 25 MiB has left the pack by any measure.
    expect(divergers([{ growthMiB: 25, endAboveMiB: 25, steadiness: 0.9, hours: 0.4 }, ...divs.slice(1)], judged16.map((w) => (w.index === 0 ? { ...w, growthMiB: 25 } : w)), 0.5)).toEqual([0]);
  });

  it('needs four workers: among three, which one left is not a pattern', () => {
    const three = judged.slice(0, 3);
    expect(divergers([{ growthMiB: 21, endAboveMiB: 20, steadiness: 0.8, hours: 6 }, ...others.slice(0, 2)], three, 6)).toEqual([]);
  });
});

describe('memory that follows a driver', () => {
  const relation = (over: Partial<DriverRelation>): DriverRelation => ({
    correlation: 0.5,
    partialCorrelation: 0.95,
    growthCorrelation: 0,
    growthDependence: 0,
    r2Time: 0.6,
    r2Driver: 0.27,
    r2DriverTime: 0.01,
    followShare: 1,
    swingMiB: 70,
    smoothing: 1,
    smoothed: new Float64Array(0),
    coefficient: 0.08,
    ...over,
  });

  it('counts under a leak: a daily cycle beside a week-long climb leaves the driver a small plain r²', () => {
    // 0.95 partial correlation with 40% of the variance left after the trend: 36% explained by traffic.
    expect(levelEvidence(relation({}), 230)).toBeGreaterThan(0.8);
  });

  it('does not count when the driver adds little beside the trend, or moves memory by too little', () => {
    expect(levelEvidence(relation({ partialCorrelation: 0.35 }), 230)).toBe(0);
    expect(levelEvidence(relation({ partialCorrelation: 0.6, r2Time: 0.9, r2Driver: 0.05 }), 230)).toBe(0);
    expect(levelEvidence(relation({ swingMiB: 5 }), 230)).toBe(0);
  });
});

describe('which workers follow a driver', () => {
  // 240 buckets over three days; traffic steps up for a day in the middle. Six processes, each
  // recycled after half a day: only the one alive across the step saw traffic move.
  const hours = Float64Array.from({ length: 240 }, (_, b) => (b * 72) / 240);
  const traffic = Float64Array.from({ length: 240 }, (_, b) => (b >= 80 && b < 160 ? 250 : 30));
  const life = (from: number, to: number): Float64Array =>
    Float64Array.from({ length: 240 }, (_, b) => (b >= from && b < to ? 270 + 0.45 * traffic[b]! + ((b * 7) % 5) : NaN));

  it('asks only the lives that saw the driver move', () => {
    const workers = [life(0, 40), life(40, 75), life(70, 110), life(160, 200), life(200, 240), life(110, 160)];
    expect(followShare(traffic, hours, workers)).toBe(1);
  });

  it('still says so when a life that saw it move does not follow', () => {
    const flatAcross = Float64Array.from({ length: 240 }, (_, b) => (b >= 60 && b < 100 ? 270 + ((b * 7) % 5) : NaN));
    const follower = life(120, 180);
    // 60 following buckets of the 100 that saw traffic move; the first life is not asked.
    expect(followShare(traffic, hours, [life(0, 40), flatAcross, follower])).toBeCloseTo(0.6, 9);
  });
});
