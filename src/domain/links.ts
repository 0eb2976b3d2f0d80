/**
 * Links from a report back to the team's own pages: URL templates for a dashboard and a runbook,
 * filled in with the service and the report's window. Pure.
 *
 * Placeholders, each also written `${name}` (to put letters, digits or `_` right after one, as in
 * `${service}_overview`):
 * - `$service`: the service name;
 * - `$from`, `$to`: the window's start and end in RFC 3339, always in UTC (`2026-03-02T06:00:00Z`),
 *   whatever time zone messages are shown in: an instant with a `Z` needs no offset to get wrong;
 * - `$from_ms`, `$to_ms`: the same instants in unix milliseconds (what Grafana's `from`/`to` take).
 * Every value is URL-encoded (encodeURIComponent), so it is safe in a path segment and in a query
 * parameter. `$$` is a literal `$`; any other `$` is an error, so a misspelt placeholder is caught
 * at start-up instead of reaching a browser as text.
 */

import { SERVICE_NAME_MAX_LENGTH } from './service-name';

export const LINK_KINDS = ['dashboard', 'runbook'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** One value per kind: templates in the configuration, rendered URLs in a report; null when not configured. */
export type Links = { readonly [K in LinkKind]: string | null };

export const NO_LINKS: Links = { dashboard: null, runbook: null };

export const LINK_PLACEHOLDERS = ['service', 'from', 'to', 'from_ms', 'to_ms'] as const;
type Placeholder = (typeof LINK_PLACEHOLDERS)[number];

/** What a link is rendered for: the service and the window of the report or digest, in ms. */
export interface LinkContext {
  readonly service: string;
  readonly startMs: number;
  readonly endMs: number;
}

type Part = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'placeholder'; readonly name: Placeholder };

export type ParsedLinkTemplate = { readonly ok: true; readonly parts: readonly Part[] } | { readonly ok: false; readonly error: string };

const KNOWN = new Set<string>(LINK_PLACEHOLDERS);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const HINT = 'the placeholders are $service, $from, $to, $from_ms and $to_ms (or ${service}, ...); write $$ for a $ that should stay in the URL';

function isPlaceholder(name: string): name is Placeholder {
  return KNOWN.has(name);
}

/** Splits a template into text and placeholders, or says what is wrong with it. */
export function parseLinkTemplate(template: string): ParsedLinkTemplate {
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const at = template.indexOf('$', i);
    if (at < 0) {
      text += template.slice(i);
      break;
    }
    text += template.slice(i, at);
    const rest = template.slice(at + 1);
    if (rest.startsWith('$')) {
      text += '$';
      i = at + 2;
      continue;
    }
    let name: string;
    let length: number;
    if (rest.startsWith('{')) {
      const close = rest.indexOf('}');
      if (close < 0) return { ok: false, error: `${shown(template.slice(at, at + 20))} has no closing }; ${HINT}` };
      name = rest.slice(1, close);
      length = close + 2;
    } else {
      const match = NAME.exec(rest);
      if (!match) return { ok: false, error: `a $ that starts no placeholder at ${shown(template.slice(at, at + 12))}; ${HINT}` };
      name = match[0];
      length = match[0].length + 1;
    }
    if (!isPlaceholder(name)) return { ok: false, error: `unknown placeholder ${shown(template.slice(at, at + length))}; ${HINT}` };
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
    parts.push({ kind: 'placeholder', name });
    i = at + length;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { ok: true, parts };
}

/** RFC 3339 in UTC, with milliseconds only when there are some. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function valueOf(name: Placeholder, ctx: LinkContext): string {
  switch (name) {
    case 'service':
      return ctx.service;
    case 'from':
      return rfc3339(ctx.startMs);
    case 'to':
      return rfc3339(ctx.endMs);
    case 'from_ms':
      return String(Math.round(ctx.startMs));
    case 'to_ms':
      return String(Math.round(ctx.endMs));
    default: {
      const unknown: never = name;
      return String(unknown);
    }
  }
}

/** Fills in a parsed template: every value URL-encoded, the text around it as written. */
export function fillLinkTemplate(parts: readonly Part[], ctx: LinkContext): string {
  return parts.map((p) => (p.kind === 'text' ? p.text : encodeURIComponent(valueOf(p.name, ctx)))).join('');
}

export type LinkUrl =
  | { readonly ok: true; readonly url: string }
  | { readonly ok: false; readonly reason: 'invalid' | 'not-http' | 'too-long'; readonly error: string };

