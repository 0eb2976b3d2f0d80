import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from '../../src/charts/downsample';
import {
  MAX_BACKGROUND_LINES,
  MAX_DRAWN_WORKERS,
  MAX_POINTS_PER_BACKGROUND_LINE,
  MAX_POINTS_PER_LINE,
  buildMemoryChartSpec,
  workerSpread,
  type MemoryChartSpec,
  type RangePoint,
} from '../../src/charts/spec';
import { buildTimeTicks, formatTick } from '../../src/charts/time-axis';
import { formatInUnit, niceScale } from '../../src/charts/units';
import { PATTERN_IDS, type Diagnosis } from '../../src/domain/diagnosis';
import { patternTitle } from '../../src/domain/pattern-names';
import { GIB, HOUR_MS, MIB, type Grid, type GridSeries, type ServiceSeries } from '../../src/domain/series';
import { buildFleet } from '../../src/domain/fleet';
import { diagnosisFor, makeGrid, makeSeries, makeServiceSeries } from '../support/diagnosis-factory';

const SIX_HOURS = makeGrid('2025-03-04T13:00:00Z', 60, 361); // 08:00-14:00 in New York (EST)

function flat(grid: Grid, pid: number, bytes: number): GridSeries {
  return makeSeries(grid, { pid: String(pid), instance: 'web-1' }, (i) => bytes + (i % 7) * 0.1 * MIB);
}

function ramp(grid: Grid, pid: number, fromBytes: number, toBytes: number): GridSeries {
  return makeSeries(grid, { pid: String(pid), instance: 'web-2' }, (i) => fromBytes + ((toBytes - fromBytes) * i) / (grid.length - 1));
}

/** 8 workers, the fourth (pid 4312) growing from 300 MiB to 900 MiB. */
function oneGrowing(extra: Partial<ServiceSeries> = {}): { series: ServiceSeries; diagnosis: Diagnosis } {
  const memory = Array.from({ length: 8 }, (_, w) =>
    w === 3 ? ramp(SIX_HOURS, 4312, 300 * MIB, 900 * MIB) : flat(SIX_HOURS, 4300 + w, 300 * MIB),
  );
  const series = makeServiceSeries({ grid: SIX_HOURS, memory, ...extra });
  return { series, diagnosis: diagnosisFor(series, { pattern: 'one-worker-growing', growing: [3] }) };
}

function spec(series: ServiceSeries, diagnosis: Diagnosis, timeZone = 'UTC'): MemoryChartSpec {
  return buildMemoryChartSpec(series, diagnosis, buildFleet(series), { timeZone });
}

