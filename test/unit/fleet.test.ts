/**
 * The fleet read from raw series: missing data stays missing, one process is one process however
 * many series carry it, and the live worker count changes only when processes really start or stop.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet, dropWrongSamples, trimEcho } from '../../src/domain/fleet';
import { classify } from '../../src/domain/classify';
import { MIB, type GridSeries } from '../../src/domain/series';
import { makeGrid, makeSeries, makeServiceSeries } from '../support/diagnosis-factory';

// 6 h at 15 s.
const GRID = makeGrid('2026-03-02T06:00:00Z', 15, 6 * 240 + 1);
const at = (minutes: number): number => Math.round((minutes * 60) / 15);

/** A worker's RSS: base MiB plus a few pages of jitter and `growth` MiB/h; NaN where `missing(i)`. */
function worker(pid: number, instance: string, base: number, options: { growth?: number; missing?: (i: number) => boolean; from?: number; to?: number } = {}): GridSeries {
  return makeSeries(GRID, { job: 'api', instance, pid: String(pid) }, (i) => {
    if (options.missing?.(i) || i < (options.from ?? 0) || i > (options.to ?? Infinity)) return Number.NaN;
    return (base + ((options.growth ?? 0) * i * 15) / 3600) * MIB + ((i * 7919) % 5) * 4096;
  });
}

function up(instance: string, down: (i: number) => boolean): GridSeries {
  return makeSeries(GRID, { job: 'api', instance }, (i) => (down(i) ? 0 : 1));
}

/** 16 workers on 4 targets, flat. */
function fleetOf(missing: (instance: string, i: number) => boolean = () => false): GridSeries[] {
  const out: GridSeries[] = [];
  for (let t = 0; t < 4; t++) {
    const instance = `10.2.219.${20 + t}:9200`;
    for (let w = 0; w < 4; w++) out.push(worker(4000 + t * 10 + w, instance, 300 + 10 * w, { missing: (i) => missing(instance, i) }));
  }
  return out;
}

describe('a target that was not scraped', () => {
  const outage = (i: number): boolean => i >= at(184) && i < at(207);
  const down = (instance: string, i: number): boolean => instance === '10.2.219.20:9200' && outage(i);

  it('is a gap, not two worker-count changes, with and without the up series', () => {
    for (const targets of [[0, 1, 2, 3].map((t) => up(`10.2.219.${20 + t}:9200`, (i) => t === 0 && outage(i))), []]) {
      const series = makeServiceSeries({ grid: GRID, memory: fleetOf(down), targets });
      const fleet = buildFleet(series);
      expect(fleet.runs.map((r) => r.value)).toEqual([16]);
      expect(fleet.changes).toEqual([]);
      expect(fleet.workers).toHaveLength(16);
      expect(fleet.gaps).toHaveLength(1);
      expect(fleet.gaps[0]).toMatchObject({ instance: '10.2.219.20:9200', cause: 'target-down', workers: 4 });
      expect(fleet.missingShare).toBeGreaterThan(0);
      const d = classify(series);
      expect(d.pattern).toBe('stable');
      expect(d.workerCountChanges).toEqual([]);
      expect(d.confidence).toBeLessThan(1);
      expect(d.findings.join(' ')).toMatch(/10\.2\.219\.20:9200 was not scraped from 09:04 UTC to 09:27 UTC/);
      expect(d.coverage.gaps).toHaveLength(1);
      // No growth forecast out of data coming back.
      expect(d.limit?.hoursToLimit ?? null).toBeNull();
    }
  });

  it('keeps an idle process that held the same RSS for longer than the echo, losing only the last five minutes', () => {
    const values = new Float64Array(30).fill(Number.NaN);
    for (let i = 0; i < 20; i++) values[i] = 300 * MIB;
    const trimmed = trimEcho(values, makeGrid('2026-03-02T06:00:00Z', 60, 30));
    expect(trimmed.slice(0, 15).every((v) => v === 300 * MIB)).toBe(true);
    expect(trimmed.slice(15).every((v) => Number.isNaN(v))).toBe(true);
  });

  it('echoes for five minutes in backfilled data: the echo is trimmed, so the gap starts when the scrapes stopped', () => {
    const values = new Float64Array(20).fill(Number.NaN);
    for (let i = 0; i < 8; i++) values[i] = (300 + i) * MIB;
    // Prometheus repeats the last sample through its five-minute lookback.
    for (let i = 8; i <= 12; i++) values[i] = values[7]!;
    const trimmed = trimEcho(values, makeGrid('2026-03-02T06:00:00Z', 60, 20));
    expect(Array.from(trimmed.slice(0, 8))).toEqual(Array.from(values.slice(0, 8)));
    expect(trimmed.slice(8).every((v) => Number.isNaN(v))).toBe(true);
  });

  it('at the start of the window does not make its workers look born in the window', () => {
    const targets = [0, 1, 2, 3].map((t) => up(`10.2.219.${20 + t}:9200`, (i) => t === 1 && i < at(30)));
    const series = makeServiceSeries({ grid: GRID, memory: fleetOf((instance, i) => instance === '10.2.219.21:9200' && i < at(30)), targets });
    const fleet = buildFleet(series);
    expect(fleet.workers.filter((w) => w.bornInWindow)).toEqual([]);
    expect(fleet.runs.map((r) => r.value)).toEqual([16]);
  });

  it('when Prometheus itself was down, every worker has a gap and nothing changes', () => {
    const nothing = (i: number): boolean => i >= at(100) && i < at(140);
    const series = makeServiceSeries({
      grid: GRID,
      memory: fleetOf((_, i) => nothing(i)),
      targets: [0, 1, 2, 3].map((t) => makeSeries(GRID, { job: 'api', instance: `10.2.219.${20 + t}:9200` }, (i) => (nothing(i) ? Number.NaN : 1))),
    });
    const fleet = buildFleet(series);
    expect(fleet.changes).toEqual([]);
    expect(fleet.gaps).toEqual([expect.objectContaining({ instance: null, cause: 'no-data', workers: 16 })]);
  });
});

