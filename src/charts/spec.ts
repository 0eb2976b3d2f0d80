/**
 * The memory chart as plain data: what to draw, in which colour, with which
 * labels. Pure (no canvas, no Chart.js) so it can be tested without rendering;
 * src/charts/renderer.ts turns it into pixels.
 */

import type { Diagnosis, WorkerFigures } from '../domain/diagnosis';
import { formatBytes, formatDuration, formatPercent, formatRate } from '../domain/format';
import { patternTitle } from '../domain/pattern-names';
import type { Fleet } from '../domain/fleet';
import { MIB, gridEndMs, gridTimeMs, type Grid, type GridSeries, type ServiceSeries } from '../domain/series';
import { downsampleMean, downsampleMinMax, downsampleRange, type ChartPoint, type RangePoint } from './downsample';
import { CHART_FONT_FAMILY, LIMIT_COLOR } from './palette';
import { buildTimeTicks, formatTimeRange } from './time-axis';
import {
  BYTES_PER_UNIT,
  formatInUnit,
  formatRequestRate,
  memoryUnitFor,
  niceScale,
  niceStepAtLeast,
  type MemoryUnit,
} from './units';

export type { ChartPoint, RangePoint } from './downsample';

export const DEFAULT_CHART_WIDTH = 1000;
export const DEFAULT_CHART_HEIGHT = 500;
/** More lines than this turn into a solid smear and slow the render; the rest are represented by a sample. */
export const MAX_DRAWN_WORKERS = 64;
/**
 * Background (not growing) workers drawn as a line each up to this many. More grey
 * lines only tangle into a smear that hides the growing ones; past it, they become
 * one band from the lowest to the highest worker with their median drawn through it.
 */
export const MAX_BACKGROUND_LINES = 12;
/** Per highlighted line; a min and a max for every ~3 px of a 1000 px chart. */
export const MAX_POINTS_PER_LINE = 600;
/**
 * Per background line, and per band and median. Drawing time grows with points
 * (48 grey lines at 600 points took ~100 of ~145 ms per chart); grey needs less
 * detail than a named line.
 */
export const MAX_POINTS_PER_BACKGROUND_LINE = 300;
/** Growing workers named in the legend; more would make the legend longer than the chart. */
export const MAX_NAMED_WORKERS = 6;
/** When more than MAX_NAMED_WORKERS grow, this many are named and the rest share one legend entry. */
export const NAMED_IN_A_CROWD = 3;

export interface MemoryChartOptions {
  /** IANA zone for the time axis, e.g. "Europe/Berlin". */
  readonly timeZone: string;
  readonly width?: number;
  readonly height?: number;
}

export interface AxisTick {
  readonly value: number;
  readonly label: string;
}

export interface TimeAxisSpec {
  /** Epoch milliseconds. */
  readonly min: number;
  readonly max: number;
  readonly stepMs: number;
  /** Round local times in the requested zone. */
  readonly ticks: readonly AxisTick[];
}

export interface ValueAxisSpec {
  readonly title: string;
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly AxisTick[];
}

export interface MemoryAxisSpec extends ValueAxisSpec {
  /** Memory values on this axis (line points, limit steps, band) are in this unit. */
  readonly unit: MemoryUnit;
  readonly bytesPerUnit: number;
}

/**
 * highlight: a named growing worker; growing: growing but not named; other: the grey background;
 * median: the middle of the background band (when the background is a band, not lines).
 */
export type LineRole = 'highlight' | 'growing' | 'other' | 'median' | 'traffic';

export interface LineSpec {
  readonly id: string;
  readonly role: LineRole;
  readonly label: string;
  readonly axis: 'memory' | 'traffic';
  readonly color: string;
  readonly width: number;
  /** Canvas dash pattern in px; empty for a solid line. */
  readonly dash: readonly number[];
  /** Fill between the line and the axis' zero, or null for no fill. */
  readonly fill: string | null;
  readonly points: readonly ChartPoint[];
}

/**
 * The background workers as one filled band from the lowest to the highest value at each
 * time. Painted under every memory line; its median is a LineSpec with role 'median'.
 */
export interface RangeSpec {
  readonly id: string;
  readonly label: string;
  readonly axis: 'memory';
  /** How many workers the band stands for. */
  readonly workers: number;
  readonly fill: string;
  /** The band's lower and upper edges. */
  readonly edgeColor: string;
  readonly edgeWidth: number;
  /** In the memory axis' unit. */
  readonly points: readonly RangePoint[];
}