describe('buildMemoryChartSpec: workers', () => {
  it('highlights and names the growing worker, drawn thick, in colour and on top', () => {
    const { series, diagnosis } = oneGrowing();
    const s = spec(series, diagnosis);
    const highlighted = s.lines.filter((l) => l.role === 'highlight');
    const others = s.lines.filter((l) => l.role === 'other');
    expect(highlighted).toHaveLength(1);
    const [hot] = highlighted;
    expect(hot?.label).toContain('pid 4312 on web-2');
    expect(hot?.label).toContain('+100 MiB/h');
    expect(s.legend[0]?.label).toBe(hot?.label);
    expect(s.legend[0]?.color).toBe(hot?.color);
    expect(others).toHaveLength(7);
    for (const other of others) {
      expect(other.width).toBeLessThan(hot?.width ?? 0);
      expect(other.color).not.toBe(hot?.color);
    }
    expect(s.lines[s.lines.length - 1]).toBe(hot);
  });

  it('gives the grey workers one legend entry with their count', () => {
    const { series, diagnosis } = oneGrowing();
    const s = spec(series, diagnosis);
    const greyEntries = s.legend.filter((e) => e.label.includes('other'));
    expect(greyEntries.map((e) => e.label)).toEqual(['7 other workers']);
    expect(new Set(s.lines.filter((l) => l.role === 'other').map((l) => l.color)).size).toBe(1);
    expect(s.legend).toHaveLength(2);
  });

  it('names distinct colours for several growing workers, fastest first', () => {
    const memory = [
      ramp(SIX_HOURS, 1, 300 * MIB, 400 * MIB),
      ramp(SIX_HOURS, 2, 300 * MIB, 700 * MIB),
      flat(SIX_HOURS, 3, 300 * MIB),
    ];
    const series = makeServiceSeries({ grid: SIX_HOURS, memory });
    const s = spec(series, diagnosisFor(series, { growing: [0, 1] }));
    // Rates worded as in the text report (src/domain/format.ts).
    expect(s.legend.map((e) => e.label)).toEqual([
      'pid 2 on web-2 (+66.7 MiB/h)',
      'pid 1 on web-2 (+16.7 MiB/h)',
      '1 other worker',
    ]);
    expect(s.legend[0]?.color).not.toBe(s.legend[1]?.color);
  });

  it('keeps the legend short when a crowd grows: three named, the rest in one entry', () => {
    const memory = Array.from({ length: 40 }, (_, w) =>
      w < 30 ? ramp(SIX_HOURS, w, 300 * MIB, (400 + w) * MIB) : flat(SIX_HOURS, w, 300 * MIB),
    );
    const series = makeServiceSeries({ grid: SIX_HOURS, memory });
    const growing = Array.from({ length: 30 }, (_, w) => w);
    const s = spec(series, diagnosisFor(series, { pattern: 'all-workers-growing', growing }));
    expect(s.legend.map((e) => e.label)).toEqual([
      'pid 29 on web-2 (+21.5 MiB/h)',
      'pid 28 on web-2 (+21.3 MiB/h)',
      'pid 27 on web-2 (+21.2 MiB/h)',
      '27 more growing workers',
      '10 other workers',
    ]);
  });

  it('draws at most 64 lines, sampling the growing crowd across its range, and says how many are shown', () => {
    // 190 growing (3 named, 187 unnamed) and 10 flat ones, which stay lines of their own.
    const memory = Array.from({ length: 200 }, (_, w) =>
      w < 190 ? ramp(SIX_HOURS, w, 300 * MIB, (400 + w) * MIB) : flat(SIX_HOURS, w, 300 * MIB),
    );
    const series = makeServiceSeries({ grid: SIX_HOURS, memory });
    const growing = Array.from({ length: 190 }, (_, w) => w);
    const s = spec(series, diagnosisFor(series, { pattern: 'all-workers-growing', growing }));
    const memoryLines = s.lines.filter((l) => l.axis === 'memory');
    expect(memoryLines).toHaveLength(MAX_DRAWN_WORKERS);
    expect(s.lines.filter((l) => l.role === 'other')).toHaveLength(10);
    expect(s.legend.map((e) => e.label)).toContain(`187 more growing workers (${MAX_DRAWN_WORKERS - 3 - 10} shown)`);
    // The envelope survives: the lowest and highest unnamed growing workers are among those drawn.
    const ids = new Set(memoryLines.map((l) => l.id));
    expect(ids.has('worker-0')).toBe(true);
    expect(ids.has('worker-186')).toBe(true);
  });

  it('treats workers without figures (a shorter diagnosis) as background, named from their labels', () => {
    const { series, diagnosis } = oneGrowing();
    const s = spec(series, { ...diagnosis, workers: diagnosis.workers.slice(0, 2) });
    expect(s.lines.filter((l) => l.role === 'highlight')).toHaveLength(0);
    expect(s.lines.map((l) => l.label)).toContain('pid 4312 on web-2');
    expect(s.legend.map((e) => e.label)).toEqual(['8 workers']);
  });
});

/** The middle of the sorted values, or the mean of the two middles; an independent reference for the spec. */
function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

