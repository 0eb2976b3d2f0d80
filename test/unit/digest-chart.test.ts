import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas, loadImage } from 'canvas';
import { describe, expect, it } from 'vitest';
import {
  DIGEST_TONE_COLORS,
  MAX_SPARKLINE_POINTS,
  buildDigestChartSpec,
  xToPixel,
  yToPixel,
  type DigestChartSpec,
  type DigestPanelInput,
  type DigestPanelSpec,
} from '../../src/charts/digest-spec';
import { renderDigestChartPng } from '../../src/charts/render-digest-chart';
import { ChartRenderer } from '../../src/charts/renderer';
import { formatBytes } from '../../src/domain/format';
import { GIB, MIB, type Grid } from '../../src/domain/series';
import { makeGrid, seededRandom } from '../support/diagnosis-factory';

const ARTIFACTS = join(__dirname, '..', '.artifacts');
/** 24 h at 1 min, 08:00 to 08:00 in Berlin (CET). */
const DAY = makeGrid('2025-03-04T07:00:00Z', 60, 1441);
const OPTIONS = { timeZone: 'Europe/Berlin', title: 'Memory digest' } as const;

function series(grid: Grid, value: (i: number) => number): Float64Array {
  const values = new Float64Array(grid.length);
  for (let i = 0; i < grid.length; i++) values[i] = value(i);
  return values;
}

/** Total memory rising linearly from `from` to `from * (1 + growth)`, with a little noise. */
function growing(service: string, fromBytes: number, growth: number, seed: number, extra: Partial<DigestPanelInput> = {}): DigestPanelInput {
  const rnd = seededRandom(seed);
  const n = DAY.length - 1;
  return {
    service,
    grid: DAY,
    totalBytes: series(DAY, (i) => fromBytes * (1 + (growth * i) / n) + (rnd() - 0.5) * 0.01 * fromBytes * (i === n ? 0 : 1)),
    limitBytes: null,
    growthFraction: growth,
    currentBytes: null,
    status: growth >= 0.02 ? 'grew' : growth <= -0.02 ? 'shrank' : 'steady',
    ...extra,
  };
}

/** Flat on average, with a GC-like sawtooth: climbs for two hours, drops back. */
function sawtooth(service: string, baseBytes: number, seed: number, extra: Partial<DigestPanelInput> = {}): DigestPanelInput {
  const rnd = seededRandom(seed);
  return {
    service,
    grid: DAY,
    totalBytes: series(DAY, (i) => baseBytes * (1 + 0.18 * ((i % 120) / 120)) + (rnd() - 0.5) * 0.01 * baseBytes),
    limitBytes: null,
    growthFraction: 0.004,
    currentBytes: null,
    status: 'steady',
    ...extra,
  };
}

/** Follows a daily traffic curve; no trend. */
function diurnal(service: string, baseBytes: number, seed: number, extra: Partial<DigestPanelInput> = {}): DigestPanelInput {
  const rnd = seededRandom(seed);
  return {
    service,
    grid: DAY,
    totalBytes: series(DAY, (i) => baseBytes * (1 + 0.08 * Math.sin((i / 1440) * 2 * Math.PI)) + (rnd() - 0.5) * 0.015 * baseBytes),
    limitBytes: null,
    growthFraction: -0.006,
    currentBytes: null,
    status: 'steady',
    ...extra,
  };
}

function noData(service: string, status: 'no-data' | 'error', note?: string): DigestPanelInput {
  return {
    service,
    grid: DAY,
    totalBytes: new Float64Array(DAY.length).fill(Number.NaN),
    limitBytes: null,
    growthFraction: null,
    currentBytes: null,
    status,
    ...(note !== undefined ? { note } : {}),
  };
}