/** range: a filled box with the median's line through it (the renderer draws the line); cross: the kill mark. */
export interface LegendEntry {
  readonly label: string;
  readonly kind: 'line' | 'area' | 'range' | 'cross';
  readonly color: string;
  readonly fill: string | null;
  readonly width: number;
  readonly dash: readonly number[];
}

export interface LimitStep {
  readonly startMs: number;
  readonly endMs: number;
  readonly workers: number;
  readonly bytes: number;
  /** bytes in the memory axis' unit. */
  readonly value: number;
}

export interface LimitLineSpec {
  /** The budget for all workers together, in bytes. */
  readonly totalBytes: number;
  readonly label: string;
  readonly color: string;
  readonly width: number;
  readonly dash: readonly number[];
  /** The per-worker share, one step per stretch with the same live worker count. */
  readonly steps: readonly LimitStep[];
}

export interface MarkerSpec {
  readonly atMs: number;
  readonly label: string;
  readonly color: string;
}

/** A worker probably killed for memory: an ✕ where its line ended (its last sample). */
export interface KillMarkSpec {
  readonly atMs: number;
  /** Its size then, in the memory axis' unit. */
  readonly value: number;
  readonly color: string;
  /** Half the width of the ✕, px. */
  readonly radius: number;
  readonly width: number;
}

export interface BandSpec {
  readonly startMs: number;
  readonly endMs: number;
  readonly label: string;
  readonly fill: string;
  readonly labelColor: string;
}

export interface ChartFonts {
  readonly family: string;
  readonly titlePx: number;
  readonly subtitlePx: number;
  readonly legendPx: number;
  readonly tickPx: number;
  readonly axisTitlePx: number;
  readonly annotationPx: number;
}

export interface MemoryChartSpec {
  readonly width: number;
  readonly height: number;
  readonly background: string;
  readonly textColor: string;
  readonly gridColor: string;
  readonly fonts: ChartFonts;
  readonly timeZone: string;
  readonly title: string;
  readonly subtitle: string;
  readonly x: TimeAxisSpec;
  readonly memoryAxis: MemoryAxisSpec;
  readonly trafficAxis: ValueAxisSpec | null;
  /** Paint order: the first line is drawn at the bottom, the last on top. */
  readonly lines: readonly LineSpec[];
  /** The background workers as a band, painted above traffic and below every memory line; null when they are lines. */
  readonly range: RangeSpec | null;
  /** Exactly what the legend shows, in order. */
  readonly legend: readonly LegendEntry[];
  readonly limit: LimitLineSpec | null;
  readonly markers: readonly MarkerSpec[];
  /** Workers probably killed for memory, drawn above every line. */
  readonly kills: readonly KillMarkSpec[];
  readonly bands: readonly BandSpec[];
}

/** Colour-blind-safe, distinct from each other, from the grey background and from the red limit. */
const HIGHLIGHT_COLORS = ['#e8590c', '#1864ab', '#9c36b5', '#2b8a3e', '#0b7285', '#7f5539'] as const;
const GROWING_COLOR = '#f0a868';
const OTHER_COLOR = '#c8c8c8';
/** When nothing grows there is nothing to recede behind: the workers are the story. */
const ALL_WORKERS_COLOR = '#7b8794';
/** Background band behind growing workers: light enough that the coloured lines stay in front. */
const OTHER_RANGE_FILL = 'rgba(173, 181, 189, 0.32)';
const OTHER_RANGE_EDGE = 'rgba(134, 142, 150, 0.45)';
const OTHER_MEDIAN_COLOR = '#98a0a8';
/** With nothing growing, the band and its median are the story: a stronger grey. */
const ALL_RANGE_FILL = 'rgba(123, 135, 148, 0.28)';
const ALL_RANGE_EDGE = 'rgba(92, 103, 115, 0.55)';
const ALL_MEDIAN_COLOR = '#5c6773';
const TRAFFIC_LINE = 'rgba(51, 133, 214, 0.55)';
const TRAFFIC_FILL = 'rgba(51, 133, 214, 0.10)';
const MARKER_COLOR = '#495057';
/** Near-black: apart from every worker colour, the grey band and the red limit it often sits on. */
const KILL_COLOR = '#212529';
const JOB_FILL = 'rgba(245, 159, 0, 0.14)';
const JOB_LABEL = '#a65300';
const IDLE_FILL = 'rgba(134, 142, 150, 0.13)';
/** Missing data: warmer than idle, so the two never read alike. */
const GAP_FILL = 'rgba(250, 176, 5, 0.16)';

interface WorkerRow {
  readonly index: number;
  readonly series: GridSeries;
  readonly name: string;
  readonly growing: boolean;
  readonly growthMiBPerHour: number;
  readonly minBytes: number;
  readonly maxBytes: number;
}

