/**
 * The daily digest image as plain data: small multiples, one sparkline panel per
 * service, in the order the caller gives (growers first). Pure (no canvas) so the
 * layout and wording can be tested without rendering; the renderer only maps
 * bytes and times to pixels inside each panel's plot and draws.
 */

import { formatBytes, formatDuration } from '../domain/format';
import { gridEndMs, type Grid } from '../domain/series';
import { downsampleMinMax, type ChartPoint } from './downsample';
import { CHART_FONT_FAMILY, LIMIT_COLOR, SUBTITLE_COLOR, TITLE_COLOR } from './palette';
import { formatTimeRange } from './time-axis';

export type DigestStatus = 'grew' | 'steady' | 'shrank' | 'no-data' | 'error';

export interface DigestPanelInput {
  readonly service: string;
  /** Total memory of all workers, bytes, on a grid (NaN where missing); typically 24 h. */
  readonly grid: Grid;
  readonly totalBytes: Float64Array;
  readonly limitBytes: number | null;
  /** 24 h growth, e.g. 0.18 for +18%; null when unknown. */
  readonly growthFraction: number | null;
  /**
   * The current total as the digest's text states it (a level robust to the last sample's GC
   * swing); the panel's figures use it so picture and text agree. null: the last sample.
   */
  readonly currentBytes: number | null;
  readonly status: DigestStatus;
  /** e.g. "limit in ~31 h", "no data". */
  readonly note?: string;
}

export interface DigestChartOptions {
  /** IANA zone for the window in the subtitle, e.g. "Europe/Berlin". */
  readonly timeZone: string;
  /** e.g. "Memory digest — 12 services, 3 growing". */
  readonly title: string;
  /** Image width in px; DEFAULT_DIGEST_WIDTH when absent. */
  readonly width?: number;
  /** Panels drawn at most; the rest are counted in the footer. DEFAULT_MAX_PANELS when absent. */
  readonly maxPanels?: number;
}

/**
 * strong-growth: grew by STRONG_GROWTH_FRACTION or more (red); growth: grew less, or by an
 * unknown amount (orange); steady (grey); shrink (blue); muted: no line to show (no data, error).
 */
export type DigestTone = 'strong-growth' | 'growth' | 'steady' | 'shrink' | 'muted';

/** Pixels, origin top left. */
export interface DigestRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One line of text; `y` is its vertical middle. Longer text is cut with "…" to `maxWidth` px. */
export interface DigestText {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly align: 'left' | 'right' | 'center';
  readonly px: number;
  readonly bold: boolean;
  readonly color: string;
  readonly maxWidth: number;
}

/** What a panel's plot spans: times in epoch ms, memory in bytes. */
export interface DigestScale {
  readonly xMin: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;
}

export interface DigestSparkline {
  /** x in epoch ms, y in bytes; a null y is a gap (the line breaks). */
  readonly points: readonly ChartPoint[];
  readonly color: string;
  readonly width: number;
  /** Fill between the line and the plot's bottom (zero). */
  readonly fill: string;
  /** The newest sample, marked with a dot; its value is the panel's `value` text. */
  readonly last: { readonly x: number; readonly y: number } | null;
}

/** The level 24 h ago, dotted across the plot: how far the line's end rose or fell from it is the growth. */
export interface DigestReferenceLine {
  readonly bytes: number;
  readonly color: string;
  readonly width: number;
  readonly dash: readonly number[];
}

export interface DigestLimitLine {
  readonly bytes: number;
  readonly color: string;
  readonly width: number;
  /** Canvas dash pattern in px. */
  readonly dash: readonly number[];
}

export interface DigestPanelSpec {
  readonly service: string;
  readonly status: DigestStatus;
  readonly tone: DigestTone;
  readonly frame: DigestRect;
  readonly background: string;
  readonly border: string;
  /** A stripe down the panel's left edge, in the growth colour; null for panels that did not grow. */
  readonly accent: string | null;
  /** The service name, bold; the renderer cuts it short of `growth` when both do not fit. */
  readonly name: DigestText;
  /** "+18.2%  +412 MiB"; null when there is nothing to say (no data, error). */
  readonly growth: DigestText | null;
  /** Where the sparkline, the limit line and the no-data note go. */
  readonly plot: DigestRect;
  readonly scale: DigestScale;
  /** null when the panel has no samples: the note stands in its place. */
  readonly sparkline: DigestSparkline | null;
  /** The current value ("3.1 GiB") right of the line's end, in place of an axis. */
  readonly value: DigestText | null;
  /** Where the panel started the window; only on panels that grew or shrank. */
  readonly reference: DigestReferenceLine | null;
  /** Drawn when the limit lies within LIMIT_IN_VIEW_FACTOR of the panel's highest value. */
  readonly limitLine: DigestLimitLine | null;
  /** "limit 16 GiB": red under a drawn limit line, grey when the limit is off the scale. */
  readonly limitText: DigestText | null;
  /** The caller's note ("limit in ~31 h"); centred in the plot for panels without a line. */
  readonly note: DigestText | null;
}