/** 12 services, growers first: 3 grow (one toward its limit), 6 steady, 1 shrinks, 1 without data, 1 failed. */
function twelveServices(): DigestPanelInput[] {
  const withOutage = diurnal('notifications', 900 * MIB, 11, { limitBytes: 4 * GIB });
  const values = withOutage.totalBytes;
  for (let i = 600; i < 780; i++) values[i] = Number.NaN; // a 3 h scrape outage
  return [
    growing('checkout-api', 2.6 * GIB, 0.182, 1, { limitBytes: 4 * GIB, note: 'limit in ~31 h' }),
    growing('celery-reports', 1.2 * GIB, 0.45, 2, { limitBytes: 16 * GIB, note: '4 of 8 workers growing' }),
    growing('search-indexer-worker-pool-eu-west', 5.1 * GIB, 0.064, 3, { limitBytes: 12 * GIB }),
    sawtooth('image-resizer', 800 * MIB, 4, { limitBytes: 2 * GIB }),
    diurnal('storefront', 6.2 * GIB, 5, { limitBytes: 8 * GIB }),
    diurnal('profiles-api', 1.4 * GIB, 6),
    withOutage,
    sawtooth('pdf-render', 350 * MIB, 7),
    diurnal('auth', 220 * MIB, 8, { limitBytes: 1 * GIB }),
    growing('ml-scorer', 9.5 * GIB, -0.12, 9, { limitBytes: 12 * GIB, note: 'scaled down 12 → 10 workers' }),
    noData('legacy-cron', 'no-data', 'no samples in 24 h'),
    noData('payments-ledger', 'error', 'query failed: Prometheus timeout after 30 s'),
  ];
}

/** 30 services: 4 growers first, then 26 steady ones. */
function thirtyServices(): DigestPanelInput[] {
  const panels: DigestPanelInput[] = [
    growing('checkout-api', 2.6 * GIB, 0.31, 21, { limitBytes: 4 * GIB, note: 'limit in ~19 h' }),
    growing('celery-reports', 1.2 * GIB, 0.22, 22),
    growing('thumbnails', 640 * MIB, 0.08, 23, { limitBytes: 1 * GIB }),
    growing('search-api', 4 * GIB, 0.035, 24),
  ];
  for (let k = 0; k < 26; k++) {
    const base = (200 + ((k * 397) % 3000)) * MIB;
    panels.push(k % 3 === 0 ? sawtooth(`service-${k + 1}`, base, 100 + k) : diurnal(`service-${k + 1}`, base, 100 + k));
  }
  return panels;
}

function panel(spec: DigestChartSpec, service: string): DigestPanelSpec {
  const found = spec.panels.find((p) => p.service === service);
  if (found === undefined) throw new Error(`no panel for ${service}`);
  return found;
}