/** Singular and plural of what a group of worker series is called in the legend. */
interface Noun {
  readonly one: string;
  readonly many: string;
}

const WORKERS: Noun = { one: 'worker', many: 'workers' };
/**
 * After a deploy or restarts, the window holds more pids than ever ran at once:
 * "126 other workers" next to the subtitle's "64 workers" would read as a contradiction.
 */
const WORKER_PROCESSES: Noun = { one: 'worker process', many: 'worker processes' };
/** With one series per pod (cAdvisor), each line is a pod, whatever runs inside it. */
const PODS: Noun = { one: 'pod', many: 'pods' };

function countOf(n: number, noun: Noun): string {
  return `${n} ${n === 1 ? noun.one : noun.many}`;
}

/**
 * A chart of per-worker memory with what the diagnosis found marked on it. It draws the fleet the
 * diagnosis was read from (processes with holes left as holes, echoes and wrong samples removed)
 * and takes every derived figure (live workers, count changes, gaps) from the domain: the chart
 * never works a number out a second time.
 */
export function buildMemoryChartSpec(
  series: ServiceSeries,
  diagnosis: Diagnosis,
  fleet: Fleet,
  options: MemoryChartOptions,
): MemoryChartSpec {
  const width = options.width ?? DEFAULT_CHART_WIDTH;
  const height = options.height ?? DEFAULT_CHART_HEIGHT;
  const fonts = fontsFor(width);
  const grid = series.grid;
  const xMin = grid.startMs;
  const xMax = grid.length > 1 ? gridEndMs(grid) : grid.startMs + Math.max(grid.stepMs, 60_000);

  const unit = diagnosis.granularity === 'pod' ? PODS : WORKERS;
  const markers: MarkerSpec[] = diagnosis.workerCountChanges
    .map((c) => ({ atMs: Date.parse(c.at), label: `${c.from}→${c.to} ${unit.many}`, color: MARKER_COLOR }))
    .filter((m) => Number.isFinite(m.atMs) && m.atMs >= xMin && m.atMs <= xMax);
  const bands: BandSpec[] = diagnosis.idlePeriods
    .map((p) => ({
      startMs: Math.max(xMin, Date.parse(p.start)),
      endMs: Math.min(xMax, Date.parse(p.end)),
      label: 'idle',
      fill: IDLE_FILL,
      labelColor: MARKER_COLOR,
    }))
    .filter((b) => Number.isFinite(b.startMs) && Number.isFinite(b.endMs) && b.endMs > b.startMs);
  bands.push(...jobBands(series, diagnosis));
  bands.push(...gapBands(diagnosis, xMin, xMax));

  const focus = new Set(diagnosis.focusWorkers);
  // A focus index without figures (a diagnosis of other data) highlights nothing.
  const rows = fleet.workers.map((p, index) => workerRow(p, index, diagnosis.workers[index], focus.has(index) && diagnosis.workers[index] !== undefined));
  const growing = rows.filter((r) => r.growing).sort((a, b) => b.growthMiBPerHour - a.growthMiBPerHour);
  // With a crowd of growing workers, the three fastest are the ones worth a name.
  const named = growing.length <= MAX_NAMED_WORKERS ? growing : growing.slice(0, NAMED_IN_A_CROWD);
  const growingRest = growing.slice(named.length);
  const others = rows.filter((r) => !r.growing);
  // A few grey lines can be told apart; many only smear: past MAX_BACKGROUND_LINES they become one band.
  const othersAsRange = others.length > MAX_BACKGROUND_LINES;
  const othersDrawn: readonly WorkerRow[] = othersAsRange ? [] : others;
  const backgroundLines = othersAsRange ? 1 : othersDrawn.length; // the band's median is one line
  const growingDrawn = representative(growingRest, Math.max(0, MAX_DRAWN_WORKERS - named.length - backgroundLines));
  // Every background worker is on the chart, as a line or inside the band: the axis covers them all.
  const axisRows = [...named, ...growingDrawn, ...others];

  // Layout guesses: axis labels and the legend take this much room around the plot.
  const hasTraffic = series.traffic !== null;
  const legendRows = 1 + (named.length > 2 ? 1 : 0) + (named.length > 4 ? 1 : 0);
  const plotWidth = width - fonts.tickPx * 7 - (hasTraffic ? fonts.tickPx * 5 : 16) - 24;
  const plotHeight =
    height - fonts.titlePx * 1.6 - fonts.subtitlePx * 1.6 - legendRows * fonts.legendPx * 1.7 - fonts.tickPx * 2.4 - 24;
  const maxIntervals = Math.max(3, Math.min(8, Math.floor(plotHeight / 48)));

  const liveCounts = fleet.live;
  const limitBytes = diagnosis.limit?.bytes ?? null;
  const rawSteps = limitBytes !== null && limitBytes > 0 ? perWorkerLimitSteps(grid, liveCounts, limitBytes) : [];
  const otherNoun = unit === PODS ? PODS : pidsReplaced(fleet.workers.length, liveCounts) ? WORKER_PROCESSES : WORKERS;

  // Marker and band labels sit along the top of the plot: leave them room above the lines.
  const topHeadroom = markers.length + bands.length > 0 ? 0.14 : 0.05;
  const memoryAxis = memoryAxisFor(axisRows, rawSteps, maxIntervals, topHeadroom, unit);
  const unitBytes = memoryAxis.bytesPerUnit;

  const lines: LineSpec[] = [];
  let trafficAxis: ValueAxisSpec | null = null;
  if (series.traffic !== null) {
    // A rate summed over targets reads low while a target is not scraped: those points are left out.
    const traffic = { values: trustedOnly(series.traffic.values, fleet.ratesTrusted) };
    trafficAxis = trafficAxisFor(traffic.values, memoryAxis.ticks.length - 1);
    lines.push({
      id: 'traffic',
      role: 'traffic',
      label: 'traffic (req/s)',
      axis: 'traffic',
      color: TRAFFIC_LINE,
      width: 1.5,
      dash: [],
      fill: TRAFFIC_FILL,
      points: downsampleMean(grid, traffic.values, MAX_POINTS_PER_LINE / 2),
    });
  }
  const lineWidth = (base: number) => Math.round(base * Math.max(1, width / DEFAULT_CHART_WIDTH) * 10) / 10;
  const anyGrowing = growing.length > 0;
  const otherColor = anyGrowing ? OTHER_COLOR : ALL_WORKERS_COLOR;
  let range: RangeSpec | null = null;
  let median: LineSpec | null = null;
  if (othersAsRange) {
    const spread = workerSpread(grid, others.map((r) => r.series));
    const label = `${groupLabel(others.length, others.length, anyGrowing ? 'other' : '', otherNoun)} (range and median)`;
    range = {
      id: 'others-range',
      label,
      axis: 'memory',
      workers: others.length,
      fill: anyGrowing ? OTHER_RANGE_FILL : ALL_RANGE_FILL,
      edgeColor: anyGrowing ? OTHER_RANGE_EDGE : ALL_RANGE_EDGE,
      edgeWidth: lineWidth(0.6),
      points: downsampleRange(grid, spread.min, spread.max, MAX_POINTS_PER_BACKGROUND_LINE, unitBytes),
    };
    median = {
      id: 'others-median',
      role: 'median',
      label: `median of ${others.length} ${anyGrowing ? 'other ' : ''}${others.length === 1 ? unit.one : unit.many}`,
      axis: 'memory',
      color: anyGrowing ? OTHER_MEDIAN_COLOR : ALL_MEDIAN_COLOR,
      width: lineWidth(anyGrowing ? 1.4 : 2),
      dash: [],
      fill: null,
      // Bucket means over the band's buckets (same x): a mean of medians lies between the
      // bucket's lowest and highest value, so the median never leaves the band.
      points: downsampleMean(grid, spread.median, MAX_POINTS_PER_BACKGROUND_LINE, unitBytes),
    };
    lines.push(median);
  }
  for (const row of othersDrawn) {
    lines.push(memoryLine(row, 'other', otherColor, lineWidth(anyGrowing ? 1.2 : 1.5), grid, unitBytes));
  }
  for (const row of growingDrawn) {
    lines.push(memoryLine(row, 'growing', GROWING_COLOR, lineWidth(1.6), grid, unitBytes));
  }
  // Reversed so the fastest-growing worker is painted last, on top.
  named
    .map((row, i) => memoryLine(row, 'highlight', HIGHLIGHT_COLORS[i] ?? HIGHLIGHT_COLORS[0], lineWidth(3), grid, unitBytes))
    .reverse()
    .forEach((line) => lines.push(line));

  const legend: LegendEntry[] = named.map((row, i) => ({
    label: highlightLabel(row),
    kind: 'line',
    color: HIGHLIGHT_COLORS[i] ?? HIGHLIGHT_COLORS[0],
    fill: null,
    width: lineWidth(3),
    dash: [],
  }));
  if (growingRest.length > 0) {
    legend.push({
      label: groupLabel(growingRest.length, growingDrawn.length, 'more growing'),
      kind: 'line',
      color: GROWING_COLOR,
      fill: null,
      width: lineWidth(2),
      dash: [],
    });
  }
  if (range !== null && median !== null) {
    legend.push({ label: range.label, kind: 'range', color: median.color, fill: range.fill, width: median.width, dash: [] });
  } else if (others.length > 0) {
    legend.push({
      label: groupLabel(others.length, othersDrawn.length, anyGrowing ? 'other' : '', otherNoun),
      kind: 'line',
      color: otherColor,
      fill: null,
      width: lineWidth(2),
      dash: [],
    });
  }

  let limit: LimitLineSpec | null = null;
  if (limitBytes !== null && rawSteps.length > 0) {
    const steps = rawSteps.map((s) => ({ ...s, value: s.bytes / unitBytes }));
    limit = {
      totalBytes: limitBytes,
      label: limitLabel(steps, memoryAxis.max, unit),
      color: LIMIT_COLOR,
      width: lineWidth(2),
      dash: [8, 5],
      steps,
    };
    legend.push({ label: limit.label, kind: 'line', color: LIMIT_COLOR, fill: null, width: limit.width, dash: limit.dash });
  }
  const kills: KillMarkSpec[] = diagnosis.kills
    .map((k) => ({ atMs: Date.parse(k.at), value: k.bytes / unitBytes, color: KILL_COLOR, radius: Math.round(fonts.legendPx * 0.45), width: lineWidth(2.2) }))
    .filter((k) => Number.isFinite(k.atMs) && Number.isFinite(k.value) && k.atMs >= xMin && k.atMs <= xMax);
  if (kills.length > 0) {
    const label =
      diagnosis.granularity === 'pod'
        ? `${kills.length === 1 ? 'a container restart' : `${kills.length} container restarts`} (probably killed for memory)`
        : `${kills.length === 1 ? 'a worker' : `${kills.length} workers`} probably killed for memory`;
    legend.push({ label, kind: 'cross', color: KILL_COLOR, fill: null, width: lineWidth(2.2), dash: [] });
  }
  if (trafficAxis !== null) {
    legend.push({ label: 'traffic (req/s)', kind: 'area', color: TRAFFIC_LINE, fill: TRAFFIC_FILL, width: 1, dash: [] });
  }

  const timeTicks = buildTimeTicks(xMin, xMax, options.timeZone, plotWidth, fonts.tickPx);

  return {
    width,
    height,
    background: '#ffffff',
    textColor: '#343a40',
    gridColor: '#e9ecef',
    fonts,
    timeZone: options.timeZone,
    title: `${series.service} — ${chartPatternTitle(diagnosis)}${unit === PODS ? ' (seen per pod)' : ''}`,
    subtitle: subtitleFor(diagnosis, options.timeZone, unit),
    x: { min: xMin, max: xMax, stepMs: timeTicks.stepMs, ticks: timeTicks.ticks },
    memoryAxis,
    trafficAxis,
    lines,
    range,
    legend,
    limit,
    markers,
    kills,
    bands,
  };
}

