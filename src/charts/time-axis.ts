/**
 * Time ticks on round local times, formatted in an IANA time zone with Intl only
 * (no date adapter: chartjs-adapter-date-fns breaks under `require` on Node 20).
 */

import { HOUR_MS, MINUTE_MS } from '../domain/series';

export const DAY_MS = 24 * HOUR_MS;

/** Windows up to this long label ticks "14:00"; longer ones name the day. */
const SHORT_WINDOW_MS = 36 * HOUR_MS;

/** Candidate tick steps, smallest first. All divide a day or are whole days. */
const TICK_STEPS_MS: readonly number[] = [
  MINUTE_MS,
  2 * MINUTE_MS,
  5 * MINUTE_MS,
  10 * MINUTE_MS,
  15 * MINUTE_MS,
  30 * MINUTE_MS,
  HOUR_MS,
  2 * HOUR_MS,
  3 * HOUR_MS,
  6 * HOUR_MS,
  12 * HOUR_MS,
  DAY_MS,
  2 * DAY_MS,
  7 * DAY_MS,
  14 * DAY_MS,
  28 * DAY_MS,
];

/** 1970-01-05 was a Monday: weekly ticks count from there. */
const MONDAY_ANCHOR_MS = 4 * DAY_MS;

export interface TimeTick {
  readonly value: number;
  readonly label: string;
}

export interface TimeTicks {
  readonly stepMs: number;
  readonly ticks: readonly TimeTick[];
}

interface WallParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: string;
  readonly monthName: string;
  readonly zoneName: string;
}

/** Intl formatters are slow to build (tens of µs); one per zone is enough. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // Throws RangeError for a zone Intl does not know: the caller's configuration is wrong.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      // h23, not hour12:false: some ICU versions print midnight as "24:00" with hour12:false.
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function wallParts(ms: number, timeZone: string): WallParts {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(ms)) parts[part.type] = part.value;
  const monthName = parts['month'] ?? 'Jan';
  return {
    year: Number(parts['year']),
    month: MONTHS.indexOf(monthName) + 1,
    day: Number(parts['day']),
    hour: Number(parts['hour']) % 24,
    minute: Number(parts['minute']),
    second: Number(parts['second']),
    weekday: parts['weekday'] ?? '',
    monthName,
    zoneName: parts['timeZoneName'] ?? timeZone,
  };
}

/** The local wall-clock reading at `ms`, expressed as if it were a UTC instant. */
function wallMs(ms: number, timeZone: string): number {
  const p = wallParts(ms, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

function offsetMs(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallMs(whole, timeZone) - whole;
}

/** The instant at which local clocks read `wall`; inside a DST gap, the instant just after it. */
function instantOfWall(wall: number, timeZone: string): number {
  const guess = wall - offsetMs(wall, timeZone);
  return wall - offsetMs(guess, timeZone);
}

export type TickLabelStyle = 'time' | 'weekday-time' | 'date';

function labelStyleFor(windowMs: number, stepMs: number): TickLabelStyle {
  if (stepMs >= DAY_MS) return 'date';
  return windowMs <= SHORT_WINDOW_MS ? 'time' : 'weekday-time';
}

/** Typical label widths in characters, to keep labels from crowding. */
const LABEL_CHARS: Readonly<Record<TickLabelStyle, number>> = { time: 5, 'weekday-time': 9, date: 6 };

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/** "14:00", or "Mar 4" at local midnight so a day change is visible. */
export function formatTick(ms: number, timeZone: string, style: TickLabelStyle): string {
  const p = wallParts(ms, timeZone);
  const hhmm = `${pad2(p.hour)}:${pad2(p.minute)}`;
  switch (style) {
    case 'time':
      return p.hour === 0 && p.minute === 0 ? `${p.monthName} ${p.day}` : hhmm;
    case 'weekday-time':
      return `${p.weekday} ${hhmm}`;
    case 'date':
      return `${p.monthName} ${p.day}`;
    default: {
      const unknown: never = style;
      throw new Error(`unknown tick style ${String(unknown)}`);
    }
  }
}

/**
 * Ticks on round local times (every 1 h, 3 h, 1 d, ...) between startMs and endMs,
 * as many as fit `plotWidthPx` without crowding.
 */
export function buildTimeTicks(
  startMs: number,
  endMs: number,
  timeZone: string,
  plotWidthPx: number,
  fontPx: number,
): TimeTicks {
  const windowMs = Math.max(endMs - startMs, MINUTE_MS);
  let chosen = TICK_STEPS_MS[TICK_STEPS_MS.length - 1] ?? DAY_MS;
  for (const step of TICK_STEPS_MS) {
    const style = labelStyleFor(windowMs, step);
    // 0.62 em per character is DejaVu Sans' average digit width; the rest is breathing room.
    const minSpacingPx = Math.max(80, LABEL_CHARS[style] * fontPx * 0.62 + 36);
    const maxTicks = Math.max(2, Math.floor(plotWidthPx / minSpacingPx));
    if (windowMs / step <= maxTicks) {
      chosen = step;
      break;
    }
  }
  const style = labelStyleFor(windowMs, chosen);
  const anchor = chosen === 7 * DAY_MS || chosen === 14 * DAY_MS ? MONDAY_ANCHOR_MS : 0;
  const wallStart = wallMs(startMs, timeZone);
  const wallEnd = wallMs(endMs, timeZone);
  const ticks: TimeTick[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for (let wall = Math.floor((wallStart - anchor) / chosen) * chosen + anchor; wall <= wallEnd + chosen; wall += chosen) {
    const at = instantOfWall(wall, timeZone);
    // A DST gap maps two wall times onto one instant; a DST overlap can step back.
    if (at <= previous || at < startMs || at > endMs) continue;
    previous = at;
    ticks.push({ value: at, label: formatTick(at, timeZone, style) });
  }
  return { stepMs: chosen, ticks };
}

/**
 * The window as wall-clock times: "Tue Mar 4, 08:00–14:00 EST" or "Mar 4 14:00 – Mar 11 14:00 EST".
 * (src/domain/format.ts' formatWindow spells a length, "6h"; this names when.)
 */
export function formatTimeRange(startMs: number, endMs: number, timeZone: string): string {
  const a = wallParts(startMs, timeZone);
  const b = wallParts(endMs, timeZone);
  const aTime = `${pad2(a.hour)}:${pad2(a.minute)}`;
  const bTime = `${pad2(b.hour)}:${pad2(b.minute)}`;
  const sameDay = a.year === b.year && a.month === b.month && a.day === b.day;
  if (sameDay) return `${a.weekday} ${a.monthName} ${a.day}, ${aTime}–${bTime} ${b.zoneName}`;
  if (endMs - startMs <= SHORT_WINDOW_MS) {
    return `${a.weekday} ${a.monthName} ${a.day} ${aTime} – ${b.weekday} ${bTime} ${b.zoneName}`;
  }
  return `${a.monthName} ${a.day} ${aTime} – ${b.monthName} ${b.day} ${bTime} ${b.zoneName}`;
}
