import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadImage, createCanvas } from 'canvas';
import { afterAll, describe, expect, it } from 'vitest';
import { ChartRenderer } from '../../src/charts/renderer';
import { buildFleet } from '../../src/domain/fleet';
import { buildMemoryChartSpec, type MemoryChartSpec } from '../../src/charts/spec';
import type { Diagnosis } from '../../src/domain/diagnosis';
import { GIB, MIB, type GridSeries, type ServiceSeries } from '../../src/domain/series';
import { diagnosisFor, makeGrid, makeSeries, makeServiceSeries, seededRandom } from '../support/diagnosis-factory';

const ARTIFACTS = join(__dirname, '..', '.artifacts');

interface Scenario {
  readonly name: string;
  readonly series: ServiceSeries;
  readonly diagnosis: Diagnosis;
  readonly timeZone: string;
  readonly width?: number;
  readonly height?: number;
}

function worker(pid: number, host: string): { pid: string; instance: string } {
  return { pid: String(pid), instance: host };
}

/** 8 workers over 6 h at 30 s; pid 4312 grows from 310 MiB to ~900 MiB, the rest wobble around 300 MiB. */
function oneGrowing6h(): Scenario {
  const grid = makeGrid('2025-03-04T13:00:00Z', 30, 721);
  const rnd = seededRandom(1);
  const memory: GridSeries[] = [];
  for (let w = 0; w < 8; w++) {
    const base = (290 + w * 6) * MIB;
    memory.push(
      makeSeries(grid, worker(4300 + w * 4, `web-${(w % 4) + 1}`), (i) => {
        const noise = (rnd() - 0.5) * 8 * MIB;
        if (w === 3) return 310 * MIB + (i / 720) * 590 * MIB + noise;
        return base + 20 * MIB * Math.sin(i / 90 + w) + noise;
      }),
    );
  }
  const traffic = makeSeries(grid, {}, (i) => 120 + 60 * Math.sin(i / 120) + rnd() * 10);
  const series = makeServiceSeries({ service: 'checkout-api', grid, memory, traffic, limit: { bytes: 8 * GIB, source: 'config' } });
  return {
    name: 'one-growing-6h',
    series,
    diagnosis: diagnosisFor(series, { pattern: 'one-worker-growing', growing: [3], limitBytes: 8 * GIB }),
    timeZone: 'America/New_York',
  };
}

/**
 * 48 workers x 1440 points (24 h at 1 min) with diurnal traffic; 32 workers until 06:00 UTC, then 48;
 * an idle night 00:00-04:00 UTC; two workers grow; a limit of 40 GiB for all workers.
 */
function fleet24h(): Scenario {
  const grid = makeGrid('2025-03-03T12:00:00Z', 60, 1440);
  const rnd = seededRandom(2);
  const scaleUpAt = 18 * 60; // grid index of 06:00 UTC next day
  const idleFrom = 12 * 60;
  const idleTo = 16 * 60;
  const trafficAt = (i: number) => {
    if (i >= idleFrom && i < idleTo) return 0.3;
    return 400 + 300 * Math.sin(((i - 120) / 1440) * 2 * Math.PI);
  };
  const memory: GridSeries[] = [];
  for (let w = 0; w < 48; w++) {
    const base = (540 + rnd() * 120) * MIB;
    const startsAt = w < 32 ? 0 : scaleUpAt;
    memory.push(
      makeSeries(grid, worker(7000 + w, `api-${Math.floor(w / 8) + 1}`), (i) => {
        if (i < startsAt) return Number.NaN;
        const noise = (rnd() - 0.5) * 10 * MIB;
        const load = (trafficAt(i) / 700) * 60 * MIB;
        if (w === 5) return base + (i / 1440) * 500 * MIB + load + noise;
        if (w === 17) return base + (i / 1440) * 260 * MIB + load + noise;
        return base + load + noise;
      }),
    );
  }
  // A scrape miss on two workers at once: must not show as a limit step.
  for (const s of memory.slice(0, 2)) (s.values as Float64Array)[300] = Number.NaN;
  const traffic = makeSeries(grid, {}, (i) => trafficAt(i) * (0.95 + rnd() * 0.1));
  const series = makeServiceSeries({ service: 'search-api', grid, memory, traffic, limit: { bytes: 40 * GIB, source: 'metrics' } });
  const at = (i: number) => new Date(grid.startMs + i * grid.stepMs).toISOString();
  const diagnosis = diagnosisFor(series, {
    pattern: 'mixed',
    growing: [5, 17],
    limitBytes: 40 * GIB,
    overrides: {
      secondary: ['worker-count-jump', 'one-worker-growing'],
      workerCountChanges: [
        {
          at: at(scaleUpAt),
          from: 32,
          to: 48,
          totalBeforeBytes: 32 * 600 * MIB,
          totalAfterBytes: 48 * 600 * MIB,
          perWorkerBeforeBytes: 600 * MIB,
          perWorkerAfterBytes: 600 * MIB,
        },
      ],
      idlePeriods: [
        {
          start: at(idleFrom),
          end: at(idleTo),
          durationSeconds: 4 * 3600,
          memoryAtStartBytes: 600 * MIB,
          memoryAtEndBytes: 600 * MIB,
          baselineBytes: 560 * MIB,
        },
      ],
    },
  });
  return { name: 'fleet-24h', series, diagnosis, timeZone: 'Europe/Berlin' };
}