describe('buildMemoryChartSpec: background band', () => {
  const FOUR_HOURS = makeGrid('2025-03-04T08:00:00Z', 60, 241);
  const GAP = [60, 63]; // no worker has data here

  /**
   * 48 workers over 4 h: 5 and 17 grow; 30-33 sit low (250 MiB) and stop at point 200; 40-47 sit high
   * (800-870 MiB) and start at point 120; the rest are 400 + 2w MiB plus (i mod 5) MiB.
   */
  function fleet48(): { series: ServiceSeries; diagnosis: Diagnosis; value: (w: number, i: number) => number } {
    const value = (w: number, i: number): number => {
      if (i >= (GAP[0] ?? 0) && i < (GAP[1] ?? 0)) return Number.NaN;
      if (w === 5 || w === 17) return (500 + i * (w === 5 ? 2 : 1)) * MIB;
      if (w >= 30 && w <= 33) return i < 200 ? 250 * MIB : Number.NaN;
      if (w >= 40) return i >= 120 ? (800 + (w - 40) * 10) * MIB : Number.NaN;
      return (400 + 2 * w + (i % 5)) * MIB;
    };
    const memory = Array.from({ length: 48 }, (_, w) => makeSeries(FOUR_HOURS, { pid: String(w), instance: 'api-1' }, (i) => value(w, i)));
    const series = makeServiceSeries({ grid: FOUR_HOURS, memory });
    return { series, diagnosis: diagnosisFor(series, { growing: [5, 17] }), value };
  }

  function pointAt(points: readonly RangePoint[], i: number): RangePoint | undefined {
    return points.find((p) => p.x === FOUR_HOURS.startMs + i * FOUR_HOURS.stepMs);
  }

  it('draws 46 background workers as one band with the right lowest and highest value at each time', () => {
    const { series, diagnosis, value } = fleet48();
    const s = spec(series, diagnosis);
    expect(s.range).not.toBeNull();
    expect(s.range?.workers).toBe(46);
    expect(s.memoryAxis.unit).toBe('MiB');
    const points = s.range?.points ?? [];
    // 241 points fit the budget: one band point per grid point, values in MiB.
    expect([10, 150, 230].map((i) => pointAt(points, i))).toEqual([
      { x: FOUR_HOURS.startMs + 10 * 60_000, min: 250, max: 478 }, // low workers alive, high ones not yet
      { x: FOUR_HOURS.startMs + 150 * 60_000, min: 250, max: 870 }, // both
      { x: FOUR_HOURS.startMs + 230 * 60_000, min: 400, max: 870 }, // low ones gone: min is worker 0 (400 + 230 mod 5)
    ]);
    // The gap stays a gap: one break, nothing drawn across it.
    expect(pointAt(points, 60)).toEqual({ x: FOUR_HOURS.startMs + 60 * 60_000, min: null, max: null });
    expect(pointAt(points, 61)).toBeUndefined();
    expect(pointAt(points, 63)?.min).toBe(250);

    const median = s.lines.find((l) => l.role === 'median');
    const others = Array.from({ length: 48 }, (_, w) => w).filter((w) => w !== 5 && w !== 17);
    for (const i of [10, 150, 230]) {
      const present = others.map((w) => value(w, i)).filter((v) => !Number.isNaN(v));
      expect(median?.points.find((p) => p.x === FOUR_HOURS.startMs + i * 60_000)?.y).toBeCloseTo(medianOf(present) / MIB, 9);
    }
  });

  it('replaces the grey lines with the median, under the highlighted workers, and gives them one legend entry', () => {
    const { series, diagnosis } = fleet48();
    const s = spec(series, diagnosis);
    expect(s.lines.filter((l) => l.role === 'other')).toHaveLength(0);
    expect(s.lines.map((l) => l.role)).toEqual(['median', 'highlight', 'highlight']);
    expect(s.lines[s.lines.length - 1]?.label).toContain('pid 5 on api-1');
    expect(s.legend.map((e) => e.label)).toEqual([
      'pid 5 on api-1 (+120 MiB/h)',
      'pid 17 on api-1 (+60 MiB/h)',
      '46 other workers (range and median)',
    ]);
    const entry = s.legend[2];
    expect(entry?.kind).toBe('range');
    expect(entry?.fill).toBe(s.range?.fill);
    expect(entry?.color).toBe(s.lines[0]?.color);
  });

  it('keeps one line per background worker up to 12 of them, and switches to the band at 13', () => {
    const workers = (count: number) => {
      const memory = Array.from({ length: count }, (_, w) =>
        w === 0 ? ramp(SIX_HOURS, w, 300 * MIB, 600 * MIB) : flat(SIX_HOURS, w, (300 + w) * MIB),
      );
      const series = makeServiceSeries({ grid: SIX_HOURS, memory });
      return spec(series, diagnosisFor(series, { growing: [0] }));
    };
    const eight = workers(8);
    expect(eight.range).toBeNull();
    expect(eight.lines.filter((l) => l.role === 'other')).toHaveLength(7);
    expect(eight.lines.some((l) => l.role === 'median')).toBe(false);

    const twelve = workers(MAX_BACKGROUND_LINES + 1);
    expect(twelve.range).toBeNull();
    expect(twelve.legend.map((e) => e.label)).toContain('12 other workers');

    const thirteen = workers(MAX_BACKGROUND_LINES + 2);
    expect(thirteen.range?.workers).toBe(13);
    expect(thirteen.legend.map((e) => e.label)).toContain('13 other workers (range and median)');
  });

  it('when nothing grows, draws the band and median in a stronger grey and calls them just "workers"', () => {
    const memory = Array.from({ length: 32 }, (_, w) => flat(SIX_HOURS, w, (300 + w) * MIB));
    const series = makeServiceSeries({ grid: SIX_HOURS, memory });
    const calm = spec(series, diagnosisFor(series));
    const busy = spec(series, diagnosisFor(series, { growing: [0] }));
    expect(calm.legend.map((e) => e.label)).toEqual(['32 workers (range and median)']);
    const calmMedian = calm.lines.find((l) => l.role === 'median');
    const busyMedian = busy.lines.find((l) => l.role === 'median');
    const luminance = (hex: string | undefined) => {
      const n = Number.parseInt((hex ?? '#ffffff').slice(1), 16);
      return 0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255);
    };
    expect(luminance(calmMedian?.color)).toBeLessThan(luminance(busyMedian?.color) - 30);
    expect(calmMedian?.width).toBeGreaterThan(busyMedian?.width ?? 0);
    expect(calm.range?.fill).not.toBe(busy.range?.fill);
  });

  it('calls the grey group "worker processes" when pids were replaced, so its count does not contradict the worker count', () => {
    // A deploy at point 180 replaces all 64 pids: 128 series, never more than 64 alive at once.
    const deploy = (workers: number, growing: readonly number[]) => {
      const memory = Array.from({ length: 2 * workers }, (_, w) =>
        makeSeries(SIX_HOURS, { pid: String(1000 + w), instance: 'web-1' }, (i) =>
          (w < workers ? i < 180 : i >= 180) ? (300 + (w % workers)) * MIB + (growing.includes(w) ? i * MIB : 0) : Number.NaN,
        ),
      );
      const series = makeServiceSeries({ grid: SIX_HOURS, memory });
      return spec(series, diagnosisFor(series, { growing }));
    };
    const fleet = deploy(64, [9, 105]);
    expect(fleet.subtitle).toContain(' · 64 workers · ');
    expect(fleet.legend.map((e) => e.label)).toContain('126 other worker processes (range and median)');
    expect(deploy(64, []).legend.map((e) => e.label)).toEqual(['128 worker processes (range and median)']);
    // Grey lines (no band) say it too, in the singular as well.
    expect(deploy(4, [0]).legend.map((e) => e.label)).toContain('7 other worker processes');
    expect(deploy(1, [0]).legend.map((e) => e.label)).toContain('1 other worker process');
    // A series without a single sample is no process: nothing is drawn or counted for it.
    const empty = makeServiceSeries({
      grid: SIX_HOURS,
      memory: Array.from({ length: 20 }, (_, w) => makeSeries(SIX_HOURS, { pid: String(w) }, () => Number.NaN)),
    });
    expect(spec(empty, diagnosisFor(empty)).legend.map((e) => e.label)).toEqual([]);
  });

  it('downsamples the band like a background line, keeping one worker\'s spike, another\'s dip and the gaps', () => {
    const grid = makeGrid('2025-03-04T00:00:00Z', 60, 1441);
    const memory = Array.from({ length: 48 }, (_, w) =>
      makeSeries(grid, { pid: String(w) }, (i) => {
        if (i >= 700 && i < 760) return Number.NaN; // an hour without samples from anyone
        // A real spike and a real dip last a few samples; one wrong sample alone is dropped (see fleet tests).
        if (w === 7 && i >= 301 && i <= 303) return 2 * GIB - (i - 301) * MIB;
        if (w === 11 && i >= 903 && i <= 905) return 100 * MIB + (i - 903) * MIB;
        return (500 + w) * MIB + (i % 3) * MIB;
      }),
    );
    const series = makeServiceSeries({ grid, memory });
    const s = spec(series, diagnosisFor(series));
    const points = s.range?.points ?? [];
    expect(points.length).toBeLessThanOrEqual(MAX_POINTS_PER_BACKGROUND_LINE);
    expect(points.length).toBeGreaterThan(MAX_POINTS_PER_BACKGROUND_LINE / 2);
    expect(s.memoryAxis.unit).toBe('GiB');
    expect(Math.max(...points.map((p) => p.max ?? 0))).toBe(2);
    expect(Math.min(...points.map((p) => p.min ?? Number.POSITIVE_INFINITY))).toBeCloseTo(100 / 1024, 12);
    const gaps = points.filter((p) => p.min === null);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]?.max).toBeNull();
    expect(gaps[0]?.x).toBeGreaterThanOrEqual(grid.startMs + 700 * 60_000);
    expect(gaps[0]?.x).toBeLessThan(grid.startMs + 760 * 60_000);
    const xs = points.map((p) => p.x);
    expect(xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? 0))).toBe(true);
    // The median shares the band's buckets, so it never leaves the band.
    const median = s.lines.find((l) => l.role === 'median');
    expect(median?.points.map((p) => p.x)).toEqual(xs);
    median?.points.forEach((p, k) => {
      if (p.y === null) return expect(points[k]?.min).toBeNull();
      expect(p.y).toBeGreaterThanOrEqual(points[k]?.min ?? Number.NaN);
      expect(p.y).toBeLessThanOrEqual(points[k]?.max ?? Number.NaN);
    });
  });

  it('takes the lowest, median and highest value per grid point, skipping missing samples', () => {
    const grid = makeGrid('2025-03-04T00:00:00Z', 60, 4);
    const rows = [
      [1, 5, Number.NaN, 2],
      [3, Number.NaN, Number.NaN, 9],
      [2, 7, Number.NaN, 4],
      [8, 1, Number.NaN, Number.NaN],
    ];
    const spread = workerSpread(grid, rows.map((r) => ({ labels: {}, values: Float64Array.from(r) })));
    expect(Array.from(spread.min)).toEqual([1, 1, Number.NaN, 2]);
    expect(Array.from(spread.max)).toEqual([8, 7, Number.NaN, 9]);
    expect(Array.from(spread.median)).toEqual([2.5, 5, Number.NaN, 4]);
  });
});

