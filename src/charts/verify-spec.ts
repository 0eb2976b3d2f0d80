/**
 * The before/after chart of a fix verification, as a memory chart spec (the same renderer draws it):
 * every worker's memory on one axis, the period before the change in orange, the period after in
 * blue, a vertical line at the change, and each period's growth rate written on it. Pure.
 */

import { formatTime } from '../domain/format';
import type { Fleet } from '../domain/fleet';
import { gridEndMs, MIB, type Grid } from '../domain/series';
import { formatPeriodRate, verdictTitle, type PeriodSummary, type Verification } from '../domain/verify';
import { downsampleMinMax } from './downsample';
import { buildTimeTicks } from './time-axis';
import { BYTES_PER_UNIT, formatInUnit, memoryUnitFor, niceScale } from './units';
import {
  DEFAULT_CHART_HEIGHT,
  DEFAULT_CHART_WIDTH,
  MAX_POINTS_PER_BACKGROUND_LINE,
  fontsFor,
  type BandSpec,
  type LegendEntry,
  type LineSpec,
  type MarkerSpec,
  type MemoryAxisSpec,
  type MemoryChartOptions,
  type MemoryChartSpec,
} from './spec';

/** More worker lines than this only smear; the ones that grew are kept first. */
export const MAX_VERIFY_LINES = 32;

const BEFORE_GREW = '#e8590c';
const BEFORE_OTHER = '#f4b183';
const AFTER_GREW = '#1864ab';
const AFTER_OTHER = '#8fb8de';
const BEFORE_FILL = 'rgba(232, 89, 12, 0.06)';
const AFTER_FILL = 'rgba(24, 100, 171, 0.06)';
const CHANGE_COLOR = '#212529';


