/**
 * Verifying a fix from synthetic fleets with known truth: growth that stops at a deploy, growth that
 * goes on, growth that slows, no growth at all, at several noise levels, and the rule that a short
 * period after the change never gives `fixed`.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../../src/domain/fleet';
import { MIB, MINUTE_MS, type GridSeries, type ServiceSeries } from '../../src/domain/series';
import { latestDeploy, MIN_AFTER_MS, sliceSeries, verifyFix, type SinceChoice, type Verification } from '../../src/domain/verify';
import { buildVerifyChartSpec } from '../../src/charts/verify-spec';
import { makeGrid, makeSeries, makeServiceSeries, seededRandom } from '../support/diagnosis-factory';

const STEP_S = 15;
const START = '2026-03-02T06:00:00Z';
const START_MS = Date.parse(START);
/** 6 h at 15 s. */
const GRID = makeGrid(START, STEP_S, 6 * 240 + 1);
const DEPLOY_MIN = 4 * 60;
const DEPLOY_MS = START_MS + DEPLOY_MIN * MINUTE_MS;
const idx = (minutes: number): number => Math.round((minutes * 60) / STEP_S);

interface FleetShape {
  /** MiB/h per worker before the deploy and after it. */
  readonly before: number;
  readonly after: number;
  /** Scrape noise, MiB (standard deviation). */
  readonly noise?: number;
  /** Replace every process at DEPLOY_MIN (new pids, back at the base size). */
  readonly deploy?: boolean;
  readonly seed?: number;
}

/** 8 workers on 2 targets. */
function fleetSeries(shape: FleetShape): ServiceSeries {
  const random = seededRandom(shape.seed ?? 7);
  const gauss = (): number => Math.sqrt(-2 * Math.log(Math.max(1e-12, random()))) * Math.cos(2 * Math.PI * random());
  const deployAt = idx(DEPLOY_MIN);
  const memory: GridSeries[] = [];
  for (let w = 0; w < 8; w++) {
    const instance = `web-${w % 2}`;
    const base = 300 + 7 * w;
    const hours = (i: number): number => (i * STEP_S) / 3600;
    const value = (i: number, rateBefore: number, rateAfter: number, fromZeroAt: number): number => {
      const h = hours(i) - hours(fromZeroAt);
      const grown = i < deployAt ? rateBefore * h : rateBefore * (hours(deployAt) - hours(fromZeroAt)) + rateAfter * (hours(i) - hours(deployAt));
      return (base + grown + (shape.noise ?? 2) * gauss()) * MIB;
    };
    if (shape.deploy ?? true) {
      memory.push(makeSeries(GRID, { job: 'api', instance, pid: String(1000 + w) }, (i) => (i < deployAt ? value(i, shape.before, shape.before, 0) : Number.NaN)));
      // The new process: its own growth from its own start.
      memory.push(makeSeries(GRID, { job: 'api', instance, pid: String(2000 + w) }, (i) => (i >= deployAt ? value(i, shape.after, shape.after, deployAt) : Number.NaN)));
    } else {
      memory.push(makeSeries(GRID, { job: 'api', instance, pid: String(1000 + w) }, (i) => value(i, shape.before, shape.after, 0)));
    }
  }
  return makeServiceSeries({ grid: GRID, memory });
}

/** The series up to `minutes` after the start (a verification asked for earlier). */
function cut(series: ServiceSeries, minutes: number): ServiceSeries {
  return sliceSeries(series, 0, idx(minutes));
}

function verify(series: ServiceSeries, since: SinceChoice = { kind: 'at', ms: DEPLOY_MS, origin: 'given' }): Verification {
  const outcome = verifyFix({ series, since });
  if (outcome.status !== 'verified') throw new Error(`not verified: ${outcome.message}`);
  return outcome.verification;
}