/** Components of a mixed pattern said what they are; "several patterns at once" tells a responder little. */
function chartPatternTitle(diagnosis: Diagnosis): string {
  if (diagnosis.pattern !== 'mixed' || diagnosis.secondary.length === 0) return patternTitle(diagnosis.pattern);
  return diagnosis.secondary.slice(0, 2).map(patternTitle).join(' + ');
}

export function fontsFor(width: number): ChartFonts {
  // Sized for a 1000 px image that Slack may show at ~800 px: 15 px becomes 12 px there.
  const scale = Math.max(0.8, Math.min(2, width / DEFAULT_CHART_WIDTH));
  const px = (base: number) => Math.round(base * scale);
  return {
    family: CHART_FONT_FAMILY,
    titlePx: px(21),
    subtitlePx: px(15),
    legendPx: px(15),
    tickPx: px(15),
    axisTitlePx: px(15),
    annotationPx: px(14),
  };
}

function workerRow(series: GridSeries, index: number, figures: WorkerFigures | undefined, growing: boolean): WorkerRow {
  let minBytes = Number.POSITIVE_INFINITY;
  let maxBytes = Number.NEGATIVE_INFINITY;
  for (const v of series.values) {
    if (Number.isNaN(v)) continue;
    if (v < minBytes) minBytes = v;
    if (v > maxBytes) maxBytes = v;
  }
  return {
    index,
    series,
    name: figures?.name ?? fallbackName(series, index),
    growing,
    growthMiBPerHour: figures !== undefined && Number.isFinite(figures.growthMiBPerHour) ? figures.growthMiBPerHour : 0,
    minBytes,
    maxBytes,
  };
}

