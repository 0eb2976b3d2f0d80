/**
 * PNG rendering of chart specs. The only module that loads chartjs-node-canvas
 * (and canvas): one renderer per process, reused, because each ChartJSNodeCanvas
 * carries its own copy of Chart.js and building one per chart is slow and leaks.
 * The digest's small multiples skip Chart.js and draw on a plain canvas.
 */

// chart.js ships ESM types; this CommonJS build only needs them at compile time.
import type { Chart, ChartConfiguration, ChartDataset, LegendItem, Plugin, Scale } from 'chart.js' with {
  'resolution-mode': 'import',
};
import { Canvas, createCanvas, type CanvasRenderingContext2D } from 'canvas';
import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import { xToPixel, yToPixel, type DigestChartSpec, type DigestPanelSpec, type DigestText } from './digest-spec';
import { CHART_FONT_FAMILY, SUBTITLE_COLOR, TITLE_COLOR } from './palette';
import type { AxisTick, BandSpec, LineSpec, MarkerSpec, MemoryChartSpec, RangeSpec } from './spec';

export interface ChartRendererOptions {
  readonly width?: number;
  readonly height?: number;
}

/** Canvas sizes kept ready; each holds a Chart.js copy of a few MB. */
const MAX_CACHED_SIZES = 4;

type LinePoint = { x: number; y: number };

/** Legend swatch width in px: long enough to show a dash pattern. */
const LEGEND_SWATCH_WIDTH = 28;

/**
 * Flat colours compress best unfiltered: on a 24-panel digest, half the encoding time of
 * libpng's adaptive filters (~45 vs ~95 ms) and a ~30% smaller file.
 */
const DIGEST_PNG = { compressionLevel: 6, filters: Canvas.PNG_FILTER_NONE } as const;

/** Renders memory chart specs to PNG; create once and reuse. */
export class ChartRenderer {
  readonly width: number;
  readonly height: number;
  private readonly canvases = new Map<string, ChartJSNodeCanvas>();

  constructor({ width = 1000, height = 500 }: ChartRendererOptions = {}) {
    this.width = width;
    this.height = height;
    this.canvasFor(width, height);
  }

  /** PNG bytes of the chart, at the spec's size. */
  async renderMemoryChart(spec: MemoryChartSpec): Promise<Buffer> {
    const canvas = this.canvasFor(spec.width, spec.height);
    return canvas.renderToBuffer(memoryChartConfig(spec), 'image/png');
  }

  /**
   * PNG bytes of the digest's small multiples, at the spec's size. A fresh canvas per call:
   * encoding runs off the main thread, so a shared canvas could be drawn on mid-encode.
   */
  async renderDigestChart(spec: DigestChartSpec): Promise<Buffer> {
    const canvas = createCanvas(spec.width, spec.height);
    const ctx = canvas.getContext('2d');
    drawDigest(ctx, spec);
    return new Promise<Buffer>((resolve, reject) => {
      canvas.toBuffer((error, png) => (error !== null ? reject(error) : resolve(png)), 'image/png', DIGEST_PNG);
    });
  }

  private canvasFor(width: number, height: number): ChartJSNodeCanvas {
    const key = `${width}x${height}`;
    let canvas = this.canvases.get(key);
    if (canvas === undefined) {
      if (this.canvases.size >= MAX_CACHED_SIZES) {
        // Keep the constructor's size; drop the oldest other one.
        const evict = [...this.canvases.keys()].find((k) => k !== `${this.width}x${this.height}`);
        if (evict !== undefined) this.canvases.delete(evict);
      }
      canvas = new ChartJSNodeCanvas({
        width,
        height,
        chartCallback: (chartJs) => {
          // Defaults of this instance's private Chart.js copy only.
          chartJs.defaults.font.family = CHART_FONT_FAMILY;
          chartJs.defaults.animation = false;
          chartJs.defaults.responsive = false;
        },
      });
      this.canvases.set(key, canvas);
    }
    return canvas;
  }
}

function tickLabeller(ticks: readonly AxisTick[]): (value: number | string) => string {
  const labels = new Map(ticks.map((t) => [t.value, t.label]));
  return (value) => labels.get(Number(value)) ?? '';
}