export interface DigestChartSpec {
  readonly width: number;
  readonly height: number;
  readonly background: string;
  readonly fontFamily: string;
  readonly title: DigestText;
  /** The window in the requested zone and how to read the panels; null without panels. */
  readonly subtitle: DigestText | null;
  readonly columns: number;
  readonly rows: number;
  /** In the order given, at most maxPanels. */
  readonly panels: readonly DigestPanelSpec[];
  /** How many input panels were left out. */
  readonly omitted: number;
  /** "+6 more services"; null when nothing was left out. */
  readonly footer: DigestText | null;
  /** A grey box with "No subscribed services" when there are no panels at all. */
  readonly empty: { readonly frame: DigestRect; readonly text: DigestText } | null;
}

export const DEFAULT_DIGEST_WIDTH = 1000;
/** Eight rows of three: more makes an image Slack shrinks until the names are unreadable. */
export const DEFAULT_MAX_PANELS = 24;
/** Per sparkline: a min and a max per ~5 px of a 300 px panel; plenty for a shape, cheap to draw. */
export const MAX_SPARKLINE_POINTS = 120;
/** A limit at most this far above the panel's highest value is drawn as a line; higher, it would flatten the line. */
export const LIMIT_IN_VIEW_FACTOR = 1.3;
/** A day's growth from which the label turns red: 10% a day is a doubling in about a week. */
export const STRONG_GROWTH_FRACTION = 0.1;

const NOTE_COLOR = '#495057';
const QUIET_COLOR = '#868e96';
const PANEL_BORDER = '#dee2e6';
const MUTED_BACKGROUND = '#f1f3f5';

interface ToneColors {
  /** Sparkline stroke. */
  readonly line: string;
  /** Growth label and current value: a shade darker than the line, for text on white. */
  readonly text: string;
  readonly fill: string;
}

/** Red and orange for growth, grey for steady, blue for shrinking: told apart by colour-blind readers too (blue vs orange). */
export const DIGEST_TONE_COLORS: Readonly<Record<DigestTone, ToneColors>> = {
  'strong-growth': { line: '#e03131', text: '#c92a2a', fill: 'rgba(224, 49, 49, 0.13)' },
  growth: { line: '#f76707', text: '#d9480f', fill: 'rgba(247, 103, 7, 0.13)' },
  // Steady panels are most of a digest: a light fill keeps them from outweighing the growers.
  steady: { line: '#868e96', text: '#6c757d', fill: 'rgba(134, 142, 150, 0.07)' },
  shrink: { line: '#1c7ed6', text: '#1864ab', fill: 'rgba(28, 126, 214, 0.12)' },
  muted: { line: '#adb5bd', text: '#868e96', fill: 'rgba(173, 181, 189, 0.12)' },
};

export function toneFor(status: DigestStatus, growthFraction: number | null): DigestTone {
  switch (status) {
    case 'grew':
      return growthFraction !== null && growthFraction >= STRONG_GROWTH_FRACTION ? 'strong-growth' : 'growth';
    case 'steady':
      return 'steady';
    case 'shrank':
      return 'shrink';
    case 'no-data':
    case 'error':
      return 'muted';
    default: {
      const unknown: never = status;
      throw new Error(`unknown digest status ${String(unknown)}`);
    }
  }
}

/** Pixel sizes for a 1000 px image; scaled with the width like the memory chart's fonts. */
interface Metrics {
  readonly s: number;
  readonly margin: number;
  readonly gap: number;
  readonly titlePx: number;
  readonly subtitlePx: number;
  readonly namePx: number;
  readonly valuePx: number;
  readonly notePx: number;
  readonly headerHeight: number;
  readonly footerHeight: number;
}

function metricsFor(width: number): Metrics {
  const s = Math.max(0.8, Math.min(2, width / DEFAULT_DIGEST_WIDTH));
  const px = (base: number) => Math.round(base * s);
  return {
    s,
    margin: px(16),
    gap: px(10),
    titlePx: px(20),
    subtitlePx: px(14),
    namePx: px(14),
    valuePx: px(12),
    notePx: px(12),
    headerHeight: px(68),
    footerHeight: px(30),
  };
}