describe('growth that stops at a deploy', () => {
  const series = fleetSeries({ before: 20, after: 0 });

  it('is fixed after it, with the rates from the data', () => {
    const v = verify(series);
    expect(v.verdict).toBe('fixed');
    expect(v.confidence).toBeGreaterThan(0.9);
    // 8 workers x 20 MiB/h.
    expect(v.before.growthMiBPerHour).toBeGreaterThan(150);
    expect(v.before.growthMiBPerHour).toBeLessThan(170);
    expect(Math.abs(v.after.growthMiBPerHour!)).toBeLessThan(10);
    expect(v.before.workers.filter((w) => w.grew)).toHaveLength(8);
    expect(v.after.workers.filter((w) => w.grew)).toHaveLength(0);
    expect(v.before.pattern).toBe('all-workers-growing');
    expect(v.after.pattern).toBe('stable');
    expect(v.summary).toMatch(/^Fixed: /);
    expect(v.findings[0]).toMatch(/grew 1\d\d MiB\/h \(± [\d.]+ (KiB|MiB)\/h\) over 4 h; since then .* over 2 h\./);
    expect(v.findings[1]).toMatch(/^8 workers of 8 grew before .*; none since\.$/);
  });

  it('finds the deploy by itself and judges it', () => {
    const deploy = latestDeploy(buildFleet(series));
    expect(deploy).not.toBeNull();
    expect(Math.abs(deploy!.atMs - DEPLOY_MS)).toBeLessThanOrEqual(STEP_S * 1000);
    expect(deploy!.replaced).toBe(8);
    const v = verify(series, { kind: 'latest-deploy', fallbackMs: null });
    expect(v.sinceOrigin).toBe('deploy');
    expect(v.verdict).toBe('fixed');
    expect(v.summary).toContain('the deploy at 10:00 UTC');
  });

  it('is not fixed when `since` is well before the fix, with the data up to the deploy', () => {
    const v = verify(cut(series, DEPLOY_MIN + 10), { kind: 'at', ms: START_MS + 2 * 60 * MINUTE_MS, origin: 'given' });
    expect(v.verdict).toBe('not-fixed');
    expect(v.after.growthMiBPerHour).toBeGreaterThan(120);
  });

  it('is too early shortly after the change, and says how much longer', () => {
    for (const minutes of [5, 10, 15, 20, 25]) {
      const v = verify(cut(series, DEPLOY_MIN + minutes));
      expect(v.verdict, `${minutes} min after`).toBe('too-early');
      expect(v.needsMoreMs).toBeGreaterThan(0);
      expect(v.needsMoreMs).toBeLessThanOrEqual(2 * 60 * MINUTE_MS);
      expect(v.summary).toMatch(/needs about \d+ min more/);
      // The new processes are still warming up: no rate, and none of them counted as grown.
      expect(v.after.workers.filter((w) => w.grew)).toHaveLength(0);
      if (minutes <= 15) {
        expect(v.after.growthMiBPerHour).toBeNull();
        expect(v.findings[0]).toMatch(/too little for a rate yet/);
      }
    }
  });

  it('is never fixed from less than the minimum time after the change, even with no noise at all', () => {
    const quiet = fleetSeries({ before: 40, after: 0, noise: 0, deploy: false });
    for (let minutes = 1; minutes * MINUTE_MS < MIN_AFTER_MS; minutes += 2) {
      const v = verify(cut(quiet, DEPLOY_MIN + minutes));
      expect(v.verdict, `${minutes} min after`).toBe('too-early');
    }
    expect(verify(cut(quiet, DEPLOY_MIN + 40)).verdict).toBe('fixed');
  });
});

describe('the verdicts', () => {
  it('growth that goes on at the same rate is not fixed', () => {
    const v = verify(fleetSeries({ before: 15, after: 15, deploy: false }));
    expect(v.verdict).toBe('not-fixed');
    expect(v.confidence).toBeGreaterThan(0.9);
    expect(v.summary).toMatch(/^Not fixed: memory still grows/);
  });

  it('a deploy that does not fix the leak is not fixed (new processes leak again)', () => {
    expect(verify(fleetSeries({ before: 15, after: 15 })).verdict).toBe('not-fixed');
  });

  it('growth slowed to a third is improved', () => {
    const v = verify(fleetSeries({ before: 30, after: 10, deploy: false }));
    expect(v.verdict).toBe('improved');
    expect(v.after.growthMiBPerHour).toBeGreaterThan(60);
    expect(v.after.growthMiBPerHour).toBeLessThan(100);
  });

  it('growth cut to a tenth but still clearly there is improved, not fixed', () => {
    const v = verify(fleetSeries({ before: 30, after: 3, deploy: false }));
    expect(v.after.growthMiBPerHour).toBeGreaterThan(15);
    expect(v.after.growthMiBPerHour).toBeLessThan(0.2 * v.before.growthMiBPerHour!);
    expect(v.verdict).toBe('improved');
  });

  it('no growth before is never fixed: there was nothing to fix', () => {
    const v = verify(fleetSeries({ before: 0, after: 0 }));
    expect(v.verdict).toBe('no-growth-before');
    expect(v.summary).toMatch(/^Nothing to fix/);
  });
});

describe('which workers grew', () => {
  it('a worker taken for warming up that climbs as fast as the growing ones grew too', () => {
    const base = fleetSeries({ before: 20, after: 0, deploy: false });
    // A worker started an hour in, below its peers, leaking at the same rate.
    const late = makeSeries(GRID, { job: 'api', instance: 'web-0', pid: '3000' }, (i) => (i < idx(60) ? Number.NaN : (200 + (20 * (i - idx(60)) * STEP_S) / 3600) * MIB));
    const v = verify({ ...base, memory: [...base.memory, late] });
    const worker = v.before.workers.find((w) => w.name.includes('3000'))!;
    expect(worker.trend).toBe('warming-up');
    expect(worker.grew).toBe(true);
    expect(v.before.workers.filter((w) => w.grew)).toHaveLength(9);
  });
});