function fallbackName(series: GridSeries, index: number): string {
  const pid = series.labels['pid'];
  const instance = series.labels['instance'];
  if (pid !== undefined) return instance !== undefined ? `pid ${pid} on ${instance}` : `pid ${pid}`;
  return `worker ${index + 1}`;
}

/**
 * Where the job type that drives memory was running, shaded, so each rise lines up with a run.
 * Only for a job-driven diagnosis; only the first band is labelled, to keep the top row clear.
 */
function jobBands(series: ServiceSeries, diagnosis: Diagnosis): BandSpec[] {
  const driven = diagnosis.pattern === 'job-driven' || diagnosis.secondary.includes('job-driven');
  const name = diagnosis.job?.name;
  if (!driven || name === undefined) return [];
  const job = series.jobs.find((j) => (j.labels['name'] ?? j.labels['task']) === name);
  if (job === undefined) return [];
  let max = 0;
  for (const v of job.values) if (v > max) max = v;
  if (!(max > 0)) return [];
  const grid = series.grid;
  const bands: BandSpec[] = [];
  let start = -1;
  let lastActive = -1;
  const close = (): void => {
    if (start < 0) return;
    bands.push({
      startMs: gridTimeMs(grid, start),
      endMs: gridTimeMs(grid, Math.min(grid.length - 1, lastActive + 1)),
      label: bands.length === 0 ? `${name} runs` : '',
      fill: JOB_FILL,
      labelColor: JOB_LABEL,
    });
    start = -1;
  };
  for (let i = 0; i < job.values.length; i++) {
    if ((job.values[i] ?? 0) < max * 0.25) continue;
    // Bridge short dips inside one run (a rate over a few minutes wobbles).
    if (start >= 0 && i - lastActive > 3) close();
    if (start < 0) start = i;
    lastActive = i;
  }
  close();
  return bands.length > 60 ? [] : bands;
}