/** Replaces Chart.js' automatic ticks with the spec's round ones. */
function useTicks(ticks: readonly AxisTick[]): (scale: Scale) => void {
  return (scale) => {
    scale.ticks = ticks.map((t) => ({ value: t.value }));
  };
}

type LineDataset = ChartDataset<'line', LinePoint[]>;

/** Settings every dataset shares: no points, straight segments, gaps kept, data used as given. */
const PLAIN_LINE = {
  xAxisID: 'x',
  pointRadius: 0,
  pointHoverRadius: 0,
  tension: 0,
  spanGaps: false,
  parsing: false,
  normalized: true,
} as const;

function lineDataset(line: LineSpec): LineDataset {
  return {
    ...PLAIN_LINE,
    label: line.label,
    // parsing:false hands these objects to Chart.js as-is; NaN (not null) is what its type allows for a gap.
    data: line.points.map((p) => ({ x: p.x, y: p.y ?? Number.NaN })),
    yAxisID: line.axis,
    borderColor: line.color,
    borderWidth: line.width,
    borderDash: [...line.dash],
    backgroundColor: line.fill ?? line.color,
    fill: line.fill !== null ? 'origin' : false,
  };
}

/** A band is two datasets: its lower edge, then its upper edge filled down to the lower one (at `lowerIndex`). */
function rangeDatasets(range: RangeSpec, lowerIndex: number): [LineDataset, LineDataset] {
  const edge = (pick: 'min' | 'max') => ({
    ...PLAIN_LINE,
    label: range.label,
    data: range.points.map((p) => ({ x: p.x, y: p[pick] ?? Number.NaN })),
    yAxisID: range.axis,
    borderColor: range.edgeColor,
    borderWidth: range.edgeWidth,
    backgroundColor: range.fill,
  });
  return [
    { ...edge('min'), fill: false },
    { ...edge('max'), fill: { target: lowerIndex } },
  ];
}

/** Datasets bottom first: traffic lines, then the background band, then memory lines. */
function datasetsFor(spec: MemoryChartSpec): LineDataset[] {
  const datasets = spec.lines.filter((l) => l.axis === 'traffic').map(lineDataset);
  if (spec.range !== null) datasets.push(...rangeDatasets(spec.range, datasets.length));
  datasets.push(...spec.lines.filter((l) => l.axis !== 'traffic').map(lineDataset));
  // Chart.js paints the lowest `order` last (on top).
  return datasets.map((d, i) => ({ ...d, order: datasets.length - i }));
}