/** 7 days at 5 min, 4 workers all growing slowly, one restarted mid-week (a new pid takes over). */
function week7d(): Scenario {
  const grid = makeGrid('2025-03-01T00:00:00Z', 300, 7 * 288 + 1);
  const rnd = seededRandom(3);
  const restartAt = 4 * 288 + 100;
  const memory: GridSeries[] = [];
  for (let w = 0; w < 4; w++) {
    memory.push(
      makeSeries(grid, worker(100 + w, 'worker-1'), (i) => {
        if (w === 2 && i >= restartAt) return Number.NaN;
        return (1.1 + w * 0.05) * GIB + (i / grid.length) * 1.4 * GIB + (rnd() - 0.5) * 30 * MIB;
      }),
    );
  }
  memory.push(
    makeSeries(grid, worker(977, 'worker-1'), (i) =>
      i < restartAt + 2 ? Number.NaN : 1.15 * GIB + ((i - restartAt) / grid.length) * 1.4 * GIB + (rnd() - 0.5) * 30 * MIB,
    ),
  );
  const series = makeServiceSeries({ service: 'celery-reports', grid, memory });
  return {
    name: 'week-7d',
    series,
    diagnosis: diagnosisFor(series, { pattern: 'all-workers-growing', growing: [0, 1, 2, 3, 4] }),
    timeZone: 'Asia/Kolkata',
  };
}

/** 120 workers, 30 of them growing: the legend must still be short and at most 64 lines drawn. */
function bigFleet12h(): Scenario {
  const grid = makeGrid('2025-03-04T00:00:00Z', 60, 721);
  const rnd = seededRandom(4);
  const memory: GridSeries[] = [];
  const growing: number[] = [];
  for (let w = 0; w < 120; w++) {
    const isGrowing = w % 4 === 0;
    if (isGrowing) growing.push(w);
    const rate = isGrowing ? (20 + rnd() * 60) * MIB : 0;
    const base = (700 + rnd() * 200) * MIB;
    memory.push(makeSeries(grid, worker(20000 + w, `node-${w % 10}`), (i) => base + (i / 60) * rate + (rnd() - 0.5) * 12 * MIB));
  }
  const series = makeServiceSeries({ service: 'ingest', grid, memory });
  return {
    name: 'big-fleet-12h',
    series,
    diagnosis: diagnosisFor(series, { pattern: 'all-workers-growing', growing, limitBytes: 240 * GIB }),
    timeZone: 'UTC',
  };
}

/** Nothing grows: 6 workers that follow traffic, rendered at 800x400. */
function followsTraffic800(): Scenario {
  const grid = makeGrid('2025-03-04T06:00:00Z', 60, 181);
  const rnd = seededRandom(5);
  const trafficAt = (i: number) => 50 + 200 * Math.max(0, Math.sin(i / 30));
  const memory = Array.from({ length: 6 }, (_, w) =>
    makeSeries(grid, worker(300 + w, 'app-1'), (i) => (180 + w * 4) * MIB + trafficAt(i) * 0.4 * MIB + (rnd() - 0.5) * 4 * MIB),
  );
  const traffic = makeSeries(grid, {}, trafficAt);
  const series = makeServiceSeries({ service: 'thumbnails', grid, memory, traffic });
  return {
    name: 'follows-traffic-800',
    series,
    diagnosis: diagnosisFor(series, { pattern: 'follows-traffic' }),
    timeZone: 'Australia/Sydney',
    width: 800,
    height: 400,
  };
}