describe('buildDigestChartSpec', () => {
  it('keeps the given order and draws every panel inside the image without overlap', () => {
    const input = twelveServices();
    const spec = buildDigestChartSpec(input, OPTIONS);
    expect(spec.panels.map((p) => p.service)).toEqual(input.map((p) => p.service));
    expect(spec.columns).toBe(3);
    expect(spec.rows).toBe(4);
    expect(spec.footer).toBeNull();
    // Row-major: the first three panels share the top row, left to right.
    const [a, b, c, d] = spec.panels;
    expect(a?.frame.y).toBe(b?.frame.y);
    expect(b?.frame.y).toBe(c?.frame.y);
    expect((a?.frame.x ?? 0) < (b?.frame.x ?? 0) && (b?.frame.x ?? 0) < (c?.frame.x ?? 0)).toBe(true);
    expect(d?.frame.y).toBeGreaterThan(a?.frame.y ?? 0);
    for (const p of spec.panels) {
      expect(p.frame.x).toBeGreaterThanOrEqual(0);
      expect(p.frame.x + p.frame.width).toBeLessThanOrEqual(spec.width);
      expect(p.frame.y + p.frame.height).toBeLessThanOrEqual(spec.height);
      expect(p.plot.x).toBeGreaterThan(p.frame.x);
      expect(p.plot.y + p.plot.height).toBeLessThan(p.frame.y + p.frame.height);
      for (const q of spec.panels) {
        if (q === p) continue;
        const apart =
          p.frame.x + p.frame.width <= q.frame.x ||
          q.frame.x + q.frame.width <= p.frame.x ||
          p.frame.y + p.frame.height <= q.frame.y ||
          q.frame.y + q.frame.height <= p.frame.y;
        expect(apart).toBe(true);
      }
    }
  });

  it('shows at most maxPanels and counts the rest in a final note', () => {
    const input = thirtyServices();
    const spec = buildDigestChartSpec(input, OPTIONS);
    expect(spec.panels).toHaveLength(24);
    expect(spec.panels.map((p) => p.service)).toEqual(input.slice(0, 24).map((p) => p.service));
    expect(spec.omitted).toBe(6);
    expect(spec.footer?.text).toBe('+6 more services');
    const lastPanel = spec.panels[spec.panels.length - 1];
    expect(spec.footer?.y).toBeGreaterThan((lastPanel?.frame.y ?? 0) + (lastPanel?.frame.height ?? 0));
    expect(spec.footer?.y).toBeLessThan(spec.height);

    // Growth among the services left out is said, not hidden.
    const few = buildDigestChartSpec(input, { ...OPTIONS, maxPanels: 2 });
    expect(few.panels.map((p) => p.service)).toEqual(['checkout-api', 'celery-reports']);
    expect(few.footer?.text).toBe('+28 more services (2 growing)');
    const one = buildDigestChartSpec(input.slice(0, 2), { ...OPTIONS, maxPanels: 1 });
    expect(one.footer?.text).toBe('+1 more service (1 growing)');
  });

  it('draws the limit as a dashed red line only when it is within 1.3x of the panel maximum', () => {
    const near = growing('near', 2 * GIB, 0.25, 1, { limitBytes: 3 * GIB }); // max ≈ 2.5 GiB: 1.2x
    const far = growing('far', 2 * GIB, 0.25, 1, { limitBytes: 16 * GIB });
    const spec = buildDigestChartSpec([near, far], OPTIONS);

    const inView = panel(spec, 'near');
    expect(inView.limitLine?.bytes).toBe(3 * GIB);
    expect(inView.limitLine?.dash.length).toBeGreaterThan(0);
    expect(inView.limitLine?.color).toBe('#d62828');
    expect(inView.scale.yMax).toBeGreaterThan(3 * GIB);
    const limitY = yToPixel(inView.plot, inView.scale, 3 * GIB);
    expect(limitY).toBeGreaterThan(inView.plot.y);
    expect(limitY).toBeLessThan(inView.plot.y + inView.plot.height);
    expect(inView.limitText?.text).toBe('limit 3 GiB');
    expect(inView.limitText?.color).toBe('#d62828');

    const offScale = panel(spec, 'far');
    expect(offScale.limitLine).toBeNull();
    expect(offScale.scale.yMax).toBeLessThan(3 * GIB);
    expect(offScale.limitText?.text).toBe('limit 16 GiB');
    expect(offScale.limitText?.color).not.toBe('#d62828');

    const none = panel(buildDigestChartSpec([growing('none', GIB, 0.2, 1)], OPTIONS), 'none');
    expect(none.limitLine).toBeNull();
    expect(none.limitText).toBeNull();
  });

  it('words the growth and colours it by status', () => {
    const spec = buildDigestChartSpec(
      [
        growing('strong', 2 * GIB, 0.25, 1),
        growing('mild', 2 * GIB, 0.05, 2),
        growing('flat', 2 * GIB, 0.004, 3),
        growing('down', 2 * GIB, -0.125, 4),
        noData('silent', 'no-data'),
        noData('broken', 'error', 'query failed: timeout'),
      ],
      OPTIONS,
    );
    const strong = panel(spec, 'strong');
    // 2 GiB → 2.5 GiB: +25% is +512 MiB.
    expect(strong.growth?.text).toBe('+25.0%  +512 MiB');
    expect(strong.tone).toBe('strong-growth');
    expect(strong.growth?.color).toBe(DIGEST_TONE_COLORS['strong-growth'].text);
    expect(strong.sparkline?.color).toBe(DIGEST_TONE_COLORS['strong-growth'].line);
    expect(strong.accent).toBe(DIGEST_TONE_COLORS['strong-growth'].line);
    expect(strong.value?.text).toBe('2.5 GiB');

    const mild = panel(spec, 'mild');
    expect(mild.growth?.text).toBe('+5.0%  +102 MiB');
    expect(mild.tone).toBe('growth');
    expect(mild.growth?.color).toBe(DIGEST_TONE_COLORS.growth.text);
    expect(mild.accent).not.toBeNull();

    const flat = panel(spec, 'flat');
    expect(flat.growth?.text).toBe('+0.4%  +8.19 MiB');
    expect(flat.tone).toBe('steady');
    expect(flat.growth?.color).toBe(DIGEST_TONE_COLORS.steady.text);
    expect(flat.accent).toBeNull();

    const down = panel(spec, 'down');
    expect(down.growth?.text).toBe('−12.5%  −256 MiB');
    expect(down.tone).toBe('shrink');
    expect(down.growth?.color).toBe(DIGEST_TONE_COLORS.shrink.text);

    const silent = panel(spec, 'silent');
    expect(silent.tone).toBe('muted');
    expect(silent.growth).toBeNull();
    expect(silent.sparkline).toBeNull();
    expect(silent.value).toBeNull();
    expect(silent.note?.text).toBe('no data');
    expect(silent.background).not.toBe('#ffffff');

    const broken = panel(spec, 'broken');
    expect(broken.tone).toBe('muted');
    expect(broken.sparkline).toBeNull();
    expect(broken.note?.text).toBe('query failed: timeout');
    expect(broken.background).toBe(silent.background);

    // A service that was never measured may come with an empty grid.
    const unmeasured = buildDigestChartSpec(
      [{ service: 'never', grid: { startMs: DAY.startMs, stepMs: 60_000, length: 0 }, totalBytes: new Float64Array(0), limitBytes: null, growthFraction: null, currentBytes: null, status: 'error', note: 'not measured' }],
      OPTIONS,
    );
    expect(panel(unmeasured, 'never').note?.text).toBe('not measured');
    expect(unmeasured.subtitle?.text).not.toContain('NaN');
  });

  it('labels the newest value at the end of the line, not the last grid point', () => {
    const input = growing('ends-early', GIB, 0.1, 5);
    const values = input.totalBytes;
    for (let i = 1300; i < values.length; i++) values[i] = Number.NaN;
    const p = panel(buildDigestChartSpec([input], OPTIONS), 'ends-early');
    const lastValue = values[1299] ?? 0;
    expect(p.value?.text).toBe(formatBytes(lastValue));
    expect(p.sparkline?.last).toEqual({ x: DAY.startMs + 1299 * DAY.stepMs, y: lastValue });
    // The label sits level with the line's end, right of the plot.
    expect(p.value?.y).toBeCloseTo(yToPixel(p.plot, p.scale, lastValue), 5);
    expect(p.value?.x).toBeGreaterThan(p.plot.x + p.plot.width);
    expect(xToPixel(p.plot, p.scale, DAY.startMs + 1299 * DAY.stepMs)).toBeLessThan(p.plot.x + p.plot.width);
  });

  it('prints the current total and growth the digest text states, while the dot stays on the last sample', () => {
    // The text reports a level robust to the last sample's GC swing: 8.58 GiB, +3.56 GiB (+71%).
    const stated = 8.58 * GIB;
    const growth = 0.71;
    const input = growing('aw-b', 5 * GIB, growth, 7, { currentBytes: stated });
    const lastSample = input.totalBytes[input.totalBytes.length - 1] ?? 0;
    const p = panel(buildDigestChartSpec([input], OPTIONS), 'aw-b');
    expect(p.value?.text).toBe(formatBytes(stated));
    expect(p.growth?.text).toBe(`+71.0%  +${formatBytes(stated - stated / (1 + growth))}`);
    expect(p.sparkline?.last?.y).toBe(lastSample);
    expect(p.reference?.bytes).toBeCloseTo(stated / (1 + growth), 0);
  });

  it('downsamples to about 120 points and keeps gaps as gaps', () => {
    const input = diurnal('gappy', GIB, 3);
    const values = input.totalBytes;
    const gapFrom = 600;
    const gapTo = 780;
    for (let i = gapFrom; i < gapTo; i++) values[i] = Number.NaN;
    const p = panel(buildDigestChartSpec([input], OPTIONS), 'gappy');
    const points = p.sparkline?.points ?? [];
    expect(points.length).toBeGreaterThan(60);
    expect(points.length).toBeLessThanOrEqual(MAX_SPARKLINE_POINTS + 1);
    const breaks = points.filter((q) => q.y === null);
    expect(breaks).toHaveLength(1);
    const gapStart = DAY.startMs + gapFrom * DAY.stepMs;
    const gapEnd = DAY.startMs + gapTo * DAY.stepMs;
    // No drawn point inside the outage (bucket edges may round by up to one bucket).
    const bucketMs = Math.ceil(DAY.length / (MAX_SPARKLINE_POINTS / 2)) * DAY.stepMs;
    const inside = points.filter((q) => q.y !== null && q.x > gapStart + bucketMs && q.x < gapEnd - bucketMs);
    expect(inside).toHaveLength(0);
    // The scale starts at zero: a steady line does not fill the panel top to bottom.
    expect(p.scale.yMin).toBe(0);
  });

  it('grows the image by about 150 px per row at 1000 px wide', () => {
    const make = (n: number) =>
      buildDigestChartSpec(
        Array.from({ length: n }, (_, k) => diurnal(`svc-${k}`, GIB, k)),
        OPTIONS,
      );
    const three = make(3);
    const four = make(4);
    const seven = make(7);
    const twelve = make(12);
    expect(three.rows).toBe(1);
    expect(four.rows).toBe(2);
    expect(seven.rows).toBe(3);
    expect(twelve.rows).toBe(4);
    const perRow = four.height - three.height;
    expect(perRow).toBeGreaterThanOrEqual(130);
    expect(perRow).toBeLessThanOrEqual(170);
    expect(seven.height - four.height).toBe(perRow);
    expect(twelve.height - seven.height).toBe(perRow);
    expect(twelve.width).toBe(1000);
    // Wider images scale their rows with them.
    const wide = buildDigestChartSpec([diurnal('a', GIB, 1)], { ...OPTIONS, width: 2000 });
    expect(wide.width).toBe(2000);
    expect(wide.panels[0]?.frame.width).toBeGreaterThan(1800);
  });

  it('says the 24 h window in the requested time zone', () => {
    const spec = buildDigestChartSpec(twelveServices(), { ...OPTIONS, title: 'Memory digest — 12 services, 3 growing' });
    expect(spec.title.text).toBe('Memory digest — 12 services, 3 growing');
    expect(spec.subtitle?.text).toContain('Tue Mar 4 08:00 – Wed 08:00 GMT+1 (24 h)');
    const tokyo = buildDigestChartSpec(twelveServices(), { ...OPTIONS, timeZone: 'Asia/Tokyo' });
    expect(tokyo.subtitle?.text).toContain('Tue Mar 4 16:00 – Wed 16:00 GMT+9');
  });

  it('makes a valid "no subscribed services" image when there are no panels', () => {
    const spec = buildDigestChartSpec([], OPTIONS);
    expect(spec.panels).toEqual([]);
    expect(spec.footer).toBeNull();
    expect(spec.empty?.text.text).toBe('No subscribed services');
    expect(spec.width).toBe(1000);
    expect(spec.height).toBeGreaterThan(100);
    expect((spec.empty?.frame.y ?? 0) + (spec.empty?.frame.height ?? 0)).toBeLessThan(spec.height);
  });
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

interface Pixels {
  readonly data: Uint8ClampedArray;
  readonly width: number;
}

async function pixels(png: Buffer): Promise<Pixels> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { data: ctx.getImageData(0, 0, image.width, image.height).data, width: image.width };
}

/** Pixels close to `hex` inside `rect` (antialiasing blends edges; a line's core keeps its colour). */
function countColour(img: Pixels, hex: string, rect: { x: number; y: number; width: number; height: number }, tolerance = 28): number {
  const n = Number.parseInt(hex.slice(1), 16);
  const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  let count = 0;
  for (let y = Math.floor(rect.y); y < rect.y + rect.height; y++) {
    for (let x = Math.floor(rect.x); x < rect.x + rect.width; x++) {
      const p = (y * img.width + x) * 4;
      if (rgb.every((c, k) => Math.abs((img.data[p + k] ?? 0) - c) <= tolerance)) count++;
    }
  }
  return count;
}

describe('ChartRenderer.renderDigestChart', () => {
  const renderer = new ChartRenderer();
  mkdirSync(ARTIFACTS, { recursive: true });

  async function render(name: string, spec: DigestChartSpec): Promise<Pixels> {
    const png = await renderer.renderDigestChart(spec);
    writeFileSync(join(ARTIFACTS, `digest-${name}.png`), png);
    expect(pngSize(png)).toEqual({ width: spec.width, height: spec.height });
    const img = await pixels(png);
    // Opaque white: Slack's dark mode shows transparent PNGs badly.
    expect(Array.from(img.data.subarray(0, 4))).toEqual([255, 255, 255, 255]);
    expect(img.data.filter((_, i) => i % 4 === 3 && img.data[i] !== 255).length).toBe(0);
    return img;
  }

  it('renders 12 services with 3 growers: coloured lines where they grew, grey boxes where no data', async () => {
    const spec = buildDigestChartSpec(twelveServices(), { ...OPTIONS, title: 'Memory digest — 12 services, 3 growing' });
    const img = await render('12-services', spec);
    const red = DIGEST_TONE_COLORS['strong-growth'].line;
    const grey = DIGEST_TONE_COLORS.steady.line;
    const checkout = panel(spec, 'checkout-api');
    const steady = panel(spec, 'profiles-api');
    // The grower's line is red in its own plot and absent from a steady panel's.
    expect(countColour(img, red, checkout.plot)).toBeGreaterThan(checkout.plot.width);
    expect(countColour(img, red, steady.plot, 12)).toBe(0);
    expect(countColour(img, grey, steady.plot)).toBeGreaterThan(steady.plot.width);
    // Its limit is in view: dashes of limit red across the plot.
    const limitY = Math.round(yToPixel(checkout.plot, checkout.scale, 4 * GIB));
    expect(countColour(img, '#d62828', { x: checkout.plot.x, y: limitY - 1, width: checkout.plot.width, height: 3 })).toBeGreaterThan(
      checkout.plot.width / 3,
    );
    // Panels without data are a grey box, without any line.
    const silent = panel(spec, 'legacy-cron');
    const inner = { x: silent.frame.x + 8, y: silent.frame.y + 30, width: 30, height: 30 };
    expect(countColour(img, silent.background, inner, 2)).toBe(30 * 30);
  });

  it('renders 30 services as 24 panels and a "+6 more services" note', async () => {
    const spec = buildDigestChartSpec(thirtyServices(), { ...OPTIONS, title: 'Memory digest — 30 services, 4 growing' });
    expect(spec.footer?.text).toBe('+6 more services');
    const img = await render('30-services', spec);
    const footer = spec.footer;
    if (footer === null) throw new Error('footer expected');
    // The note is drawn: dark text pixels on its line.
    expect(countColour(img, footer.color, { x: footer.x, y: footer.y - footer.px / 2, width: 200, height: footer.px }, 40)).toBeGreaterThan(40);
  });

  it('renders a single service across the full width', async () => {
    const spec = buildDigestChartSpec([twelveServices()[0] as DigestPanelInput], {
      ...OPTIONS,
      title: 'Memory digest — 1 service, 1 growing',
    });
    expect(spec.columns).toBe(1);
    const img = await render('1-service', spec);
    const only = spec.panels[0] as DigestPanelSpec;
    expect(countColour(img, DIGEST_TONE_COLORS['strong-growth'].line, only.plot)).toBeGreaterThan(only.plot.width);
  });

  it('renders the "no subscribed services" image', async () => {
    const spec = buildDigestChartSpec([], { ...OPTIONS, title: 'Memory digest — no services' });
    const img = await render('empty', spec);
    const frame = spec.empty?.frame;
    if (frame === undefined) throw new Error('empty box expected');
    expect(countColour(img, '#f1f3f5', { x: frame.x + 4, y: frame.y + 4, width: 40, height: 20 }, 2)).toBe(40 * 20);
  });

  it('renders through the shared renderer', async () => {
    const png = await renderDigestChartPng(twelveServices().slice(0, 4), OPTIONS);
    expect(pngSize(png).width).toBe(1000);
  });
});
