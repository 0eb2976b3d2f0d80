/** What a responder typed after /pymem, parsed. Pure. */

import { formatWindow, parseDuration } from '../domain/format';
import { parseServiceName, printable } from '../domain/service-name';
import type { SinceChoice } from '../domain/verify';

export type BotCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'subscribe' | 'unsubscribe'; readonly service: string }
  | { readonly kind: 'list' }
  | { readonly kind: 'analyze'; readonly service: string; readonly windowMs: number | null }
  | { readonly kind: 'doctor'; readonly service: string; readonly windowMs: number | null }
  | { readonly kind: 'verify'; readonly service: string; readonly since: SinceText }
  /** The timeline of the service's latest report in the channel; without a service, of its only open incident. */
  | { readonly kind: 'timeline'; readonly service: string | null }
  | { readonly kind: 'invalid'; readonly message: string };

/**
 * The change `verify` judges, as typed: the latest deploy (the default), an instant (RFC 3339 or
 * unix seconds), a wall-clock time (the latest one past, in the bot's time zone), or a time ago.
 */
export type SinceText =
  | { readonly kind: 'deploy' }
  | { readonly kind: 'at'; readonly ms: number }
  | { readonly kind: 'clock'; readonly hour: number; readonly minute: number }
  | { readonly kind: 'ago'; readonly ms: number };

export const MIN_WINDOW_MS = 10 * 60_000;
/** Longer than any sensible command; Slack itself caps the text at a few thousand characters. */
const MAX_TEXT = 500;

export function parseCommand(text: string, maxWindowMs: number): BotCommand {
  if (text.length > MAX_TEXT) return { kind: 'invalid', message: 'That is longer than any pymem command; try `help`.' };
  const words = text.trim().split(/\s+/).filter((w) => w.length > 0);
  const [first, ...rest] = words;
  if (first === undefined || /^(help|-h|--help|\?)$/i.test(first)) return { kind: 'help' };
  const verb = first.toLowerCase();
  if (verb === 'list' && rest.length === 0) return { kind: 'list' };
  if (verb === 'subscribe' || verb === 'unsubscribe') {
    if (rest.length !== 1) return { kind: 'invalid', message: `Usage: \`${verb} &lt;service&gt;\`, one service at a time.` };
    const target = parseServiceName(rest[0]!);
    if (!target.ok) return { kind: 'invalid', message: `${target.error}.` };
    return { kind: verb, service: target.name };
  }
  if (verb === 'verify') return parseVerify(rest);
  if (verb === 'timeline') {
    if (rest.length > 1) return { kind: 'invalid', message: 'Usage: `timeline [service]`, one service at a time.' };
    if (rest.length === 0) return { kind: 'timeline', service: null };
    const target = parseServiceName(rest[0]!);
    if (!target.ok) return { kind: 'invalid', message: `${target.error}.` };
    return { kind: 'timeline', service: target.name };
  }
  if (verb === 'doctor') {
    if (rest.length === 0) return { kind: 'invalid', message: 'Usage: `doctor <service> [window]`: which metrics pymem finds for a service.' };
    return serviceAndWindow('doctor', rest[0]!, rest.slice(1), maxWindowMs);
  }
  return serviceAndWindow('analyze', first, rest, maxWindowMs);
}

/** `<service> [window]`, for an analysis or the doctor. */
function serviceAndWindow(kind: 'analyze' | 'doctor', name: string, rest: readonly string[], maxWindowMs: number): BotCommand {
  const service = parseServiceName(name);
  if (!service.ok) return { kind: 'invalid', message: `${service.error}.` };
  if (rest.length > 1) return { kind: 'invalid', message: `Expected a service and at most one window, got \`${printable(rest.join(' '))}\` after the service.` };
  if (rest.length === 0) return { kind, service: service.name, windowMs: null };
  const windowMs = parseDuration(rest[0]!);
  if (windowMs === null) return { kind: 'invalid', message: `\`${printable(rest[0]!)}\` is not a window; use 1h, 6h, 24h or 7d.` };
  if (windowMs < MIN_WINDOW_MS) return { kind: 'invalid', message: 'The shortest window is 10m.' };
  if (windowMs > maxWindowMs) return { kind: 'invalid', message: `The longest window is ${formatWindow(maxWindowMs)}.` };
  return { kind, service: service.name, windowMs };
}