/** Annotations close together (two scale events 10 min apart inside an idle stretch) while a worker climbs to the top. */
function crowdedMarkers(): Scenario {
  const grid = makeGrid('2025-03-04T00:00:00Z', 60, 12 * 60 + 1);
  const rnd = seededRandom(6);
  const memory = Array.from({ length: 8 }, (_, w) =>
    makeSeries(grid, worker(500 + w, 'web-1'), (i) => {
      // Workers 4 and 5 start at index 120, 6 and 7 at 130.
      if (w >= 4 && i < (w < 6 ? 120 : 130)) return Number.NaN;
      if (w === 0) return 400 * MIB + (i / grid.length) * 900 * MIB + (rnd() - 0.5) * 6 * MIB;
      return (380 + w * 5) * MIB + (rnd() - 0.5) * 6 * MIB;
    }),
  );
  const series = makeServiceSeries({ service: 'billing-worker', grid, memory });
  const at = (i: number) => new Date(grid.startMs + i * grid.stepMs).toISOString();
  const change = (i: number, from: number, to: number) => ({
    at: at(i),
    from,
    to,
    totalBeforeBytes: 0,
    totalAfterBytes: 0,
    perWorkerBeforeBytes: 0,
    perWorkerAfterBytes: 0,
  });
  const diagnosis = diagnosisFor(series, {
    pattern: 'one-worker-growing',
    growing: [0],
    limitBytes: 10 * GIB,
    overrides: {
      workerCountChanges: [change(120, 4, 6), change(130, 6, 8), change(700, 8, 8)],
      idlePeriods: [
        { start: at(100), end: at(180), durationSeconds: 4800, memoryAtStartBytes: 0, memoryAtEndBytes: 0, baselineBytes: 0 },
        { start: at(690), end: at(720), durationSeconds: 1800, memoryAtStartBytes: 0, memoryAtEndBytes: 0, baselineBytes: 0 },
      ],
    },
  });
  return { name: 'crowded-markers', series, diagnosis, timeZone: 'Europe/London' };
}

/**
 * 64 workers over 7 days at 5 min; a deploy on day 4 replaces every pid (old ones stop, new ones start
 * small and warm up). One old worker leaked until the deploy; one new worker leaks after it.
 */
function deploy64x7d(): Scenario {
  const grid = makeGrid('2025-03-01T00:00:00Z', 300, 7 * 288 + 1);
  const rnd = seededRandom(7);
  const deployAt = 4 * 288 + 130; // Wed 10:50 UTC
  const trafficAt = (i: number) => 900 + 700 * Math.sin(((i % 288) / 288) * 2 * Math.PI - Math.PI / 2);
  const load = (i: number) => (trafficAt(i) / 1600) * 80 * MIB;
  const memory: GridSeries[] = [];
  for (let w = 0; w < 64; w++) {
    const base = (420 + rnd() * 90) * MIB;
    memory.push(
      makeSeries(grid, worker(30000 + w, `web-${(w % 8) + 1}`), (i) => {
        if (i >= deployAt) return Number.NaN;
        const leak = w === 9 ? (i / 288) * 180 * MIB : 0;
        return base + load(i) + leak + (rnd() - 0.5) * 10 * MIB;
      }),
    );
  }
  for (let w = 0; w < 64; w++) {
    const base = (400 + rnd() * 90) * MIB;
    memory.push(
      makeSeries(grid, worker(52000 + w, `web-${(w % 8) + 1}`), (i) => {
        if (i < deployAt + 1) return Number.NaN;
        const age = i - deployAt;
        // Fresh interpreters start near 150 MiB and warm up over ~2 h.
        const warm = 150 * MIB + (base - 150 * MIB) * (1 - Math.exp(-age / 24));
        const leak = w === 41 ? (age / 288) * 260 * MIB : 0;
        return warm + load(i) + leak + (rnd() - 0.5) * 10 * MIB;
      }),
    );
  }
  const traffic = makeSeries(grid, {}, (i) => trafficAt(i) * (0.95 + rnd() * 0.1));
  const series = makeServiceSeries({ service: 'storefront', grid, memory, traffic, limit: { bytes: 64 * GIB, source: 'config' } });
  return {
    name: 'deploy-64x7d',
    series,
    diagnosis: diagnosisFor(series, { pattern: 'one-worker-growing', growing: [9, 64 + 41], limitBytes: 64 * GIB }),
    timeZone: 'America/Chicago',
  };
}