describe('processes are identities, not series', () => {
  it('merges the copies of an HA pair without deduplication', () => {
    const memory = fleetOf().flatMap((s) => [
      { labels: { ...s.labels, replica: 'a' }, values: s.values },
      { labels: { ...s.labels, replica: 'b' }, values: s.values },
    ]);
    const fleet = buildFleet(makeServiceSeries({ grid: GRID, memory }));
    expect(fleet.workers).toHaveLength(16);
    expect(fleet.runs.map((r) => r.value)).toEqual([16]);
    expect(fleet.notes.join(' ')).toMatch(/16 processes arrive as several series/);
  });

  it('keeps one process when relabelling adds a label mid-window', () => {
    const memory = fleetOf().flatMap((s) => [
      { labels: s.labels, values: s.values.map((v, i) => (i < at(200) ? v : Number.NaN)) },
      { labels: { ...s.labels, pod_template_hash: '7d9f' }, values: s.values.map((v, i) => (i >= at(200) ? v : Number.NaN)) },
    ]);
    const fleet = buildFleet(makeServiceSeries({ grid: GRID, memory }));
    expect(fleet.workers).toHaveLength(16);
    expect(fleet.changes).toEqual([]);
  });

  it('tells the same pid on two targets apart', () => {
    const memory = [worker(8, 'a:9200', 300), worker(8, 'b:9200', 320), worker(9, 'a:9200', 310), worker(9, 'b:9200', 330)];
    expect(buildFleet(makeServiceSeries({ grid: GRID, memory })).workers).toHaveLength(4);
  });

  it('splits a pid reused after a container restart: the new process starts small, behind a hole', () => {
    const restart = at(240);
    const reused = makeSeries(GRID, { job: 'api', instance: 'a:9200', pid: '8' }, (i) => {
      if (i >= restart && i < restart + 4) return Number.NaN;
      return (i < restart ? 300 + (60 * i * 15) / 3600 : 200 + (60 * (i - restart) * 15) / 3600) * MIB + (i % 3) * 4096;
    });
    const memory = [reused, worker(9, 'a:9200', 300), worker(10, 'b:9200', 300), worker(11, 'b:9200', 300)];
    const fleet = buildFleet(makeServiceSeries({ grid: GRID, memory, targets: [up('a:9200', (i) => i >= restart && i < restart + 4), up('b:9200', () => false)] }));
    expect(fleet.workers.map((w) => w.name)).toContain('pid 8 on a:9200 (restarted)');
    expect(fleet.workers).toHaveLength(5);
    expect(fleet.runs.map((r) => r.value)).toEqual([4]);
  });

  it('sets aside one small flat master per target, and counts only the workers', () => {
    const memory = [worker(1, 'a:9200', 45), worker(2, 'a:9200', 140, { growth: 20 }), worker(3, 'b:9200', 42), worker(4, 'b:9200', 150, { growth: 22 })];
    const series = makeServiceSeries({ grid: GRID, memory });
    const fleet = buildFleet(series);
    expect(fleet.auxiliary.map((p) => p.pid)).toEqual(['1', '3']);
    expect(fleet.workers.map((p) => p.pid)).toEqual(['2', '4']);
    const d = classify(series);
    expect(d.pattern).toBe('all-workers-growing');
    expect(d.auxiliary).toHaveLength(2);
  });
});

