/**
 * PromQL templates with a `$service` (or `${service}`) placeholder.
 *
 * The value never changes the shape of the query: inside a string literal it is
 * escaped for that literal (and for RE2 when the literal is the operand of =~ or !~);
 * outside a literal it becomes a quoted string literal of its own.
 *
 * Outside string literals `$rate_interval` (or Grafana's `$__rate_interval`, so a dashboard's
 * query can be pasted as it is) becomes the range for rates: see domain/rate-interval.ts.
 */
import { DEFAULT_RATE_RANGE_MS, promDuration } from './rate-interval';

const PLACEHOLDER = /^\$(?:service\b|\{service\})/;
const RATE_PLACEHOLDER = /^\$(?:(?:__)?rate_interval\b|\{(?:__)?rate_interval\})/;

export interface TemplateValues {
  /** The range `$rate_interval` stands for, as a PromQL duration; five minutes when not given. */
  readonly rateInterval?: string;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Checks a template once, at configuration time, so rendering never fails later. */
export function checkTemplate(template: string): void {
  renderTemplate(template, 'x');
}

/** Whether the template asks for the rate range (so it is worth measuring the scrape interval). */
export function usesRateInterval(template: string): boolean {
  return renderTemplate(template, 'x', { rateInterval: '\u0000' }).includes('\u0000');
}

export function renderTemplate(template: string, service: string, values: TemplateValues = {}): string {
  const rateInterval = values.rateInterval ?? promDuration(DEFAULT_RATE_RANGE_MS / 1000);
  let out = '';
  let i = 0;
  // The quote character of the string literal we are inside, or null.
  let quote: '"' | "'" | '`' | null = null;
  let regexLiteral = false;
  // The code outside strings and comments, without spaces: tells whether a literal follows =~ or !~.
  let code = '';
  while (i < template.length) {
    const ch = template[i]!;
    const placeholder = PLACEHOLDER.exec(template.slice(i));
    if (placeholder) {
      out +=
        quote === null
          ? `"${escapeForLiteral(service, '"', /[=!]~$/.test(code))}"`
          : escapeForLiteral(service, quote, regexLiteral);
      if (quote === null) code += '""';
      i += placeholder[0].length;
      continue;
    }
    const rate = quote === null ? RATE_PLACEHOLDER.exec(template.slice(i)) : null;
    if (rate) {
      out += rateInterval;
      code += 'd';
      i += rate[0].length;
      continue;
    }
    if (quote === null) {
      if (ch === '#') {
        // A comment runs to the end of the line; copy it untouched so its quotes cannot open a string.
        const end = template.indexOf('\n', i);
        const stop = end < 0 ? template.length : end;
        out += template.slice(i, stop);
        i = stop;
        continue;
      }
      if (ch === '"' || ch === "'" || ch === '`') {
        quote = ch;
        regexLiteral = /[=!]~$/.test(code);
      }
      if (!/\s/.test(ch)) code += ch;
      out += ch;
      i += 1;
      continue;
    }
    if (ch === '\\' && quote !== '`') {
      // Keep the template's own escapes intact.
      out += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch === quote) {
      quote = null;
      code += '""';
    }
    out += ch;
    i += 1;
  }
  if (quote !== null) throw new TemplateError(`unterminated ${quote} string in query template ${JSON.stringify(template)}`);
  return out;
}

const RE2_SPECIAL = /[\\^$.|?*+()[\]{}]/g;

function escapeForLiteral(value: string, quote: '"' | "'" | '`', regex: boolean): string {
  let text = regex ? value.replace(RE2_SPECIAL, '\\$&') : value;
  if (quote === '`') {
    // Raw strings have no escapes at all; refuse rather than guess.
    if (text.includes('`')) throw new TemplateError('a value with a backtick cannot go into a raw string literal');
    return text;
  }
  text = text.replace(/\\/g, '\\\\');
  text = quote === '"' ? text.replace(/"/g, '\\"') : text.replace(/'/g, "\\'");
  return text.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}