/** A digest image of one panel per service, growers first (the caller's order is kept). */
export function buildDigestChartSpec(panels: readonly DigestPanelInput[], options: DigestChartOptions): DigestChartSpec {
  const width = Math.round(options.width ?? DEFAULT_DIGEST_WIDTH);
  const maxPanels = Math.max(1, Math.floor(options.maxPanels ?? DEFAULT_MAX_PANELS));
  const m = metricsFor(width);
  const shown = panels.slice(0, maxPanels);
  const omitted = panels.length - shown.length;
  const innerWidth = width - 2 * m.margin;

  const title: DigestText = {
    text: options.title,
    x: m.margin,
    y: Math.round(m.s * 24),
    align: 'left',
    px: m.titlePx,
    bold: true,
    color: TITLE_COLOR,
    maxWidth: innerWidth,
  };

  if (shown.length === 0) {
    const boxTop = m.headerHeight - Math.round(m.s * 22);
    const frame = { x: m.margin, y: boxTop, width: innerWidth, height: Math.round(m.s * 90) };
    return {
      width,
      height: frame.y + frame.height + m.margin,
      background: '#ffffff',
      fontFamily: CHART_FONT_FAMILY,
      title,
      subtitle: null,
      columns: 0,
      rows: 0,
      panels: [],
      omitted: 0,
      footer: null,
      empty: {
        frame,
        text: {
          text: 'No subscribed services',
          x: frame.x + frame.width / 2,
          y: frame.y + frame.height / 2,
          align: 'center',
          px: m.namePx,
          bold: false,
          color: QUIET_COLOR,
          maxWidth: frame.width - 2 * m.gap,
        },
      },
    };
  }

  const maxColumns = width >= 900 ? 3 : width >= 600 ? 2 : 1;
  const columns = Math.min(maxColumns, shown.length);
  const rows = Math.ceil(shown.length / columns);
  const panelWidth = Math.floor((innerWidth - (columns - 1) * m.gap) / columns);
  // A lone column is a wide strip: a little taller, or the line is a flat smear.
  const panelHeight = Math.round((columns === 1 ? 170 : 140) * m.s);
  const specs = shown.map((input, index) => {
    const frame: DigestRect = {
      x: m.margin + (index % columns) * (panelWidth + m.gap),
      y: m.headerHeight + Math.floor(index / columns) * (panelHeight + m.gap),
      width: panelWidth,
      height: panelHeight,
    };
    return panelSpec(input, frame, m);
  });
  const gridBottom = m.headerHeight + rows * panelHeight + (rows - 1) * m.gap;

  const footer: DigestText | null =
    omitted > 0
      ? {
          text: moreServicesText(panels.slice(maxPanels)),
          x: m.margin,
          y: gridBottom + Math.round(m.footerHeight / 2) + Math.round(m.s * 2),
          align: 'left',
          px: m.subtitlePx,
          bold: false,
          color: SUBTITLE_COLOR,
          maxWidth: innerWidth,
        }
      : null;

  return {
    width,
    height: gridBottom + (footer !== null ? m.footerHeight : 0) + m.margin,
    background: '#ffffff',
    fontFamily: CHART_FONT_FAMILY,
    title,
    subtitle: {
      text: subtitleText(shown, options.timeZone),
      x: m.margin,
      y: Math.round(m.s * 48),
      align: 'left',
      px: m.subtitlePx,
      bold: false,
      color: SUBTITLE_COLOR,
      maxWidth: innerWidth,
    },
    columns,
    rows,
    panels: specs,
    omitted,
    footer,
    empty: null,
  };
}

/** "+6 more services", "+6 more services (2 growing)": growth left out must not go unsaid. */
function moreServicesText(rest: readonly DigestPanelInput[]): string {
  const n = rest.length;
  const growing = rest.filter((p) => p.status === 'grew').length;
  const base = `+${n} more ${n === 1 ? 'service' : 'services'}`;
  return growing > 0 ? `${base} (${growing} growing)` : base;
}

/** "Mon Mar 3 08:00 – Tue 08:00 CET (24 h) · total memory of all workers, each panel on its own scale from 0 · dotted: 24 h ago". */
function subtitleText(panels: readonly DigestPanelInput[], timeZone: string): string {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const p of panels) {
    if (p.grid.length === 0) continue;
    start = Math.min(start, p.grid.startMs);
    end = Math.max(end, gridEndMs(p.grid));
  }
  const parts: string[] = [];
  if (Number.isFinite(start) && Number.isFinite(end) && end > start) {
    parts.push(`${formatTimeRange(start, end, timeZone)} (${formatDuration(end - start)})`);
  }
  parts.push('total memory of all workers, each panel on its own scale from 0', 'dotted: 24 h ago');
  return parts.join(' · ');
}