/** Stretches without data, shaded and labelled, so a hole is read as a hole and not as workers leaving. */
function gapBands(diagnosis: Diagnosis, xMin: number, xMax: number): BandSpec[] {
  return diagnosis.coverage.gaps
    .map((g, k) => ({
      startMs: Math.max(xMin, Date.parse(g.start)),
      endMs: Math.min(xMax, Date.parse(g.end)),
      label: k === 0 ? 'no data' : '',
      fill: GAP_FILL,
      labelColor: MARKER_COLOR,
    }))
    .filter((b) => Number.isFinite(b.startMs) && Number.isFinite(b.endMs) && b.endMs > b.startMs);
}

function trustedOnly(values: Float64Array, trusted: Uint8Array): Float64Array {
  const out = new Float64Array(values);
  for (let i = 0; i < out.length; i++) if (!trusted[i]) out[i] = Number.NaN;
  return out;
}

/** The name and, when it grows, its rate worded as in the text report: "pid 4312 on web-2 (+100 MiB/h)". */
function highlightLabel(row: WorkerRow): string {
  const rate = row.growthMiBPerHour;
  if (!(rate > 0)) return row.name;
  return `${row.name} (+${formatRate(rate)})`;
}

/** "7 other workers", "1 other worker", "190 other workers (56 shown)", "126 other worker processes". */
function groupLabel(total: number, drawn: number, adjective: string, noun: Noun = WORKERS): string {
  const word = total === 1 ? noun.one : noun.many;
  const base = adjective === '' ? `${total} ${word}` : `${total} ${adjective} ${word}`;
  return drawn < total ? `${base} (${drawn} shown)` : base;
}

/**
 * Whether the window holds more worker series (pids) than were ever live at once: pids were
 * replaced (a deploy, restarts). A window without a single sample says nothing about that.
 */
function pidsReplaced(seriesCount: number, liveCounts: Int32Array): boolean {
  let peakLive = 0;
  for (const c of liveCounts) if (c > peakLive) peakLive = c;
  return peakLive > 0 && seriesCount > peakLive;
}