/**
 * A rendered template as the URL a button may carry: absolute http(s) with a host, at most
 * `maxLength` characters once normalised (a space becomes %20 and so on, as a browser would).
 */
export function checkLinkUrl(rendered: string, maxLength: number): LinkUrl {
  let url: URL;
  try {
    url = new URL(rendered);
  } catch {
    return { ok: false, reason: 'invalid', error: 'is not a valid URL' };
  }
  // URL() also accepts "https:/host" and "HTTPS:host"; ask for the two slashes a person would write.
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !/^https?:\/\//i.test(rendered) || url.hostname === '') {
    return { ok: false, reason: 'not-http', error: 'is not an absolute http(s) URL' };
  }
  if (url.href.length > maxLength) {
    return { ok: false, reason: 'too-long', error: `is ${url.href.length} characters long, over the ${maxLength} a Slack button's URL may have` };
  }
  return { ok: true, url: url.href };
}

/**
 * The links for one service and window: each template filled in and checked. A link whose URL
 * does not pass (which the start-up checks make unlikely) is left out rather than sent: Slack
 * would refuse the whole message for one bad button. Null when no link is left.
 */
export function renderLinks(templates: Links, ctx: LinkContext, maxLength: number): Links | null {
  const out: { -readonly [K in LinkKind]: string | null } = { dashboard: null, runbook: null };
  for (const kind of LINK_KINDS) {
    const template = templates[kind];
    if (template === null) continue;
    const parsed = parseLinkTemplate(template);
    if (!parsed.ok) continue;
    const checked = checkLinkUrl(fillLinkTemplate(parsed.parts, ctx), maxLength);
    if (checked.ok) out[kind] = checked.url;
  }
  return out.dashboard === null && out.runbook === null ? null : out;
}

/** The window a template is tried with at start-up; milliseconds that are not 0 make `$from` and `$to` their longest. */
const SAMPLE_WINDOW = { startMs: Date.UTC(2026, 2, 2, 6, 0, 0, 123), endMs: Date.UTC(2026, 2, 2, 12, 0, 0, 456) };
/** A typical name, one with the separators a name may have (":" is not allowed in a host name), and the longest URL-encoded name. */
const SAMPLE_SERVICE = 'checkout-api';
const SEPARATOR_SERVICE = 'shop:checkout.v2';
const LONGEST_SERVICE = `a${':'.repeat(SERVICE_NAME_MAX_LENGTH - 1)}`;

/**
 * Checks a template once, at start-up, so that rendering it later always gives a URL a button can
 * carry: placeholders known, an absolute http(s) URL, and short enough. `service` is the one
 * service a per-service template is for; a global template is tried with a typical name, a name
 * with `:` and `.`, and the longest name pymem accepts. Returns what is wrong, or null.
 */
export function checkLinkTemplate(template: string, service: string | null, maxLength: number): string | null {
  const parsed = parseLinkTemplate(template);
  if (!parsed.ok) return parsed.error;
  const samples = service !== null ? [service] : [SAMPLE_SERVICE, SEPARATOR_SERVICE, LONGEST_SERVICE];
  for (const sample of samples) {
    const rendered = fillLinkTemplate(parsed.parts, { service: sample, ...SAMPLE_WINDOW });
    const checked = checkLinkUrl(rendered, maxLength);
    if (checked.ok) continue;
    if (sample === LONGEST_SERVICE && checked.reason === 'too-long') {
      return `with the longest service name pymem accepts (${SERVICE_NAME_MAX_LENGTH} characters) the URL ${checked.error}; shorten the template`;
    }
    if (sample !== SAMPLE_SERVICE && service === null) {
      return `with a service name such as "${SEPARATOR_SERVICE}" (":" and "." are allowed in names) it gives ${shown(rendered)}, which ${checked.error}; keep $service out of the host name, or set the link per service under services.<name>.links`;
    }
    const fix =
      checked.reason === 'too-long'
        ? 'shorten the template'
        : checked.reason === 'not-http'
          ? 'start it with https:// or http:// and a host name'
          : 'check the characters around the placeholders (a name with ":" cannot go into a host name)';
    return `with the service "${sample}" it gives ${shown(rendered)}, which ${checked.error}; ${fix}`;
  }
  return null;
}

/** A template in an error message: quoted, and cut short when long. */
function shown(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}