describe('worker-count changes are processes starting or stopping', () => {
  it('reports workers added while their target was scraped', () => {
    const memory = [
      ...fleetOf(),
      ...[0, 1, 2, 3].flatMap((t) => [0, 1].map((w) => worker(5000 + t * 10 + w, `10.2.219.${20 + t}:9200`, 310, { from: at(180) }))),
    ];
    const fleet = buildFleet(makeServiceSeries({ grid: GRID, memory }));
    expect(fleet.changes).toHaveLength(1);
    expect(fleet.changes[0]).toMatchObject({ from: 16, to: 24 });
  });

  it('does not count a replacement pid as a second worker while the old one echoes', () => {
    const old = worker(100, 'a:9200', 300, { to: at(200) });
    // Prometheus's echo of the old pid for five minutes after it exited.
    for (let i = at(200) + 1; i <= at(205); i++) old.values[i] = old.values[at(200)]!;
    const replacement = worker(101, 'a:9200', 300, { from: at(200) + 1 });
    const memory = [old, replacement, worker(102, 'a:9200', 320), worker(103, 'a:9200', 310)];
    const fleet = buildFleet(makeServiceSeries({ grid: GRID, memory }));
    expect(fleet.runs.map((r) => r.value)).toEqual([3]);
  });

  // Ten minutes at 15 s: the window a responder asks for right after a change.
  const SHORT = makeGrid('2026-03-02T06:00:00Z', 15, 41);
  const shortWorker = (pid: number, instance: string, options: { from?: number; to?: number } = {}): GridSeries =>
    makeSeries(SHORT, { job: 'api', instance, pid: String(pid) }, (i) =>
      i < (options.from ?? 0) || i > (options.to ?? Infinity) ? Number.NaN : 186 * MIB + ((i * 7919) % 5) * 4096,
    );
  const six = [0, 1, 2, 3, 4, 5].map((k) => shortWorker(100 + k, `a:${k % 2}`));

  it('counts workers added five minutes before the end when nothing stopped (SIGTTIN, one at a time)', () => {
    const added = [0, 1, 2, 3, 4].map((k) => shortWorker(200 + k, `a:${k % 2}`, { from: 18 + k }));
    const fleet = buildFleet(makeServiceSeries({ grid: SHORT, memory: [...six, ...added] }));
    expect(fleet.runs.map((r) => r.value)).toEqual([6, 11]);
    expect(classify(makeServiceSeries({ grid: SHORT, memory: [...six, ...added] })).pattern).toBe('worker-count-jump');
  });

  it('does not trust a count that rose near the end while other processes stopped (a deploy under way)', () => {
    const ending = six.map((s, k) => (k < 3 ? shortWorker(100 + k, s.labels['instance']!, { to: 22 }) : s));
    const fresh = [0, 1, 2, 3, 4, 5].map((k) => shortWorker(300 + k, `a:${k % 2}`, { from: 22 }));
    const fleet = buildFleet(makeServiceSeries({ grid: SHORT, memory: [...ending, ...fresh] }));
    expect(fleet.runs.map((r) => r.value)).toEqual([6]);
  });
});

describe('wrong samples', () => {
  const series = (spikes: readonly number[], base = 300): Float64Array => {
    const values = Float64Array.from({ length: 40 }, (_, i) => (i < 30 ? base : base + 60) * MIB + (i % 3) * 4096);
    for (const i of spikes) values[i] = 900 * MIB;
    return values;
  };

  it('drops one sample that differs from both neighbours by far, and keeps a real step', () => {
    const [cleaned, other] = dropWrongSamples([series([12]), series([], 320)]);
    expect(Number.isNaN(cleaned![12]!)).toBe(true);
    expect(cleaned![30]).toBe(series([])[30]);
    expect(cleaned!.filter((v) => Number.isNaN(v))).toHaveLength(1);
    expect(other!.some((v) => Number.isNaN(v))).toBe(false);
  });

  it('keeps a short spike that other workers show at the same moment: a job holding memory for seconds', () => {
    const [a, b] = dropWrongSamples([series([12]), series([13], 320)]);
    expect(a![12]).toBe(900 * MIB);
    expect(b![13]).toBe(900 * MIB);
  });

  it('keeps spikes that one worker shows again and again', () => {
    const [a] = dropWrongSamples([series([5, 12, 20, 25])]);
    expect(a!.some((v) => Number.isNaN(v))).toBe(false);
  });
});