/** The chart spec; `fleet` is the one the verification was read from. */
export function buildVerifyChartSpec(verification: Verification, fleet: Fleet, options: MemoryChartOptions): MemoryChartSpec {
  const width = options.width ?? DEFAULT_CHART_WIDTH;
  const height = options.height ?? DEFAULT_CHART_HEIGHT;
  const fonts = fontsFor(width);
  const grid = fleet.grid;
  const xMin = grid.startMs;
  const xMax = grid.length > 1 ? gridEndMs(grid) : grid.startMs + grid.stepMs;
  const sinceMs = Date.parse(verification.since);
  const sinceIndex = Math.max(0, Math.min(grid.length, Math.ceil((sinceMs - grid.startMs) / grid.stepMs)));
  const grewBefore = new Set(verification.before.workers.filter((w) => w.grew).map((w) => w.name));
  const grewAfter = new Set(verification.after.workers.filter((w) => w.grew).map((w) => w.name));

  const ranked = fleet.workers
    .map((w, index) => ({ w, index, grew: grewBefore.has(w.name) || grewAfter.has(w.name) }))
    .sort((p, q) => Number(q.grew) - Number(p.grew) || p.index - q.index)
    .slice(0, MAX_VERIFY_LINES);

  let top = 0;
  let bottom = Infinity;
  for (const { w } of ranked) {
    for (const v of w.values) {
      if (!Number.isFinite(v)) continue;
      if (v > top) top = v;
      if (v < bottom) bottom = v;
    }
  }
  if (!(top > 0)) {
    top = 512 * MIB;
    bottom = 0;
  }
  const memoryAxis = axisFor(bottom, top, 6);
  const unitBytes = memoryAxis.bytesPerUnit;
  const lineWidth = (base: number): number => Math.round(base * Math.max(1, width / DEFAULT_CHART_WIDTH) * 10) / 10;

  const hasData = (values: Float64Array, from: number, to: number): boolean => {
    for (let i = Math.max(0, from); i <= to; i++) if (Number.isFinite(values[i]!)) return true;
    return false;
  };
  const quietBefore = ranked.filter(({ w }) => !grewBefore.has(w.name) && hasData(w.values, 0, sinceIndex - 1)).length;
  const quietAfter = ranked.filter(({ w }) => !grewAfter.has(w.name) && hasData(w.values, sinceIndex, grid.length - 1)).length;
  const lines: LineSpec[] = [];
  // Paint order: quiet workers first, the ones that grew on top.
  for (const { w, index } of [...ranked].reverse()) {
    const before = masked(w.values, 0, sinceIndex - 1);
    const after = masked(w.values, sinceIndex, grid.length - 1);
    const b = grewBefore.has(w.name);
    const a = grewAfter.has(w.name);
    lines.push(line(`before-${index}`, w.name, b ? BEFORE_GREW : BEFORE_OTHER, lineWidth(b ? 2 : 1.2), grid, before, unitBytes));
    lines.push(line(`after-${index}`, w.name, a ? AFTER_GREW : AFTER_OTHER, lineWidth(a ? 2 : 1.2), grid, after, unitBytes));
  }

  const changeLabel = verification.sinceOrigin === 'deploy' ? 'deploy' : verification.sinceOrigin === 'report' ? 'report' : 'change';
  const markers: MarkerSpec[] = Number.isFinite(sinceMs) ? [{ atMs: sinceMs, label: `${changeLabel} ${formatTime(sinceMs, options.timeZone, xMax)}`, color: CHANGE_COLOR }] : [];
  const bands: BandSpec[] = [
    { startMs: xMin, endMs: Math.min(xMax, sinceMs), label: `before: ${rateText(verification.before)}`, fill: BEFORE_FILL, labelColor: BEFORE_GREW },
    { startMs: Math.max(xMin, sinceMs), endMs: xMax, label: `after: ${rateText(verification.after)}`, fill: AFTER_FILL, labelColor: AFTER_GREW },
  ].filter((band) => band.endMs > band.startMs);

  const legendLine = (label: string, color: string, w: number): LegendEntry => ({ label, kind: 'line', color, fill: null, width: lineWidth(w), dash: [] });
  const legend: LegendEntry[] = [];
  if (grewBefore.size > 0) legend.push(legendLine(`grew before (${grewBefore.size})`, BEFORE_GREW, 2));
  if (quietBefore > 0) legend.push(legendLine(grewBefore.size > 0 ? 'other workers before' : 'workers before', BEFORE_OTHER, 1.5));
  if (grewAfter.size > 0) legend.push(legendLine(`grew after (${grewAfter.size})`, AFTER_GREW, 2));
  if (quietAfter > 0) legend.push(legendLine(grewAfter.size > 0 ? 'other workers after' : 'workers after', AFTER_OTHER, 1.5));

  const plotWidth = width - fonts.tickPx * 7 - 40;
  const timeTicks = buildTimeTicks(xMin, xMax, options.timeZone, plotWidth, fonts.tickPx);
  const shown = ranked.length < fleet.workers.length ? ` (${ranked.length} of ${fleet.workers.length} worker processes shown)` : '';
  return {
    width,
    height,
    background: '#ffffff',
    textColor: '#343a40',
    gridColor: '#e9ecef',
    fonts,
    timeZone: options.timeZone,
    title: `${verification.service} — ${verdictTitle(verification.verdict)}`,
    subtitle: `growth of all workers: ${rateText(verification.before)} before, ${rateText(verification.after)} after${shown}`,
    x: { min: xMin, max: xMax, stepMs: timeTicks.stepMs, ticks: timeTicks.ticks },
    memoryAxis,
    trafficAxis: null,
    lines,
    range: null,
    legend,
    limit: null,
    markers,
    kills: [],
    bands,
  };
}

function rateText(p: PeriodSummary): string {
  return formatPeriodRate(p, 'signed');
}

/** The values inside [from, to], NaN elsewhere: one period's part of a worker's line. */
function masked(values: Float64Array, from: number, to: number): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  for (let i = Math.max(0, from); i <= Math.min(values.length - 1, to); i++) out[i] = values[i]!;
  return out;
}

function line(id: string, label: string, color: string, width: number, grid: Grid, values: Float64Array, unitBytes: number): LineSpec {
  return {
    id,
    role: 'other',
    label,
    axis: 'memory',
    color,
    width,
    dash: [],
    fill: null,
    points: downsampleMinMax(grid, values, MAX_POINTS_PER_BACKGROUND_LINE, unitBytes),
  };
}

/** Round ticks around the workers' range, with room on top for the period labels. */
function axisFor(bottom: number, top: number, maxIntervals: number): MemoryAxisSpec {
  const span = Math.max(top - bottom, 0.1 * top, 16 * MIB);
  const lo = Math.max(0, Math.min(bottom - 0.08 * span, top - span));
  const hi = top + 0.16 * (top - lo);
  const unit = memoryUnitFor(hi);
  const perUnit = BYTES_PER_UNIT[unit];
  const scale = niceScale(lo / perUnit, hi / perUnit, maxIntervals);
  return {
    title: 'memory per worker',
    unit,
    bytesPerUnit: perUnit,
    min: scale.min,
    max: scale.max,
    ticks: scale.values.map((v) => ({ value: v, label: formatInUnit(v, unit) })),
  };
}