/** The Chart.js configuration for a spec; exported for tests that inspect it without rendering. */
export function memoryChartConfig(spec: MemoryChartSpec): ChartConfiguration<'line', LinePoint[]> {
  const { fonts } = spec;
  const font = (size: number, weight: 'normal' | 'bold' = 'normal') => ({ family: fonts.family, size, weight });
  const datasets = datasetsFor(spec);

  const legendItems: LegendItem[] = spec.legend.map((entry) => ({
    text: entry.label,
    fillStyle: entry.fill ?? entry.color,
    strokeStyle: entry.color,
    // A range swatch gets its line from drawRangeSwatchLines; its box keeps a hairline edge.
    lineWidth: entry.kind === 'line' || entry.kind === 'cross' ? Math.max(entry.width, 2) : entry.kind === 'range' ? 0.75 : entry.width,
    lineDash: [...entry.dash],
    pointStyle: entry.kind === 'line' ? 'line' : entry.kind === 'cross' ? 'crossRot' : 'rect',
    hidden: false,
    fontColor: spec.textColor,
  }));

  const scales: NonNullable<ChartConfiguration<'line', LinePoint[]>['options']>['scales'] = {
    x: {
      type: 'linear',
      min: spec.x.min,
      max: spec.x.max,
      afterBuildTicks: useTicks(spec.x.ticks),
      ticks: {
        callback: tickLabeller(spec.x.ticks),
        autoSkip: false,
        maxRotation: 0,
        font: font(fonts.tickPx),
        color: spec.textColor,
      },
      grid: { color: spec.gridColor },
      border: { color: '#adb5bd' },
    },
    memory: {
      type: 'linear',
      position: 'left',
      min: spec.memoryAxis.min,
      max: spec.memoryAxis.max,
      afterBuildTicks: useTicks(spec.memoryAxis.ticks),
      ticks: { callback: tickLabeller(spec.memoryAxis.ticks), font: font(fonts.tickPx), color: spec.textColor },
      title: { display: true, text: spec.memoryAxis.title, font: font(fonts.axisTitlePx), color: spec.textColor },
      grid: { color: spec.gridColor },
      border: { color: '#adb5bd' },
    },
  };
  if (spec.trafficAxis !== null) {
    const traffic = spec.trafficAxis;
    scales['traffic'] = {
      type: 'linear',
      position: 'right',
      min: traffic.min,
      max: traffic.max,
      afterBuildTicks: useTicks(traffic.ticks),
      ticks: { callback: tickLabeller(traffic.ticks), font: font(fonts.tickPx), color: '#3385d6' },
      title: { display: true, text: traffic.title, font: font(fonts.axisTitlePx), color: '#3385d6' },
      // Its ticks line up with the memory axis' grid lines; a second grid would only add noise.
      grid: { drawOnChartArea: false },
      border: { color: '#adb5bd' },
    };
  }

  return {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      responsive: false,
      events: [],
      layout: { padding: { top: 4, right: 16, bottom: 4, left: 8 } },
      scales,
      plugins: {
        title: {
          display: true,
          text: spec.title,
          align: 'start',
          color: TITLE_COLOR,
          font: font(fonts.titlePx, 'bold'),
          padding: { top: 6, bottom: 2 },
        },
        subtitle: {
          display: true,
          text: spec.subtitle,
          align: 'start',
          color: SUBTITLE_COLOR,
          font: font(fonts.subtitlePx),
          padding: { bottom: 6 },
        },
        legend: {
          display: spec.legend.length > 0,
          position: 'top',
          align: 'start',
          labels: {
            usePointStyle: true,
            pointStyleWidth: LEGEND_SWATCH_WIDTH,
            boxHeight: Math.round(fonts.legendPx * 0.7),
            padding: 12,
            font: font(fonts.legendPx),
            color: spec.textColor,
            generateLabels: () => legendItems,
          },
        },
        tooltip: { enabled: false },
        decimation: { enabled: false },
      },
    },
    // Per chart, not registered globally: markers never leak from one chart into the next.
    plugins: [annotationPlugin(spec)],
  };
}

interface PlacedLabel {
  readonly text: string;
  readonly color: string;
  readonly left: number;
  readonly width: number;
  readonly row: number;
}

/** Background, idle bands, worker-count markers and the per-worker limit, drawn straight on the canvas. */
function annotationPlugin(spec: MemoryChartSpec): Plugin<'line'> {
  return {
    id: 'pymemAnnotations',
    beforeDraw(chart) {
      // Chart.js clears to transparent; Slack's dark mode shows transparent PNGs badly.
      const { ctx } = chart;
      ctx.save();
      ctx.fillStyle = spec.background;
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea } = chart;
      const x = chart.scales['x'];
      if (x === undefined) return;
      ctx.save();
      clipToArea(chart);
      for (const band of spec.bands) {
        const left = x.getPixelForValue(band.startMs);
        const right = x.getPixelForValue(band.endMs);
        ctx.fillStyle = band.fill;
        ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
      }
      for (const marker of spec.markers) {
        const px = Math.round(x.getPixelForValue(marker.atMs)) + 0.5;
        ctx.strokeStyle = marker.color;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([5, 4]);
        ctx.beginPath();
        ctx.moveTo(px, chartArea.top);
        ctx.lineTo(px, chartArea.bottom);
        ctx.stroke();
      }
      ctx.restore();
    },
    afterDatasetsDraw(chart) {
      drawLimit(chart, spec);
      drawKills(chart, spec);
      drawAnnotationLabels(chart, spec.bands, spec.markers, spec.fonts.family, spec.fonts.annotationPx, spec.background);
    },
    afterDraw(chart) {
      drawRangeSwatchLines(chart, spec);
    },
  };
}

interface HitBox {
  readonly left: number;
  readonly top: number;
}

/**
 * Chart.js draws a 'range' legend entry as a filled box; this adds the median line through
 * it, so the swatch looks like what it stands for. Uses the legend's hit boxes (where each
 * entry sits), which Chart.js keeps for its own event handling but does not type.
 */