/** `count` rows spread evenly over the range of peaks, so the drawn sample keeps the envelope. */
function representative(rows: readonly WorkerRow[], count: number): WorkerRow[] {
  if (rows.length <= count) return [...rows];
  if (count <= 0) return [];
  const byPeak = [...rows].sort((p, q) => finiteOr(p.maxBytes, 0) - finiteOr(q.maxBytes, 0));
  if (count === 1) return [byPeak[byPeak.length - 1] as WorkerRow];
  const picked: WorkerRow[] = [];
  for (let k = 0; k < count; k++) {
    const row = byPeak[Math.round((k * (byPeak.length - 1)) / (count - 1))];
    if (row !== undefined) picked.push(row);
  }
  return picked.sort((p, q) => p.index - q.index);
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

function memoryLine(
  row: WorkerRow,
  role: 'highlight' | 'growing' | 'other',
  color: string,
  width: number,
  grid: Grid,
  unitBytes: number,
): LineSpec {
  return {
    id: `worker-${row.index}`,
    role,
    label: role === 'highlight' ? highlightLabel(row) : row.name,
    axis: 'memory',
    color,
    width,
    dash: [],
    fill: null,
    points: downsampleMinMax(
      grid,
      row.series.values,
      role === 'highlight' ? MAX_POINTS_PER_LINE : MAX_POINTS_PER_BACKGROUND_LINE,
      unitBytes,
    ),
  };
}

/** Per grid point over a group of workers, in bytes; NaN where none of them has a sample. */
export interface WorkerSpread {
  readonly min: Float64Array;
  readonly median: Float64Array;
  readonly max: Float64Array;
}

/**
 * The lowest, median and highest value of `memory` at each grid point, skipping missing
 * samples. One pass over each series in order, then one quickselect per grid point:
 * a 128-worker week (2,017 points) stays a few ms.
 */
export function workerSpread(grid: Grid, memory: readonly GridSeries[]): WorkerSpread {
  const n = grid.length;
  const m = memory.length;
  const min = new Float64Array(n).fill(Number.NaN);
  const median = new Float64Array(n).fill(Number.NaN);
  const max = new Float64Array(n).fill(Number.NaN);
  // Grid point i's samples sit at byPoint[i * m ... i * m + counts[i]): one allocation, and
  // reading each series front to back instead of hopping between series at every point.
  const byPoint = new Float64Array(n * m);
  const counts = new Int32Array(n);
  for (const s of memory) {
    const values = s.values;
    const len = Math.min(n, values.length);
    for (let i = 0; i < len; i++) {
      const v = values[i] ?? Number.NaN;
      if (Number.isNaN(v)) continue;
      const c = counts[i] ?? 0;
      byPoint[i * m + c] = v;
      counts[i] = c + 1;
      if (c === 0 || v < (min[i] ?? v)) min[i] = v;
      if (c === 0 || v > (max[i] ?? v)) max[i] = v;
    }
  }
  for (let i = 0; i < n; i++) {
    const k = counts[i] ?? 0;
    if (k > 0) median[i] = medianInPlace(byPoint, i * m, k);
  }
  return { min, median, max };
}

/**
 * The median of a[from ... from + k), reordering that slice: quickselect (Hoare partition),
 * O(k) on average where sorting every grid point's values would be O(k log k).
 * For an even k, the mean of the two middle values.
 */
function medianInPlace(a: Float64Array, from: number, k: number): number {
  const mid = from + (k >> 1);
  let left = from;
  let right = from + k - 1;
  while (left < right) {
    const pivot = a[(left + right) >> 1] ?? 0;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((a[i] ?? 0) < pivot) i++;
      while ((a[j] ?? 0) > pivot) j--;
      if (i <= j) {
        const t = a[i] ?? 0;
        a[i] = a[j] ?? 0;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (mid <= j) right = j;
    else if (mid >= i) left = i;
    else break;
  }
  const upper = a[mid] ?? Number.NaN;
  if (k % 2 === 1) return upper;
  // Everything left of mid is now at most a[mid]; the lower middle value is the largest of them.
  let lower = Number.NEGATIVE_INFINITY;
  for (let q = from; q < mid; q++) if ((a[q] ?? 0) > lower) lower = a[q] ?? 0;
  return (lower + upper) / 2;
}

/** `counts` is the fleet's live worker count per grid point. */
function perWorkerLimitSteps(grid: Grid, counts: Int32Array, limitBytes: number): Omit<LimitStep, 'value'>[] {
  const steps: Omit<LimitStep, 'value'>[] = [];
  let i = 0;
  while (i < counts.length) {
    const workers = counts[i] ?? 0;
    let j = i;
    while (j + 1 < counts.length && counts[j + 1] === workers) j++;
    if (workers > 0) {
      // A step ends where the next begins, so consecutive steps join into one stepped line.
      const next = j + 1 < counts.length && (counts[j + 1] ?? 0) > 0 ? j + 1 : j;
      steps.push({
        startMs: gridTimeMs(grid, i),
        endMs: gridTimeMs(grid, next),
        workers,
        bytes: limitBytes / workers,
      });
    }
    i = j + 1;
  }
  return steps;
}

function limitLabel(steps: readonly LimitStep[], axisMax: number, unit: Noun): string {
  const counts: number[] = [];
  for (const s of steps) if (counts[counts.length - 1] !== s.workers) counts.push(s.workers);
  const first = steps[0];
  let label: string;
  if (counts.length === 1 && first !== undefined) {
    label = `limit ÷ ${countOf(first.workers, unit)} = ${formatBytes(first.bytes)}`;
  } else if (counts.length === 2) {
    label = `limit ÷ ${counts[0]}→${counts[1]} ${unit.many}`;
  } else {
    label = `limit ÷ live ${unit.many} (${Math.min(...counts)}–${Math.max(...counts)})`;
  }
  if (steps.every((s) => s.value > axisMax)) label += ', above chart';
  return label;
}

/** Per-worker limits at most this far above the highest line are drawn; higher ones would flatten the lines. */
const LIMIT_IN_VIEW_FACTOR = 1.5;
/** A bottom this close to zero (as a fraction of the top) is shown as zero: cheaper to read, little lost. */
const ZERO_BASE_FRACTION = 0.35;

function memoryAxisFor(
  rows: readonly WorkerRow[],
  limitSteps: readonly Omit<LimitStep, 'value'>[],
  maxIntervals: number,
  topHeadroom: number,
  noun: Noun,
): MemoryAxisSpec {
  let bottom = Math.min(...rows.map((r) => r.minBytes));
  let top = Math.max(...rows.map((r) => r.maxBytes));
  if (!Number.isFinite(bottom) || !Number.isFinite(top)) {
    bottom = 0;
    top = 512 * MIB;
  }
  const dataTop = top;
  const limitValues = limitSteps.map((s) => s.bytes).sort((a, b) => b - a);
  const inView = limitValues.find((v) => v <= dataTop * LIMIT_IN_VIEW_FACTOR);
  if (inView !== undefined) top = Math.max(top, inView);

  let lo: number;
  if (bottom <= top * ZERO_BASE_FRACTION) {
    lo = 0;
  } else {
    // A floor under the visible span keeps a flat line flat instead of magnifying noise.
    const span = Math.max(top - bottom, 0.1 * top, 16 * MIB);
    lo = Math.max(0, Math.min(bottom - 0.08 * span, top - span));
  }
  const hi = top + topHeadroom * (top - lo);
  const unit = memoryUnitFor(hi);
  const perUnit = BYTES_PER_UNIT[unit];
  const scale = niceScale(lo / perUnit, hi / perUnit, maxIntervals);
  return {
    title: `memory per ${noun.one}`,
    unit,
    bytesPerUnit: perUnit,
    min: scale.min,
    max: scale.max,
    ticks: scale.values.map((v) => ({ value: v, label: formatInUnit(v, unit) })),
  };
}

/** A traffic axis from zero with as many intervals as the memory axis, so both share grid lines. */
function trafficAxisFor(values: Float64Array, intervals: number): ValueAxisSpec {
  let peak = 0;
  for (const v of values) if (v > peak) peak = v;
  const n = Math.max(1, intervals);
  const step = niceStepAtLeast((peak > 0 ? peak * 1.05 : 1) / n);
  const ticks: AxisTick[] = [];
  for (let i = 0; i <= n; i++) {
    const value = Number((i * step).toPrecision(10));
    ticks.push({ value, label: formatRequestRate(value) });
  }
  return { title: 'traffic (req/s)', min: 0, max: Number((n * step).toPrecision(10)), ticks };
}

/** When, how many workers, how much memory: worded like the text report (src/domain/format.ts). */
function subtitleFor(diagnosis: Diagnosis, timeZone: string, unit: Noun): string {
  const parts: string[] = [];
  const start = Date.parse(diagnosis.window.start);
  const end = Date.parse(diagnosis.window.end);
  if (Number.isFinite(start) && Number.isFinite(end)) {
    parts.push(`${formatTimeRange(start, end, timeZone)} (${formatDuration(diagnosis.window.durationSeconds * 1000)})`);
  }
  parts.push(countOf(diagnosis.totals.workersAtEnd, unit));
  const limit = diagnosis.limit;
  if (limit !== null) {
    parts.push(`total ${formatBytes(limit.currentTotalBytes)} of ${formatBytes(limit.bytes)} limit (${formatPercent(limit.usedFraction)})`);
  } else {
    parts.push(`total ${formatBytes(diagnosis.totals.endBytes)}, no limit known`);
  }
  return parts.join(' · ');
}