/** Nothing grows: 32 workers that follow traffic over 24 h, with a 40-minute scrape outage (no worker has data). */
function nothingGrowing32(): Scenario {
  const grid = makeGrid('2025-03-04T00:00:00Z', 60, 1441);
  const rnd = seededRandom(8);
  const outage = (i: number) => i >= 800 && i < 840;
  const trafficAt = (i: number) => 300 + 250 * Math.sin(((i - 360) / 1440) * 2 * Math.PI);
  const memory = Array.from({ length: 32 }, (_, w) => {
    const base = (330 + rnd() * 70) * MIB;
    return makeSeries(grid, worker(8100 + w, `app-${Math.floor(w / 8) + 1}`), (i) =>
      outage(i) ? Number.NaN : base + (trafficAt(i) / 550) * 90 * MIB + (rnd() - 0.5) * 12 * MIB,
    );
  });
  const traffic = makeSeries(grid, {}, (i) => (outage(i) ? Number.NaN : trafficAt(i) * (0.95 + rnd() * 0.1)));
  const series = makeServiceSeries({ service: 'profiles-api', grid, memory, traffic, limit: { bytes: 24 * GIB, source: 'config' } });
  return {
    name: 'nothing-growing-32',
    series,
    diagnosis: diagnosisFor(series, { pattern: 'follows-traffic', limitBytes: 24 * GIB }),
    timeZone: 'UTC',
  };
}

/** 6 workers at the default size, one growing: the background stays one line per worker. */
function sixWorkers(): Scenario {
  const grid = makeGrid('2025-03-04T08:00:00Z', 30, 721);
  const rnd = seededRandom(9);
  const memory = Array.from({ length: 6 }, (_, w) =>
    makeSeries(grid, worker(610 + w, 'app-1'), (i) => {
      const noise = (rnd() - 0.5) * 6 * MIB;
      if (w === 2) return 260 * MIB + (i / 720) * 240 * MIB + noise;
      return (250 + w * 8) * MIB + 10 * MIB * Math.sin(i / 60 + w) + noise;
    }),
  );
  const series = makeServiceSeries({ service: 'pdf-render', grid, memory });
  return {
    name: 'six-workers',
    series,
    diagnosis: diagnosisFor(series, { pattern: 'one-worker-growing', growing: [2], limitBytes: 3 * GIB }),
    timeZone: 'Europe/Paris',
  };
}

const SCENARIOS = [
  oneGrowing6h,
  fleet24h,
  week7d,
  bigFleet12h,
  followsTraffic800,
  crowdedMarkers,
  deploy64x7d,
  nothingGrowing32,
  sixWorkers,
];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