function drawRangeSwatchLines(chart: Chart<'line'>, spec: MemoryChartSpec): void {
  const boxes = (chart.legend as unknown as { legendHitBoxes?: readonly HitBox[] } | undefined)?.legendHitBoxes;
  if (boxes === undefined || boxes.length !== spec.legend.length) return;
  const { ctx } = chart;
  ctx.save();
  spec.legend.forEach((entry, i) => {
    const box = boxes[i];
    if (entry.kind !== 'range' || box === undefined) return;
    const y = Math.round(box.top + spec.fonts.legendPx / 2) + 0.5;
    ctx.strokeStyle = entry.color;
    ctx.lineWidth = Math.max(entry.width, 2);
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(box.left, y);
    ctx.lineTo(box.left + LEGEND_SWATCH_WIDTH, y);
    ctx.stroke();
  });
  ctx.restore();
}

function clipToArea(chart: Chart<'line'>): void {
  const { ctx, chartArea } = chart;
  ctx.beginPath();
  ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
  ctx.clip();
}

function drawLimit(chart: Chart<'line'>, spec: MemoryChartSpec): void {
  const limit = spec.limit;
  const x = chart.scales['x'];
  const y = chart.scales['memory'];
  if (limit === null || x === undefined || y === undefined || limit.steps.length === 0) return;
  const { ctx } = chart;
  ctx.save();
  clipToArea(chart);
  ctx.strokeStyle = limit.color;
  ctx.lineWidth = limit.width;
  ctx.setLineDash([...limit.dash]);
  ctx.beginPath();
  let previousEnd: number | null = null;
  for (const step of limit.steps) {
    const left = x.getPixelForValue(step.startMs);
    const right = x.getPixelForValue(step.endMs);
    const level = y.getPixelForValue(step.value);
    // Contiguous steps join with a vertical riser; a gap (no live workers) breaks the line.
    if (previousEnd === step.startMs) ctx.lineTo(left, level);
    else ctx.moveTo(left, level);
    ctx.lineTo(right, level);
    previousEnd = step.endMs;
  }
  ctx.stroke();
  ctx.restore();
}

/** An ✕ where each killed worker's line ended, on top of the lines and the limit it reached. */
function drawKills(chart: Chart<'line'>, spec: MemoryChartSpec): void {
  const x = chart.scales['x'];
  const y = chart.scales['memory'];
  if (spec.kills.length === 0 || x === undefined || y === undefined) return;
  const { ctx } = chart;
  ctx.save();
  clipToArea(chart);
  ctx.setLineDash([]);
  ctx.lineCap = 'round';
  for (const kill of spec.kills) {
    const px = x.getPixelForValue(kill.atMs);
    const py = y.getPixelForValue(kill.value);
    const r = kill.radius;
    // A white halo first, so the mark reads on top of a coloured line.
    for (const [color, width] of [[spec.background, kill.width + 2.5], [kill.color, kill.width]] as const) {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.moveTo(px - r, py - r);
      ctx.lineTo(px + r, py + r);
      ctx.moveTo(px - r, py + r);
      ctx.lineTo(px + r, py - r);
      ctx.stroke();
    }
  }
  ctx.restore();
}

