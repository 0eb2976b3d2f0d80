import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from '../../src/charts/downsample';
import {
  MAX_DRAWN_WORKERS,
  MAX_POINTS_PER_LINE,
  buildMemoryChartSpec,
  liveWorkerCounts,
  type MemoryChartSpec,
} from '../../src/charts/spec';
import { buildTimeTicks, formatTick } from '../../src/charts/time-axis';
import { formatBytes, niceScale } from '../../src/charts/units';
import { PATTERN_IDS, type Diagnosis } from '../../src/domain/diagnosis';
import { patternTitle } from '../../src/domain/pattern-names';
import { GIB, HOUR_MS, MIB, type Grid, type GridSeries, type ServiceSeries } from '../../src/domain/series';
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
  return buildMemoryChartSpec(series, diagnosis, { timeZone });
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
    expect(s.legend.map((e) => e.label)).toEqual([
      'pid 2 on web-2 (+67 MiB/h)',
      'pid 1 on web-2 (+17 MiB/h)',
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
      'pid 29 on web-2 (+22 MiB/h)',
      'pid 28 on web-2 (+21 MiB/h)',
      'pid 27 on web-2 (+21 MiB/h)',
      '27 more growing workers',
      '10 other workers',
    ]);
  });

  it('draws at most 64 workers, sampled across the range, and says how many are shown', () => {
    const memory = Array.from({ length: 200 }, (_, w) => flat(SIX_HOURS, w, (200 + w) * MIB));
    const series = makeServiceSeries({ grid: SIX_HOURS, memory });
    const s = spec(series, diagnosisFor(series, { growing: [150] }));
    const memoryLines = s.lines.filter((l) => l.axis === 'memory');
    expect(memoryLines).toHaveLength(MAX_DRAWN_WORKERS);
    expect(s.legend.map((e) => e.label)).toContain('199 other workers (63 shown)');
    // The envelope survives: the lowest and highest grey workers are among those drawn.
    const ids = new Set(memoryLines.map((l) => l.id));
    expect(ids.has('worker-0')).toBe(true);
    expect(ids.has('worker-199')).toBe(true);
  });

  it('treats workers without figures (a shorter diagnosis) as background, named from their labels', () => {
    const { series, diagnosis } = oneGrowing();
    const s = spec(series, { ...diagnosis, workers: diagnosis.workers.slice(0, 2) });
    expect(s.lines.filter((l) => l.role === 'highlight')).toHaveLength(0);
    expect(s.lines.map((l) => l.label)).toContain('pid 4312 on web-2');
    expect(s.legend.map((e) => e.label)).toEqual(['8 workers']);
  });
});

describe('buildMemoryChartSpec: downsampling', () => {
  it('caps every line at 600 points and keeps spikes and gaps', () => {
    const grid = makeGrid('2025-03-04T00:00:00Z', 60, 1440);
    const values = (i: number) => {
      if (i >= 700 && i < 760) return Number.NaN; // one hour without samples
      if (i === 300) return 2 * GIB; // a one-sample spike
      return 500 * MIB;
    };
    const memory = Array.from({ length: 48 }, (_, w) => makeSeries(grid, { pid: String(w) }, values));
    const traffic = makeSeries(grid, {}, () => 100);
    const series = makeServiceSeries({ grid, memory, traffic });
    const s = spec(series, diagnosisFor(series));
    for (const line of s.lines) {
      expect(line.points.length).toBeLessThanOrEqual(MAX_POINTS_PER_LINE);
      expect(line.points.length).toBeGreaterThan(100);
    }
    const first = s.lines.find((l) => l.axis === 'memory');
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

  it('smooths the live count with a median of 5 points', () => {
    const grid = makeGrid('2025-03-04T00:00:00Z', 60, 12);
    const present = (gaps: number[]) => makeSeries(grid, {}, (i) => (gaps.includes(i) ? Number.NaN : 1));
    const counts = liveWorkerCounts(grid, [present([]), present([3, 4]), present([8, 9, 10, 11])]);
    expect(Array.from(counts)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2]);
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
    expect(formatBytes(6.1 * GIB)).toBe('6.1 GiB');
    expect(formatBytes(512 * MIB)).toBe('512 MiB');
    expect(formatBytes(12 * GIB)).toBe('12 GiB');
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