async function pixels(png: Buffer): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { data: ctx.getImageData(0, 0, image.width, image.height).data, width: image.width, height: image.height };
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Pixels within a small distance of `hex` (antialiasing blends edges, the line's core keeps the colour). */
function countColour(img: { data: Uint8ClampedArray }, hex: string, tolerance = 24): number {
  const [r, g, b] = hexToRgb(hex);
  let count = 0;
  for (let p = 0; p < img.data.length; p += 4) {
    if (
      Math.abs((img.data[p] ?? 0) - r) <= tolerance &&
      Math.abs((img.data[p + 1] ?? 0) - g) <= tolerance &&
      Math.abs((img.data[p + 2] ?? 0) - b) <= tolerance
    ) {
      count++;
    }
  }
  return count;
}

/** A CSS rgba() colour painted over an opaque background, as a hex colour. */
function composite(rgba: string, backgroundHex: string): string {
  const m = /^rgba\((\d+),\s*(\d+),\s*(\d+),\s*([\d.]+)\)$/.exec(rgba);
  if (m === null) throw new Error(`not an rgba() colour: ${rgba}`);
  const alpha = Number(m[4]);
  const under = hexToRgb(backgroundHex);
  const mixed = [1, 2, 3].map((k, j) => Math.round(alpha * Number(m[k]) + (1 - alpha) * (under[j] ?? 0)));
  return `#${mixed.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

describe('ChartRenderer', () => {
  const renderer = new ChartRenderer();
  mkdirSync(ARTIFACTS, { recursive: true });
  const rendered: string[] = [];

  afterAll(() => {
    writeFileSync(join(ARTIFACTS, 'charts.txt'), `${rendered.join('\n')}\n`);
  });

  for (const make of SCENARIOS) {
    const scenario = make();
    it(`renders ${scenario.name} as a non-blank PNG of the requested size`, async () => {
      const spec: MemoryChartSpec = buildMemoryChartSpec(scenario.series, scenario.diagnosis, buildFleet(scenario.series), {
        timeZone: scenario.timeZone,
        ...(scenario.width !== undefined ? { width: scenario.width } : {}),
        ...(scenario.height !== undefined ? { height: scenario.height } : {}),
      });
      const png = await renderer.renderMemoryChart(spec);
      const path = join(ARTIFACTS, `chart-${scenario.name}.png`);
      writeFileSync(path, png);
      rendered.push(path);

      expect(pngSize(png)).toEqual({ width: spec.width, height: spec.height });
      const img = await pixels(png);
      // Opaque white background: the top-left corner is outside every chart element.
      expect(Array.from(img.data.subarray(0, 4))).toEqual([255, 255, 255, 255]);
      const opaque = img.data.filter((_, i) => i % 4 === 3 && img.data[i] !== 255).length;
      expect(opaque).toBe(0);
      // Each highlighted worker's colour shows up as a line, not just as a legend swatch.
      for (const line of spec.lines.filter((l) => l.role === 'highlight')) {
        expect(countColour(img, line.color)).toBeGreaterThan(300);
      }
      // The background band is filled (its colour over the white plot) and its median drawn as a line:
      // grey text and grid lines share the median's colour, so compare with the chart drawn without it.
      if (spec.range !== null) {
        expect(countColour(img, composite(spec.range.fill, spec.background), 3)).toBeGreaterThan(2000);
        const median = spec.lines.find((l) => l.role === 'median');
        const withoutMedian = await pixels(await renderer.renderMemoryChart({ ...spec, lines: spec.lines.filter((l) => l !== median) }));
        const medianColour = median?.color ?? '#000000';
        // At least a few hundred px of a ~850 px line, where growing lines on top leave it visible.
        expect(countColour(img, medianColour, 12) - countColour(withoutMedian, medianColour, 12)).toBeGreaterThan(150);
      }
      // The limit line is drawn in red when it is on the chart.
      if (spec.limit !== null && spec.limit.steps.some((s) => s.value <= spec.memoryAxis.max)) {
        expect(countColour(img, spec.limit.color, 30)).toBeGreaterThan(100);
      }
    });
  }

  it('does not carry one chart’s markers into the next', async () => {
    const withMarkers = fleet24h();
    const first = buildMemoryChartSpec(withMarkers.series, withMarkers.diagnosis, buildFleet(withMarkers.series), { timeZone: 'UTC' });
    const plain = oneGrowing6h();
    const spec = buildMemoryChartSpec(plain.series, { ...plain.diagnosis, limit: null }, buildFleet(plain.series), { timeZone: 'UTC' });
    const before = await renderer.renderMemoryChart(spec);
    await renderer.renderMemoryChart(first);
    const after = await renderer.renderMemoryChart(spec);
    expect(after.equals(before)).toBe(true);
  });

  it('renders a chart with no samples at all without throwing', async () => {
    const grid = makeGrid('2025-03-04T00:00:00Z', 60, 61);
    const empty = (workers: number) =>
      makeServiceSeries({ grid, memory: Array.from({ length: workers }, (_, w) => makeSeries(grid, worker(w, 'a'), () => Number.NaN)) });
    const one = empty(1);
    const png = await renderer.renderMemoryChart(buildMemoryChartSpec(one, diagnosisFor(one), buildFleet(one), { timeZone: 'UTC' }));
    writeFileSync(join(ARTIFACTS, 'chart-no-samples.png'), png);
    expect(pngSize(png)).toEqual({ width: 1000, height: 500 });
    // Many series, none with data: no processes to draw, and no crash.
    const many = empty(20);
    const bandSpec = buildMemoryChartSpec(many, diagnosisFor(many), buildFleet(many), { timeZone: 'UTC' });
    expect(bandSpec.range).toBeNull();
    expect(pngSize(await renderer.renderMemoryChart(bandSpec))).toEqual({ width: 1000, height: 500 });
  });

  it('renders at a spec size other than the renderer default', async () => {
    const scenario = oneGrowing6h();
    const spec = buildMemoryChartSpec(scenario.series, scenario.diagnosis, buildFleet(scenario.series), { timeZone: 'UTC', width: 640, height: 360 });
    const png = await renderer.renderMemoryChart(spec);
    writeFileSync(join(ARTIFACTS, 'chart-small-640x360.png'), png);
    expect(pngSize(png)).toEqual({ width: 640, height: 360 });
  });
});