const VERIFY_USAGE = 'Usage: `verify <service> [since <time>]`, with a time like `14:05`, `2026-03-02T14:05:00Z`, `2h ago` or `deploy` (the default: the latest deploy, else the report).';

/** `verify <service> [since <time>]`. */
function parseVerify(rest: readonly string[]): BotCommand {
  if (rest.length === 0) return { kind: 'invalid', message: VERIFY_USAGE };
  const service = parseServiceName(rest[0]!);
  if (!service.ok) return { kind: 'invalid', message: `${service.error}.` };
  const after = rest.slice(1);
  if (after.length === 0) return { kind: 'verify', service: service.name, since: { kind: 'deploy' } };
  if (after[0]!.toLowerCase() !== 'since' || after.length < 2) return { kind: 'invalid', message: VERIFY_USAGE };
  const since = parseSinceText(after.slice(1).join(' '));
  if (since === null) return { kind: 'invalid', message: `\`${printable(after.slice(1).join(' '))}\` is not a time. ${VERIFY_USAGE}` };
  return { kind: 'verify', service: service.name, since };
}

export function parseSinceText(text: string): SinceText | null {
  const t = text.trim().toLowerCase();
  if (t === 'deploy' || t === 'the deploy' || t === 'last deploy') return { kind: 'deploy' };
  const clock = /^(\d{1,2}):(\d{2})$/.exec(t);
  if (clock) {
    const hour = Number(clock[1]);
    const minute = Number(clock[2]);
    return hour < 24 && minute < 60 ? { kind: 'clock', hour, minute } : null;
  }
  const ago = /^(\S+)\s+ago$/.exec(t);
  if (ago) {
    const ms = parseDuration(ago[1]!);
    return ms === null || ms <= 0 ? null : { kind: 'ago', ms };
  }
  if (/^\d{9,11}$/.test(t)) return { kind: 'at', ms: Number(t) * 1000 };
  const m = /^(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(z|[+-]\d{2}:?\d{2})$/.exec(t);
  if (!m) return null;
  // Date.parse rolls 30 February over to March; a date that does not exist is refused instead.
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const exists = new Date(Date.UTC(year, month - 1, day));
  if (exists.getUTCFullYear() !== year || exists.getUTCMonth() !== month - 1 || exists.getUTCDate() !== day) return null;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] === 'z' ? 'Z' : m[7]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`);
  return Number.isFinite(ms) ? { kind: 'at', ms } : null;
}

/**
 * The change a typed `since` names, given the time now and the bot's time zone: a wall-clock time is
 * the latest one already past; `deploy` is the latest deploy the data shows, else `reportAtMs`.
 */
export function resolveSince(since: SinceText, nowMs: number, timeZone: string, reportAtMs: number): SinceChoice {
  switch (since.kind) {
    case 'deploy':
      return { kind: 'latest-deploy', fallbackMs: reportAtMs };
    case 'at':
      return { kind: 'at', ms: since.ms, origin: 'given' };
    case 'ago':
      return { kind: 'at', ms: nowMs - since.ms, origin: 'given' };
    case 'clock':
      return { kind: 'at', ms: latestClockTime(since.hour, since.minute, nowMs, timeZone), origin: 'given' };
    default: {
      const unknown: never = since;
      throw new Error(`unknown since ${JSON.stringify(unknown)}`);
    }
  }
}

/** The latest instant at or before `nowMs` whose wall-clock time in `timeZone` is hour:minute. */
export function latestClockTime(hour: number, minute: number, nowMs: number, timeZone: string): number {
  const parts = (ms: number): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const p of new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(ms)) {
      if (p.type !== 'literal') out[p.type] = Number(p.value);
    }
    return out;
  };
  const today = parts(nowMs);
  for (const daysBack of [0, 1, 2]) {
    // The wall time read as UTC, moved by the zone's offset at that moment (found by reading it back).
    const asUtc = Date.UTC(today['year']!, today['month']! - 1, today['day']! - daysBack, hour, minute);
    const seen = parts(asUtc);
    const offset = Date.UTC(seen['year']!, seen['month']! - 1, seen['day']!, seen['hour']!, seen['minute']!) - asUtc;
    const candidate = asUtc - offset;
    if (candidate <= nowMs) return candidate;
  }
  return nowMs;
}