describe('buildMemoryChartSpec: downsampling', () => {
  it('caps every line at 600 points and keeps spikes and gaps', () => {
    const grid = makeGrid('2025-03-04T00:00:00Z', 60, 1440);
    const values = (i: number) => {
      if (i >= 700 && i < 760) return Number.NaN; // one hour without samples
      if (i >= 300 && i <= 302) return 2 * GIB - (i - 300) * MIB; // a spike of three samples
      // Real RSS moves by a few pages between scrapes (a perfectly constant run before a hole reads as Prometheus's echo).
      return 500 * MIB + (i % 3) * 4096;
    };
    const memory = Array.from({ length: 8 }, (_, w) => makeSeries(grid, { pid: String(w) }, values));
    const traffic = makeSeries(grid, {}, () => 100);
    const series = makeServiceSeries({ grid, memory, traffic });
    const s = spec(series, diagnosisFor(series, { growing: [0] }));
    for (const line of s.lines) {
      expect(line.points.length).toBeLessThanOrEqual(line.role === 'highlight' || line.role === 'traffic' ? MAX_POINTS_PER_LINE : MAX_POINTS_PER_BACKGROUND_LINE);
      expect(line.points.length).toBeGreaterThan(100);
    }
    const first = s.lines.find((l) => l.role === 'highlight');
    const ys = first?.points.map((p) => p.y) ?? [];
    expect(Math.max(...ys.map((y) => y ?? 0))).toBe(2); // the spike, in GiB
    const gaps = first?.points.filter((p) => p.y === null) ?? [];
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    const gap = gaps[0];
    expect(gap?.x).toBeGreaterThanOrEqual(grid.startMs + 700 * 60_000);
    expect(gap?.x).toBeLessThan(grid.startMs + 760 * 60_000);
    // x stays strictly increasing (Chart.js is told the data is normalized).
    const xs = first?.points.map((p) => p.x) ?? [];
    expect(xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? 0))).toBe(true);
  });

  it('returns short series point for point, NaN as a single null', () => {
    const grid = makeGrid('2025-03-04T00:00:00Z', 60, 5);
    const points = downsampleMinMax(grid, Float64Array.from([1, Number.NaN, Number.NaN, 4, 5]), 600, 1);
    expect(points.map((p) => p.y)).toEqual([1, null, 4, 5]);
  });
});