/** Labels along the top of the plot, pushed to a second or third row rather than overlapping. */
function drawAnnotationLabels(
  chart: Chart<'line'>,
  bands: readonly BandSpec[],
  markers: readonly MarkerSpec[],
  family: string,
  sizePx: number,
  background: string,
): void {
  const x = chart.scales['x'];
  if (x === undefined || (bands.length === 0 && markers.length === 0)) return;
  const { ctx, chartArea } = chart;
  ctx.save();
  ctx.font = `${sizePx}px "${family}"`;
  const padX = 4;
  const gap = 6;
  const wanted: { text: string; color: string; left: number; width: number }[] = [];
  for (const band of bands) {
    if (band.label === '') continue;
    const left = x.getPixelForValue(band.startMs);
    const right = x.getPixelForValue(band.endMs);
    const width = ctx.measureText(band.label).width + 2 * padX;
    // Centred in a wide band; at its start when the band is narrower than the label.
    const at = right - left > width ? (left + right - width) / 2 : left;
    wanted.push({ text: band.label, color: band.labelColor, left: at, width });
  }
  for (const marker of markers) {
    const px = x.getPixelForValue(marker.atMs);
    const width = ctx.measureText(marker.label).width + 2 * padX;
    // Right of the line, or left of it when that would run off the plot.
    const left = px + 3 + width <= chartArea.right ? px + 3 : px - 3 - width;
    wanted.push({ text: marker.label, color: marker.color, left, width });
  }
  wanted.sort((a, b) => a.left - b.left);
  const rowEnds: number[] = [];
  const placed: PlacedLabel[] = [];
  for (const label of wanted) {
    const left = Math.max(chartArea.left + 2, Math.min(label.left, chartArea.right - label.width - 2));
    let row = rowEnds.findIndex((end) => end + gap <= left);
    if (row < 0) {
      row = rowEnds.length;
      rowEnds.push(0);
    }
    rowEnds[row] = left + label.width;
    placed.push({ ...label, left, row });
  }
  const rowHeight = sizePx + 6;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  for (const label of placed) {
    const top = chartArea.top + 3 + label.row * (rowHeight + 2);
    ctx.globalAlpha = 0.85;
    ctx.fillStyle = background;
    ctx.fillRect(label.left, top, label.width, rowHeight);
    ctx.globalAlpha = 1;
    ctx.fillStyle = label.color;
    ctx.fillText(label.text, label.left + padX, top + rowHeight / 2);
  }
  ctx.restore();
}

/** The digest on a plain 2D context: panels back to front, then their text. */
function drawDigest(ctx: CanvasRenderingContext2D, spec: DigestChartSpec): void {
  // Transparent PNGs show badly in Slack's dark mode.
  ctx.fillStyle = spec.background;
  ctx.fillRect(0, 0, spec.width, spec.height);
  ctx.textBaseline = 'middle';
  drawText(ctx, spec.fontFamily, spec.title);
  if (spec.subtitle !== null) drawText(ctx, spec.fontFamily, spec.subtitle);
  for (const panel of spec.panels) drawDigestPanel(ctx, spec.fontFamily, panel);
  if (spec.footer !== null) drawText(ctx, spec.fontFamily, spec.footer);
  if (spec.empty !== null) {
    const { frame, text } = spec.empty;
    roundedRect(ctx, frame.x + 0.5, frame.y + 0.5, frame.width - 1, frame.height - 1, 6);
    ctx.fillStyle = '#f1f3f5';
    ctx.fill();
    ctx.strokeStyle = '#dee2e6';
    ctx.lineWidth = 1;
    ctx.stroke();
    drawText(ctx, spec.fontFamily, text);
  }
}