interface SeriesFigures {
  readonly max: number;
  readonly lastIndex: number;
  readonly lastBytes: number;
  readonly firstBytes: number;
}

function figuresOf(values: Float64Array, length: number): SeriesFigures | null {
  let max = Number.NEGATIVE_INFINITY;
  let firstBytes = Number.NaN;
  let lastIndex = -1;
  const n = Math.min(values.length, length);
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? Number.NaN;
    if (!Number.isFinite(v)) continue;
    if (lastIndex < 0) firstBytes = v;
    lastIndex = i;
    if (v > max) max = v;
  }
  if (lastIndex < 0) return null;
  return { max, lastIndex, lastBytes: values[lastIndex] ?? Number.NaN, firstBytes };
}

/** "+18.2%", "−3.4%", "+140%". */
function signedPercent(fraction: number): string {
  const p = fraction * 100;
  const abs = Math.abs(p);
  const digits = abs < 100 ? (Math.round(abs * 10) / 10).toFixed(1) : String(Math.round(abs));
  const sign = p < 0 && digits !== '0.0' ? '−' : '+';
  return `${sign}${digits}%`;
}

function signedBytes(bytes: number): string {
  return `${bytes < 0 ? '−' : '+'}${formatBytes(Math.abs(bytes))}`;
}

/**
 * "+18.2%  +412 MiB". The bytes follow from the fraction and the current value
 * (end − end / (1 + g) = start × g), so both figures tell the same story; without a
 * fraction, the change from the first to the last sample.
 */
function growthLabel(growthFraction: number | null, figures: SeriesFigures | null): string | null {
  if (growthFraction !== null && Number.isFinite(growthFraction)) {
    const percent = signedPercent(growthFraction);
    if (figures === null || growthFraction <= -1) return percent;
    const delta = figures.lastBytes - figures.lastBytes / (1 + growthFraction);
    return `${percent}  ${signedBytes(delta)}`;
  }
  if (figures === null || figures.lastIndex === 0) return null;
  return signedBytes(figures.lastBytes - figures.firstBytes);
}

/** The level 24 h ago: from the growth fraction (as the label says it), else the first sample. */
function startLevel(growthFraction: number | null, figures: SeriesFigures): number | null {
  if (growthFraction !== null && Number.isFinite(growthFraction) && growthFraction > -1) return figures.lastBytes / (1 + growthFraction);
  return figures.lastIndex > 0 ? figures.firstBytes : null;
}