describe('buildMemoryChartSpec: traffic', () => {
  it('adds a right-hand traffic axis and a filled area when traffic is known', () => {
    const traffic = makeSeries(SIX_HOURS, {}, (i) => 100 + (i % 50));
    const { series, diagnosis } = oneGrowing({ traffic });
    const s = spec(series, diagnosis);
    expect(s.trafficAxis?.title).toBe('traffic (req/s)');
    expect(s.trafficAxis?.min).toBe(0);
    expect(s.trafficAxis?.max).toBeGreaterThanOrEqual(149);
    // As many intervals as the memory axis, so both share grid lines.
    expect(s.trafficAxis?.ticks.length).toBe(s.memoryAxis.ticks.length);
    const line = s.lines.find((l) => l.role === 'traffic');
    expect(line?.axis).toBe('traffic');
    expect(line?.fill).not.toBeNull();
    expect(s.lines[0]).toBe(line); // painted first, under the workers
    expect(s.legend.map((e) => e.label)).toContain('traffic (req/s)');
  });

  it('has no traffic axis, line or legend entry when traffic is null', () => {
    const { series, diagnosis } = oneGrowing();
    const s = spec(series, diagnosis);
    expect(s.trafficAxis).toBeNull();
    expect(s.lines.some((l) => l.role === 'traffic')).toBe(false);
    expect(s.legend.some((e) => e.label.includes('traffic'))).toBe(false);
  });
});