function drawDigestPanel(ctx: CanvasRenderingContext2D, family: string, panel: DigestPanelSpec): void {
  const { frame, plot, scale } = panel;
  ctx.save();
  // Half-pixel offsets put 1 px borders on pixel centres: crisp, not a 2 px grey smear.
  roundedRect(ctx, frame.x + 0.5, frame.y + 0.5, frame.width - 1, frame.height - 1, 6);
  ctx.fillStyle = panel.background;
  ctx.fill();
  if (panel.accent !== null) {
    ctx.save();
    ctx.clip();
    ctx.fillStyle = panel.accent;
    ctx.fillRect(frame.x, frame.y, 4, frame.height);
    ctx.restore();
  }
  ctx.strokeStyle = panel.border;
  ctx.lineWidth = 1;
  ctx.stroke();

  const line = panel.sparkline;
  if (line !== null) {
    const bottom = yToPixel(plot, scale, scale.yMin);
    const px = (x: number) => xToPixel(plot, scale, x);
    const py = (y: number) => yToPixel(plot, scale, y);
    // A hairline at zero anchors the fill: every panel's scale starts there.
    ctx.strokeStyle = '#e9ecef';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(plot.x, Math.round(bottom) + 0.5);
    ctx.lineTo(plot.x + plot.width, Math.round(bottom) + 0.5);
    ctx.stroke();

    // Runs of samples between gaps: each is filled down to zero and stroked on its own.
    const runs: { x: number; y: number }[][] = [];
    let run: { x: number; y: number }[] = [];
    for (const p of line.points) {
      if (p.y === null) {
        if (run.length > 0) runs.push(run);
        run = [];
      } else {
        run.push({ x: px(p.x), y: py(p.y) });
      }
    }
    if (run.length > 0) runs.push(run);

    ctx.fillStyle = line.fill;
    for (const r of runs) {
      const first = r[0];
      const last = r[r.length - 1];
      if (first === undefined || last === undefined || r.length < 2) continue;
      ctx.beginPath();
      ctx.moveTo(first.x, bottom);
      for (const p of r) ctx.lineTo(p.x, p.y);
      ctx.lineTo(last.x, bottom);
      ctx.closePath();
      ctx.fill();
    }

    // The level 24 h ago, then the limit: both dashed lines across the whole panel.
    for (const line of [panel.reference, panel.limitLine]) {
      if (line === null) continue;
      const y = Math.round(py(line.bytes)) + 0.5;
      ctx.strokeStyle = line.color;
      ctx.lineWidth = line.width;
      ctx.setLineDash([...line.dash]);
      ctx.beginPath();
      ctx.moveTo(plot.x, y);
      ctx.lineTo(plot.x + plot.width, y);
      ctx.stroke();
      ctx.setLineDash([]);
    }

    ctx.strokeStyle = line.color;
    ctx.fillStyle = line.color;
    ctx.lineWidth = line.width;
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    for (const r of runs) {
      const first = r[0];
      if (first === undefined) continue;
      if (r.length === 1) {
        // A lone sample between gaps would be an invisible zero-length line.
        ctx.beginPath();
        ctx.arc(first.x, first.y, line.width, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(first.x, first.y);
      for (let i = 1; i < r.length; i++) {
        const p = r[i];
        if (p !== undefined) ctx.lineTo(p.x, p.y);
      }
      ctx.stroke();
    }
    if (line.last !== null) {
      ctx.beginPath();
      ctx.arc(px(line.last.x), py(line.last.y), line.width * 1.6, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  ctx.restore();

  // The growth label wins the header's room; the name is cut short of it.
  let nameRoom = panel.name.maxWidth;
  if (panel.growth !== null) {
    const used = drawText(ctx, family, panel.growth);
    nameRoom = Math.min(nameRoom, panel.growth.x - used - panel.name.px * 0.8 - panel.name.x);
  }
  drawText(ctx, family, { ...panel.name, maxWidth: nameRoom });
  if (panel.value !== null) drawText(ctx, family, panel.value);
  let noteRoom = panel.note?.maxWidth ?? 0;
  if (panel.limitText !== null) {
    const used = drawText(ctx, family, panel.limitText);
    if (panel.note !== null) noteRoom = Math.min(noteRoom, panel.limitText.x - used - panel.note.px - panel.note.x);
  }
  if (panel.note !== null) drawText(ctx, family, panel.note.align === 'left' ? { ...panel.note, maxWidth: noteRoom } : panel.note);
}

/** Draws one line of text, cut with "…" to its maxWidth; returns the width drawn in px. */
function drawText(ctx: CanvasRenderingContext2D, family: string, text: DigestText): number {
  ctx.font = `${text.bold ? 'bold ' : ''}${text.px}px "${family}"`;
  ctx.fillStyle = text.color;
  ctx.textAlign = text.align;
  ctx.textBaseline = 'middle';
  const shown = fitText(ctx, text.text, text.maxWidth);
  if (shown === '') return 0;
  ctx.fillText(shown, text.x, text.y);
  return ctx.measureText(shown).width;
}

function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (maxWidth <= 0) return '';
  if (ctx.measureText(text).width <= maxWidth) return text;
  // Binary search on the kept prefix: long names cost a handful of measurements, not one per character.
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${text.slice(0, mid).trimEnd()}…`).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '' : `${text.slice(0, lo).trimEnd()}…`;
}

function roundedRect(ctx: CanvasRenderingContext2D, x: number, y: number, width: number, height: number, radius: number): void {
  const r = Math.min(radius, width / 2, height / 2);
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.lineTo(x + width - r, y);
  ctx.arcTo(x + width, y, x + width, y + r, r);
  ctx.lineTo(x + width, y + height - r);
  ctx.arcTo(x + width, y + height, x + width - r, y + height, r);
  ctx.lineTo(x + r, y + height);
  ctx.arcTo(x, y + height, x, y + height - r, r);
  ctx.lineTo(x, y + r);
  ctx.arcTo(x, y, x + r, y, r);
  ctx.closePath();
}