function panelSpec(input: DigestPanelInput, frame: DigestRect, m: Metrics): DigestPanelSpec {
  const s = m.s;
  const sampled = figuresOf(input.totalBytes, input.grid.length);
  // The dot sits on the last sample; the printed figures are the ones the text states.
  const figures =
    sampled !== null && input.currentBytes !== null && Number.isFinite(input.currentBytes) ? { ...sampled, lastBytes: input.currentBytes } : sampled;
  const hasLine = figures !== null && input.status !== 'no-data' && input.status !== 'error';
  const tone: DigestTone = hasLine ? toneFor(input.status, input.growthFraction) : 'muted';
  const colors = DIGEST_TONE_COLORS[tone];
  const growing = tone === 'strong-growth' || tone === 'growth';

  const pad = Math.round(10 * s);
  const left = frame.x + pad + Math.round(3 * s); // clear of the accent stripe
  const right = frame.x + frame.width - pad;
  const gutter = Math.round(m.valuePx * 6); // room for a bold "1.23 GiB" right of the line
  const headerY = frame.y + pad + Math.round(m.namePx * 0.55);
  const noteY = frame.y + frame.height - Math.round(13 * s);
  const plot: DigestRect = {
    x: left,
    y: frame.y + Math.round(34 * s),
    width: Math.max(10, right - gutter - left),
    height: Math.max(10, frame.height - Math.round(34 * s) - Math.round(26 * s)),
  };

  const text = (t: string, x: number, y: number, align: DigestText['align'], px: number, bold: boolean, color: string, maxWidth: number): DigestText => ({
    text: t,
    x,
    y,
    align,
    px,
    bold,
    color,
    maxWidth,
  });

  const name = text(input.service, left, headerY, 'left', m.namePx, true, TITLE_COLOR, right - left);
  const label = hasLine ? growthLabel(input.growthFraction, figures) : null;
  // Bold only where something changed: a column of bold grey figures would compete with the growers.
  const growth = label !== null ? text(label, right, headerY, 'right', m.namePx, tone !== 'steady', colors.text, right - left) : null;

  if (!hasLine || figures === null) {
    const fallback = input.status === 'error' ? 'query failed' : 'no data';
    const note = text(input.note ?? fallback, plot.x + (right - plot.x) / 2, plot.y + plot.height / 2, 'center', m.namePx - Math.round(s), false, NOTE_COLOR, right - left);
    const muted = input.status === 'no-data' || input.status === 'error' || figures === null;
    return {
      service: input.service,
      status: input.status,
      tone,
      frame,
      background: muted ? MUTED_BACKGROUND : '#ffffff',
      border: PANEL_BORDER,
      accent: null,
      name,
      growth,
      plot: { ...plot, width: right - plot.x },
      scale: { xMin: input.grid.startMs, xMax: gridEndMs(input.grid), yMin: 0, yMax: 1 },
      sparkline: null,
      value: null,
      reference: null,
      limitLine: null,
      limitText: null,
      note,
    };
  }

  const limit = input.limitBytes !== null && Number.isFinite(input.limitBytes) && input.limitBytes > 0 ? input.limitBytes : null;
  const limitInView = limit !== null && limit <= figures.max * LIMIT_IN_VIEW_FACTOR ? limit : null;
  // From zero, so a +18% line rises by 18% of its height, not from the bottom to the top;
  // headroom keeps the line (or the limit) off the panel's header.
  const top = Math.max(figures.max, limitInView ?? 0);
  const scale: DigestScale = {
    xMin: input.grid.startMs,
    xMax: input.grid.length > 1 ? gridEndMs(input.grid) : input.grid.startMs + Math.max(input.grid.stepMs, 60_000),
    yMin: 0,
    yMax: top > 0 ? top * 1.08 : 1,
  };
  const lineWidth = Math.round(Math.max(1.5, 1.75 * s) * 100) / 100;
  const lastX = input.grid.startMs + figures.lastIndex * input.grid.stepMs;
  const sparkline: DigestSparkline = {
    points: downsampleMinMax(input.grid, input.totalBytes, MAX_SPARKLINE_POINTS),
    color: colors.line,
    width: lineWidth,
    fill: colors.fill,
    last: { x: lastX, y: sampled?.lastBytes ?? figures.lastBytes },
  };
  const valueY = Math.min(plot.y + plot.height - m.valuePx / 2, Math.max(plot.y + m.valuePx / 2, yToPixel(plot, scale, figures.lastBytes)));
  const value = text(formatBytes(figures.lastBytes), plot.x + plot.width + Math.round(8 * s), valueY, 'left', m.valuePx, tone !== 'steady', colors.text, gutter - Math.round(8 * s));

  const limitText =
    limit !== null
      ? text(`limit ${formatBytes(limit)}`, right, noteY, 'right', m.notePx, false, limitInView !== null ? LIMIT_COLOR : QUIET_COLOR, Math.round((right - left) * 0.4))
      : null;
  // The renderer cuts the note short of the limit text it measures.
  const note = input.note !== undefined && input.note !== '' ? text(input.note, left, noteY, 'left', m.notePx, false, NOTE_COLOR, right - left) : null;
  const startBytes = startLevel(input.growthFraction, figures);
  const reference: DigestReferenceLine | null =
    (input.status === 'grew' || input.status === 'shrank') && startBytes !== null
      ? { bytes: startBytes, color: QUIET_COLOR, width: Math.max(1, Math.round(1.25 * s * 4) / 4), dash: [2, 3] }
      : null;

  return {
    service: input.service,
    status: input.status,
    tone,
    frame,
    background: '#ffffff',
    border: PANEL_BORDER,
    accent: growing ? colors.line : null,
    name,
    growth,
    plot,
    scale,
    sparkline,
    value,
    reference,
    limitLine: limitInView !== null ? { bytes: limitInView, color: LIMIT_COLOR, width: Math.max(1, Math.round(1.5 * s * 2) / 2), dash: [5, 4] } : null,
    limitText,
    note,
  };
}

/** Where a time falls across a panel's plot, in px. */
export function xToPixel(plot: DigestRect, scale: DigestScale, ms: number): number {
  const span = scale.xMax - scale.xMin;
  return plot.x + (span > 0 ? ((ms - scale.xMin) / span) * plot.width : 0);
}

/** Where a memory value falls up a panel's plot, in px (bytes at yMin sit on the plot's bottom edge). */
export function yToPixel(plot: DigestRect, scale: DigestScale, bytes: number): number {
  const span = scale.yMax - scale.yMin;
  return plot.y + plot.height - (span > 0 ? ((bytes - scale.yMin) / span) * plot.height : 0);
}