describe('buildMemoryChartSpec: limit', () => {
  /** 4 workers for the first half, 8 for the second; a 2-point scrape miss on 3 workers in the middle of each half. */
  function scaledUp(): ServiceSeries {
    const grid = makeGrid('2025-03-04T00:00:00Z', 60, 240);
    const memory = Array.from({ length: 8 }, (_, w) =>
      makeSeries(grid, { pid: String(w) }, (i) => {
        if (w >= 4 && i < 120) return Number.NaN;
        if (w < 3 && (i === 60 || i === 61 || i === 180 || i === 181)) return Number.NaN;
        return 700 * MIB;
      }),
    );
    return makeServiceSeries({ grid, memory });
  }

  it('draws limit ÷ live workers as steps that change with the worker count, ignoring short blips', () => {
    const series = scaledUp();
    const s = spec(series, diagnosisFor(series, { limitBytes: 4 * GIB }));
    const steps = s.limit?.steps ?? [];
    expect(steps.map((st) => [st.workers, st.bytes])).toEqual([
      [4, GIB],
      [8, 512 * MIB],
    ]);
    expect(steps[0]?.endMs).toBe(steps[1]?.startMs);
    expect(steps[1]?.startMs).toBe(series.grid.startMs + 120 * 60_000);
    expect(steps[0]?.value).toBeCloseTo(1024, 6); // axis in MiB
    expect(s.limit?.label).toBe('limit ÷ 4→8 workers');
    expect(s.legend.map((e) => e.label)).toContain('limit ÷ 4→8 workers');
    expect(s.subtitle).toContain('of 4 GiB limit');
  });

  it('labels a constant worker count with the per-worker share and puts the total in the subtitle', () => {
    const { series, diagnosis } = oneGrowing();
    const withLimit = { ...diagnosis, limit: { bytes: 8 * GIB, source: 'config' as const, currentTotalBytes: 6.1 * GIB, usedFraction: 6.1 / 8, hoursToLimit: 3 } };
    const s = spec(series, withLimit);
    expect(s.limit?.label).toBe('limit ÷ 8 workers = 1 GiB');
    expect(s.subtitle).toContain('total 6.1 GiB of 8 GiB limit (76%)');
    // 1 GiB is within reach of the 900 MiB worker: the axis shows it.
    expect(s.memoryAxis.max).toBeGreaterThanOrEqual(1024);
  });

  it('keeps the lines readable when the per-worker limit is far above them, and says so', () => {
    const { series, diagnosis } = oneGrowing();
    const s = spec(series, { ...diagnosis, limit: { bytes: 64 * GIB, source: 'config', currentTotalBytes: 3 * GIB, usedFraction: 3 / 64, hoursToLimit: null } });
    expect(s.memoryAxis.max).toBeLessThan(1200);
    expect(s.limit?.label).toBe('limit ÷ 8 workers = 8 GiB, above chart');
  });

  it('has no limit line without a limit', () => {
    const { series, diagnosis } = oneGrowing();
    const s = spec(series, diagnosis);
    expect(s.limit).toBeNull();
    expect(s.subtitle).toContain('no limit known');
  });

});