describe('noise', () => {
  it('more noise needs more time after the change', () => {
    const needs = [2, 10, 40].map((noise) => {
      const v = verify(cut(fleetSeries({ before: 20, after: 0, noise, deploy: false }), DEPLOY_MIN + 35));
      return v.verdict === 'too-early' ? v.needsMoreMs : 0;
    });
    expect(needs[0]).toBe(0);
    expect(needs[1]).toBeLessThanOrEqual(needs[2]!);
    expect(needs[2]).toBeGreaterThan(0);
  });

  it('at a noise that hides the growth before, nothing is called fixed', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const v = verify(fleetSeries({ before: 1, after: 0, noise: 40, seed }));
      expect(v.verdict, `seed ${seed}`).not.toBe('fixed');
    }
  });

  it('fixed stays fixed over seeds at a moderate noise, and not-fixed stays not-fixed', () => {
    for (const seed of [11, 12, 13, 14, 15]) {
      expect(verify(fleetSeries({ before: 20, after: 0, noise: 8, seed })).verdict, `seed ${seed}`).toBe('fixed');
      expect(verify(fleetSeries({ before: 20, after: 20, noise: 8, seed })).verdict, `seed ${seed}`).toBe('not-fixed');
    }
  });
});

describe('what cannot be verified', () => {
  const series = fleetSeries({ before: 20, after: 0 });

  it('a change outside the window, or too close to its start', () => {
    const outside = verifyFix({ series, since: { kind: 'at', ms: START_MS + 7 * 60 * MINUTE_MS, origin: 'given' } });
    expect(outside).toMatchObject({ status: 'insufficient-data', reason: 'since-outside-window' });
    const early = verifyFix({ series, since: { kind: 'at', ms: START_MS + 10 * MINUTE_MS, origin: 'given' } });
    expect(early).toMatchObject({ status: 'insufficient-data', reason: 'before-too-short' });
    if (early.status === 'insufficient-data') expect(early.message).toMatch(/Only 10 min of data before the change: at least 30 min/);
  });

  it('no deploy in the window: the report time when there is one, else a clear refusal', () => {
    const steady = fleetSeries({ before: 20, after: 0, deploy: false });
    expect(latestDeploy(buildFleet(steady))).toBeNull();
    expect(verifyFix({ series: steady, since: { kind: 'latest-deploy', fallbackMs: null } })).toMatchObject({ status: 'insufficient-data', reason: 'no-deploy' });
    const v = verify(steady, { kind: 'latest-deploy', fallbackMs: DEPLOY_MS });
    expect(v.sinceOrigin).toBe('report');
    expect(v.since).toBe(new Date(DEPLOY_MS).toISOString());
  });

  it('no memory series at all', () => {
    expect(verifyFix({ series: makeServiceSeries({ grid: GRID, memory: [] }), since: { kind: 'at', ms: DEPLOY_MS, origin: 'given' } })).toMatchObject({
      status: 'insufficient-data',
      reason: 'no-memory-series',
    });
  });

  it('one worker recycled on its own is not a deploy', () => {
    const base = fleetSeries({ before: 0, after: 0, deploy: false });
    const first = base.memory[0]!;
    const recycledAt = idx(200);
    const memory = [
      { labels: first.labels, values: first.values.map((v, i) => (i < recycledAt ? v : Number.NaN)) },
      { labels: { ...first.labels, pid: '9999' }, values: first.values.map((v, i) => (i >= recycledAt ? v : Number.NaN)) },
      ...base.memory.slice(1),
    ];
    expect(latestDeploy(buildFleet({ ...base, memory }))).toBeNull();
  });
});

describe('the before/after chart', () => {
  it('puts both periods on one axis with a labelled line at the change', () => {
    const series = fleetSeries({ before: 20, after: 0 });
    const outcome = verifyFix({ series, since: { kind: 'latest-deploy', fallbackMs: null } });
    if (outcome.status !== 'verified') throw new Error('not verified');
    const spec = buildVerifyChartSpec(outcome.verification, outcome.fleet, { timeZone: 'UTC' });
    expect(spec.title).toBe('checkout-api — fixed');
    expect(spec.markers).toHaveLength(1);
    expect(spec.markers[0]!.label).toBe('deploy 10:00 UTC');
    expect(spec.markers[0]!.atMs).toBe(Date.parse(outcome.verification.since));
    expect(spec.bands.map((b) => b.label)).toEqual([expect.stringMatching(/^before: \+1\d\d MiB\/h$/), expect.stringMatching(/^after: /)]);
    expect(spec.x.min).toBe(GRID.startMs);
    expect(spec.x.max).toBe(GRID.startMs + (GRID.length - 1) * GRID.stepMs);
    // Every worker's before line stops at the change, every after line starts there.
    const sinceMs = Date.parse(outcome.verification.since);
    for (const line of spec.lines) {
      const drawn = line.points.filter((p) => p.y !== null && Number.isFinite(p.y));
      if (line.id.startsWith('before-')) expect(drawn.every((p) => p.x < sinceMs)).toBe(true);
      else expect(drawn.every((p) => p.x >= sinceMs - GRID.stepMs)).toBe(true);
    }
    expect(spec.legend.map((l) => l.label)).toEqual(['grew before (8)', 'workers after']);
  });
});
