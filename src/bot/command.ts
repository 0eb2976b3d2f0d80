/** What a responder typed after /pymem, parsed. Pure. */

import { formatWindow, parseDuration } from '../domain/format';
import { parseServiceName, printable } from '../domain/service-name';

export type BotCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'subscribe' | 'unsubscribe'; readonly service: string }
  | { readonly kind: 'list' }
  | { readonly kind: 'analyze'; readonly service: string; readonly windowMs: number | null }
  | { readonly kind: 'doctor'; readonly service: string; readonly windowMs: number | null }
  /** The timeline of the service's latest report in the channel; without a service, of its only open incident. */
  | { readonly kind: 'timeline'; readonly service: string | null }
  | { readonly kind: 'invalid'; readonly message: string };

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