describe('buildMemoryChartSpec: markers and bands', () => {
  it('marks worker-count changes and idle periods inside the window only', () => {
    const { series, diagnosis } = oneGrowing();
    const at = (h: number) => new Date(SIX_HOURS.startMs + h * HOUR_MS).toISOString();
    const s = spec(series, {
      ...diagnosis,
      workerCountChanges: [
        { at: at(2), from: 4, to: 8, totalBeforeBytes: 0, totalAfterBytes: 0, perWorkerBeforeBytes: 0, perWorkerAfterBytes: 0 },
        { at: at(9), from: 8, to: 2, totalBeforeBytes: 0, totalAfterBytes: 0, perWorkerBeforeBytes: 0, perWorkerAfterBytes: 0 },
      ],
      idlePeriods: [
        { start: at(-1), end: at(1), durationSeconds: 7200, memoryAtStartBytes: 0, memoryAtEndBytes: 0, baselineBytes: 0 },
      ],
    });
    expect(s.markers.map((m) => [m.atMs, m.label])).toEqual([[SIX_HOURS.startMs + 2 * HOUR_MS, '4→8 workers']]);
    expect(s.bands.map((b) => [b.startMs, b.endMs, b.label])).toEqual([
      [SIX_HOURS.startMs, SIX_HOURS.startMs + HOUR_MS, 'idle'],
    ]);
  });
});

