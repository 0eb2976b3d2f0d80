/**
 * The range a traffic or job rate is taken over.
 *
 * A fixed `rate(...[5m])` is right for a day-long window and wrong for a short one: a burst of a
 * minute is spread over five, and a 10-minute window of a service whose counters start with it
 * has no rate at all for half its length. A range much shorter than the scrape interval is wrong
 * the other way: fewer than two samples in it and `rate()` returns nothing. So the default queries
 * say `[$rate_interval]` and pymem fills it in per request, the way Grafana fills in
 * `$__rate_interval`: at least four scrapes, at least one step plus a scrape (so no sample falls
 * between two points of the grid), and otherwise a twelfth of the window, at most five minutes.
 *
 * The classifier reads the range back from the PromQL that was sent (`rateRangeMs`), so a
 * template with its own fixed range is understood too.
 */

import { median } from './stats';

/** The range the default queries used before it followed the window; still the longest "short" range. */
export const DEFAULT_RATE_RANGE_MS = 5 * 60_000;

/** Scrape interval assumed when it cannot be measured: the slowest one in common use. */
export const ASSUMED_SCRAPE_SECONDS = 60;

/** Scrapes a rate's range must span: `rate()` needs two, four ride out a failed scrape or two. */
const SCRAPES_PER_RANGE = 4;

/** Without other constraints the range resolves changes at a twelfth of the window. */
const WINDOW_FRACTION = 12;

export interface RateIntervalInputs {
  /** Measured scrape interval of the service's targets; null when it could not be measured. */
  readonly scrapeSeconds: number | null;
  /** The step of the range query. */
  readonly stepSeconds: number;
  /** The length of the analysis window. */
  readonly windowSeconds: number;
}

/** The range for `$rate_interval`, in whole seconds. */
export function rateIntervalSeconds({ scrapeSeconds, stepSeconds, windowSeconds }: RateIntervalInputs): number {
  const scrape = scrapeSeconds !== null && Number.isFinite(scrapeSeconds) && scrapeSeconds > 0 ? scrapeSeconds : ASSUMED_SCRAPE_SECONDS;
  const resolution = Math.min(DEFAULT_RATE_RANGE_MS / 1000, windowSeconds / WINDOW_FRACTION);
  return Math.ceil(Math.max(SCRAPES_PER_RANGE * scrape, stepSeconds + scrape, resolution));
}

/** A PromQL duration for a number of seconds: `50s`, `5m`, `1m30s`. */
export function promDuration(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  const parts: string[] = [];
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0) parts.push(`${minutes}m`);
  if (rest > 0) parts.push(`${rest}s`);
  return parts.join('');
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** Parses a PromQL duration (`5m`, `1m30s`, `90s`); null when it is not one. */
export function parsePromDuration(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const unit = /(\d+)(ms|s|m|h|d|w|y)/y;
  let total = 0;
  let at = 0;
  while (at < trimmed.length) {
    unit.lastIndex = at;
    const match = unit.exec(trimmed);
    if (!match) return null;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    at = unit.lastIndex;
  }
  return total > 0 ? total : null;
}

/**
 * The positions of a query's code characters, in order: not inside a string literal, not inside a
 * comment. A literal's escapes (`\"` in a double-quoted one) never end it; raw strings (backticks)
 * have none. A comment runs to the end of its line, and its quotes open nothing.
 */
function* codePositions(promql: string, from = 0): Generator<number> {
  let quote: string | null = null;
  for (let i = from; i < promql.length; i++) {
    const ch = promql[i]!;
    if (quote !== null) {
      if (ch === '\\' && quote !== '`') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '#') {
      const end = promql.indexOf('\n', i);
      i = end < 0 ? promql.length : end - 1;
    } else yield i;
  }
}

/**
 * The range of the first range selector in a query (`[5m]` in `rate(x[5m])`), in milliseconds;
 * null when the query has none. Subqueries (`[30m:1m]`) and text inside string literals are skipped.
 */
export function rateRangeMs(promql: string): number | null {
  for (const i of codePositions(promql)) {
    if (promql[i] !== '[') continue;
    const close = promql.indexOf(']', i);
    if (close < 0) return null;
    const inside = promql.slice(i + 1, close);
    if (inside.includes(':')) continue;
    const ms = parsePromDuration(inside);
    if (ms !== null) return ms;
  }
  return null;
}

/**
 * The range the service's traffic and job rates were taken over, read from the queries sent;
 * five minutes (the long-standing default) when neither query says.
 */
export function rateRangeOf(queries: { readonly traffic: string | null; readonly jobs: string | null }): number {
  for (const q of [queries.traffic, queries.jobs]) {
    if (q === null) continue;
    const ms = rateRangeMs(q);
    if (ms !== null) return ms;
  }
  return DEFAULT_RATE_RANGE_MS;
}

/**
 * `sel` when the PromQL is one plain vector selector (`up{job="x"}`, `{__name__="up"}`), so that
 * `count_over_time(sel[10m])` counts its raw samples; null for anything else.
 */
export function plainSelector(promql: string): string | null {
  const text = promql.trim();
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text)?.[0] ?? '';
  let i = name.length;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  if (i === text.length) return name === '' || isKeyword(name) ? null : text;
  if (text[i] !== '{') return null;
  for (const at of codePositions(text, i + 1)) {
    const ch = text[at]!;
    if (ch === '{' || ch === '[' || ch === '(') return null;
    if (ch === '}') return text.slice(at + 1).trim() === '' ? text : null;
  }
  return null;
}

function isKeyword(name: string): boolean {
  return ['sum', 'max', 'min', 'avg', 'count', 'by', 'without', 'on', 'ignoring', 'and', 'or', 'unless', 'offset', 'bool'].includes(name);
}

/**
 * The scrape interval from sample counts: `counts[k]` samples of the fastest series in a range of
 * `rangeSeconds` ending at each probe point. The median of the points that saw at least two samples,
 * so the start of a series (few samples in its first range) or one slow stretch does not decide it.
 */
export function scrapeIntervalFromCounts(counts: readonly number[], rangeSeconds: number): number | null {
  const estimates = counts.filter((c) => Number.isFinite(c) && c >= 2).map((c) => rangeSeconds / c);
  if (estimates.length === 0) return null;
  return Math.max(1, Math.round(median(estimates)));
}