describe('buildMemoryChartSpec: title and time axis', () => {
  it('titles the chart with the service and a human pattern name, the window in the subtitle', () => {
    const { series, diagnosis } = oneGrowing();
    const s = spec(series, diagnosis, 'America/New_York');
    expect(s.title).toBe('checkout-api — one worker growing');
    expect(s.subtitle).toMatch(/^Tue Mar 4, 08:00–14:00 EST \(6 h\) · 8 workers · total /);
  });

  it('names the components of a mixed pattern in the title', () => {
    const { series, diagnosis } = oneGrowing();
    const mixed = { ...diagnosis, pattern: 'mixed' as const, secondary: ['worker-count-jump', 'one-worker-growing'] as const };
    expect(spec(series, mixed).title).toBe('checkout-api — worker count changed + one worker growing');
    expect(spec(series, { ...mixed, secondary: [] }).title).toBe('checkout-api — several patterns at once');
  });

  it('puts hourly ticks on round New York times and formats them there', () => {
    const { series, diagnosis } = oneGrowing();
    const s = spec(series, diagnosis, 'America/New_York');
    expect(s.x.min).toBe(SIX_HOURS.startMs);
    expect(s.x.stepMs).toBe(HOUR_MS);
    expect(s.x.ticks.map((t) => t.label)).toEqual(['08:00', '09:00', '10:00', '11:00', '12:00', '13:00', '14:00']);
    expect(s.x.ticks[0]?.value).toBe(Date.parse('2025-03-04T13:00:00Z'));
  });

  it('lands 3-hour ticks on round local times across the spring-forward night, with the date at midnight', () => {
    // 2025-03-09 02:00 EST jumps to 03:00 EDT, so 24 h after 12:00 EST is 13:00 EDT.
    const start = Date.parse('2025-03-08T17:00:00Z'); // 12:00 EST
    const { ticks, stepMs } = buildTimeTicks(start, start + 24 * HOUR_MS, 'America/New_York', 850, 15);
    expect(stepMs).toBe(3 * HOUR_MS);
    expect(ticks.map((t) => t.label)).toEqual(['12:00', '15:00', '18:00', '21:00', 'Mar 9', '03:00', '06:00', '09:00', '12:00']);
    // 00:00 EST -> 03:00 EDT is only two hours of real time.
    expect((ticks[5]?.value ?? 0) - (ticks[4]?.value ?? 0)).toBe(2 * HOUR_MS);
  });

  it('uses half-hour offsets correctly (Asia/Kolkata, UTC+5:30)', () => {
    const start = Date.parse('2025-03-04T00:00:00Z'); // 05:30 IST
    const { ticks } = buildTimeTicks(start, start + 6 * HOUR_MS, 'Asia/Kolkata', 850, 15);
    expect(ticks.map((t) => t.label)).toEqual(['06:00', '07:00', '08:00', '09:00', '10:00', '11:00']);
    expect(ticks[0]?.value).toBe(Date.parse('2025-03-04T00:30:00Z'));
  });

  it('names the weekday for windows longer than 36 h and the date for a week', () => {
    const start = Date.parse('2025-03-03T05:00:00Z'); // Mon 00:00 EST
    const twoDays = buildTimeTicks(start, start + 48 * HOUR_MS, 'America/New_York', 850, 15);
    expect(twoDays.ticks[0]?.label).toBe('Mon 00:00');
    expect(twoDays.ticks.every((t) => /^(Mon|Tue|Wed) \d\d:00$/.test(t.label))).toBe(true);
    const week = buildTimeTicks(start, start + 7 * 24 * HOUR_MS, 'America/New_York', 850, 15);
    expect(week.stepMs).toBe(24 * HOUR_MS);
    expect(week.ticks.map((t) => t.label)).toEqual(['Mar 3', 'Mar 4', 'Mar 5', 'Mar 6', 'Mar 7', 'Mar 8', 'Mar 9', 'Mar 10']);
  });

  it('uses fewer ticks on a narrower chart', () => {
    const start = Date.parse('2025-03-04T00:00:00Z');
    const wide = buildTimeTicks(start, start + 24 * HOUR_MS, 'UTC', 850, 15);
    const narrow = buildTimeTicks(start, start + 24 * HOUR_MS, 'UTC', 420, 12);
    expect(narrow.ticks.length).toBeLessThan(wide.ticks.length);
    expect(narrow.ticks.length).toBeGreaterThanOrEqual(3);
  });

  it('formats midnight as 00:00 rather than 24:00', () => {
    expect(formatTick(Date.parse('2025-03-04T05:00:00Z'), 'America/New_York', 'weekday-time')).toBe('Tue 00:00');
  });

  it('rejects an unknown time zone', () => {
    const { series, diagnosis } = oneGrowing();
    expect(() => spec(series, diagnosis, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('buildMemoryChartSpec: memory axis', () => {
  it('counts in MiB below 1.5 GiB', () => {
    const { series, diagnosis } = oneGrowing();
    const s = spec(series, diagnosis);
    expect(s.memoryAxis.unit).toBe('MiB');
    expect(s.memoryAxis.ticks.every((t) => / MiB$/.test(t.label))).toBe(true);
    expect(s.memoryAxis.ticks.map((t) => t.label)).toContain('400 MiB');
    expect(s.memoryAxis.title).toBe('memory per worker');
  });

  it('counts in GiB above, with round ticks like "1.5 GiB"', () => {
    const memory = [ramp(SIX_HOURS, 1, 1.2 * GIB, 2.6 * GIB), flat(SIX_HOURS, 2, 1.1 * GIB)];
    const series = makeServiceSeries({ grid: SIX_HOURS, memory });
    const s = spec(series, diagnosisFor(series, { growing: [0] }));
    expect(s.memoryAxis.unit).toBe('GiB');
    expect(s.memoryAxis.ticks.map((t) => t.label)).toContain('1.5 GiB');
    const line = s.lines.find((l) => l.role === 'highlight');
    expect(line?.points[line.points.length - 1]?.y).toBeCloseTo(2.6, 6);
  });

  it('does not start at zero when that would flatten the growth, but never magnifies noise', () => {
    const growing = [ramp(SIX_HOURS, 1, 2.0 * GIB, 2.3 * GIB), flat(SIX_HOURS, 2, 2.0 * GIB)];
    const g = makeServiceSeries({ grid: SIX_HOURS, memory: growing });
    const grown = spec(g, diagnosisFor(g, { growing: [0] }));
    expect(grown.memoryAxis.min).toBeGreaterThan(1);
    // The growth fills a good part of the height.
    expect(0.3 / (grown.memoryAxis.max - grown.memoryAxis.min)).toBeGreaterThan(0.3);

    const steady = [flat(SIX_HOURS, 1, 500 * MIB), flat(SIX_HOURS, 2, 501 * MIB)];
    const f = makeServiceSeries({ grid: SIX_HOURS, memory: steady });
    const flatSpec = spec(f, diagnosisFor(f));
    expect(flatSpec.memoryAxis.max - flatSpec.memoryAxis.min).toBeGreaterThanOrEqual(50);
  });

  it('makes round ticks without float noise', () => {
    expect(niceScale(0.1, 0.7, 6).values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(formatInUnit(0.30000000000000004, 'GiB')).toBe('0.3 GiB');
    expect(formatInUnit(1200, 'MiB')).toBe('1,200 MiB');
    expect(formatInUnit(-0, 'MiB')).toBe('0 MiB');
  });
});

describe('patternTitle', () => {
  it('has a distinct short name for every pattern', () => {
    const titles = PATTERN_IDS.map(patternTitle);
    expect(new Set(titles).size).toBe(PATTERN_IDS.length);
    for (const title of titles) expect(title.length).toBeLessThanOrEqual(32);
    expect(patternTitle('one-worker-growing')).toBe('one worker growing');
  });
});
