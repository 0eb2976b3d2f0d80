/**
 * Shared pieces for the fuzz tests: a small seeded PRNG, generators for hostile slash-command
 * text and interaction payloads, and a PromQL tokenizer written independently of
 * src/domain/promql-template.ts, so the tests check the renderer against a second reading.
 *
 * Every fuzz test prints its seed; `FUZZ_SEED=<n>` replays a run and `FUZZ_RUNS=<n>` changes
 * how many inputs it generates.
 */

// ---------------------------------------------------------------------------
// Seeds and the PRNG
// ---------------------------------------------------------------------------

export interface FuzzSettings {
  readonly seed: number;
  readonly runs: number;
}

/** The seed and run count for one fuzz test: FUZZ_SEED / FUZZ_RUNS when set, else the defaults. */
export function fuzzSettings(defaultSeed: number, defaultRuns: number, env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const seedText = env['FUZZ_SEED']?.trim();
  const runsText = env['FUZZ_RUNS']?.trim();
  const seed = seedText ? Number.parseInt(seedText, 10) : defaultSeed;
  const runs = runsText ? Number.parseInt(runsText, 10) : defaultRuns;
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${JSON.stringify(seedText)}`);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, got ${JSON.stringify(runsText)}`);
  return { seed: seed >>> 0, runs };
}

/** sfc32, seeded through splitmix32: small, fast, and the same sequence on every platform. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** [0, 1) */
  float(): number {
    return this.u32() / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Picks by weight: `[[3, a], [1, b]]` gives a three times as often as b. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [w]) => sum + w, 0);
    let r = this.float() * total;
    for (const [w, item] of choices) {
      r -= w;
      if (r < 0) return item;
    }
    return choices[choices.length - 1]![1];
  }

  /** An independent stream, so adding draws in one place does not shift every later input. */
  fork(): Rng {
    return new Rng(this.u32());
  }
}

/** Counts by label, for the one-line summaries the fuzz tests print. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(label: string, n = 1): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + n);
  }

  get(label: string): number {
    return this.counts.get(label) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  toString(): string {
    return [...this.counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k}=${n}`)
      .join(' ');
  }
}

/** String.prototype.isWellFormed (ES2024, not in this project's lib): no lone surrogate. */
export function isWellFormed(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

// ---------------------------------------------------------------------------
// Text generators
// ---------------------------------------------------------------------------

/** Same rule as the service-name parser, restated here so the tests do not import it. */
export const SERVICE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
export const SERVICE_NAME_MAX = 128;

// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

const NAME_FIRST = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const NAME_REST = [...NAME_FIRST, ...'_.:-'];

/** Characters that are not what they look like, or that trip up naive code. */
const TRICKY_CHARS = [
  '\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\u000b', '\f', '\r', '\u001b', '\u001f', '\u007f', '\u0085', '\u009b', '\u009f',
  '\u00a0', '\u1680', '\u2000', '\u200a', '\u200b', '\u200d', '\u2028', '\u2029', '\u202e', '\u205f', '\u3000', '\ufeff', '\ufffd', '\uffff',
  '\ud800', '\udbff', '\udc00', '\udfff', '😀', '👩‍💻', '🇺🇸', '\u0301', 'é', 'ß', 'ſ', 'İ', 'ı', '\u212a', 'Ａ', 'а', 'ѕ', '٣', '𝟘',
  '"', "'", '`', '\\', '{', '}', '[', ']', '(', ')', '$', '#', '=', '~', '!', '|', '*', '+', '?', '^', '.', ',', ';', '<', '>', '&', '%', '@', '/', ':', '_', '-',
];

/** Bits of PromQL and template syntax a user might try to smuggle into a query. */
export const INJECTIONS = [
  '"} or vector(1)',
  '"} or vector(1) #',
  '"}) or on() vector(1) or sum({job="',
  '.*',
  '.+',
  '"}[5m]) / 0 + (x{a="',
  "'} or vector(1)",
  '`} or vector(1)',
  '$service',
  '${service}',
  '$services',
  '{job=~".+"}',
  '\\"',
  '\\\\"',
  '\\',
  '\\n',
  '\\u0022',
  '\\x22',
  '\\042',
  '# comment "',
  '\n} or vector(1)',
  '" or "',
  '{}',
  '=~',
  '!~',
  '<!channel>',
  '<@U0ADMIN>',
  '*bold* _it_ `code`',
  '%22%7D',
  '&quot;',
  'process_resident_memory_bytes{job="x"}',
  'count({__name__=~".+"})',
];

const WINDOWS = ['1h', '6h', '24h', '7d', '10m', '9m', '5m', '90m', '1.5h', '0.25d', '30d', '31d', '999999d', '0h', '0', '1', '600', '599', '1w', '2w', '12H', '7D', '1e3h', '-1h', '+1h', '1 h', 'h', '.5h', '1.h', '0x10h', '६h', '１h', '1ms', '600000ms', '1y', 'NaNh', 'Infinityh', `${'9'.repeat(400)}d`];

function charFromPool(rng: Rng): string {
  return rng.weighted<() => string>([
    [6, () => String.fromCharCode(rng.between(0x20, 0x7e))],
    [3, () => rng.pick(TRICKY_CHARS)],
    [1, () => String.fromCharCode(rng.between(0, 0x1f))],
    [1, () => String.fromCharCode(rng.between(0x7f, 0x9f))],
    [1, () => String.fromCharCode(rng.between(0xd800, 0xdfff))],
    [1, () => String.fromCodePoint(rng.between(0xa0, 0x2fff))],
    [1, () => String.fromCodePoint(rng.between(0x10000, 0x10ffff))],
    [2, () => rng.pick(NAME_REST)],
  ])();
}

/** Any UTF-16 string: printable ASCII mostly, with controls, lone surrogates, odd whitespace and astral characters. */
export function randomText(rng: Rng, maxLength: number): string {
  const length = rng.weighted<() => number>([
    [6, () => rng.int(Math.min(maxLength, 24) + 1)],
    [2, () => rng.int(Math.min(maxLength, 200) + 1)],
    [1, () => rng.int(maxLength + 1)],
  ])();
  let out = '';
  while (out.length < length) out += charFromPool(rng);
  return out;
}

/** A name the service-name rule accepts, usually short, sometimes at the length limit. */
export function validServiceName(rng: Rng): string {
  const length = rng.weighted<() => number>([
    [8, () => rng.between(1, 20)],
    [1, () => rng.between(100, SERVICE_NAME_MAX)],
    [1, () => SERVICE_NAME_MAX],
  ])();
  let name = rng.pick(NAME_FIRST);
  while (name.length < length) name += rng.pick(NAME_REST);
  return name;
}

/** A name that is almost valid: one character or the length is wrong. */
export function nearlyValidServiceName(rng: Rng): string {
  const name = validServiceName(rng);
  return rng.weighted<() => string>([
    [3, () => { const at = rng.int(name.length + 1); return name.slice(0, at) + rng.pick(TRICKY_CHARS) + name.slice(at); }],
    [1, () => rng.pick(['_', '.', ':', '-']) + name],
    [1, () => name + 'x'.repeat(SERVICE_NAME_MAX + 1 - name.length)],
    [1, () => name + rng.pick(INJECTIONS)],
    [1, () => rng.pick(INJECTIONS) + name],
  ])();
}

export function randomWindow(rng: Rng): string {
  return rng.chance(0.7) ? rng.pick(WINDOWS) : randomText(rng, 8);
}

const SPACES = [' ', ' ', ' ', '  ', '\t', '\n', '\u00a0', '\u3000', '\ufeff', '\u2028', ' \r\n '];

export type CommandFamily = 'analyze' | 'analyze+window' | 'subscription' | 'list' | 'help' | 'injection' | 'nearly-valid' | 'unicode' | 'long' | 'words';

/** What parseCommand must return for a generated text, when the generator knows. */
export type ExpectedCommand =
  | { readonly kind: 'analyze'; readonly service: string; readonly windowMs: null }
  | { readonly kind: 'subscribe' | 'unsubscribe'; readonly service: string }
  | { readonly kind: 'help' };

export interface GeneratedCommand {
  readonly family: CommandFamily;
  readonly text: string;
  readonly expected?: ExpectedCommand;
}

const RESERVED_WORDS = new Set(['help', 'list', 'subscribe', 'unsubscribe', 'timeline']);

/** A slash-command text, the generator that produced it (for the summary line) and, when clear, the expected parse. */
export function randomCommandText(rng: Rng): GeneratedCommand {
  const space = (): string => rng.pick(SPACES);
  const pad = (s: string): string => (rng.chance(0.2) ? space() : '') + s + (rng.chance(0.2) ? space() : '');
  const family = rng.weighted<CommandFamily>([
    [4, 'analyze'],
    [4, 'analyze+window'],
    [3, 'subscription'],
    [1, 'list'],
    [1, 'help'],
    [4, 'injection'],
    [3, 'nearly-valid'],
    [4, 'unicode'],
    [1, 'long'],
    [2, 'words'],
  ]);
  const casing = (s: string): string => rng.weighted<() => string>([[4, () => s], [1, () => s.toUpperCase()], [1, () => s[0]!.toUpperCase() + s.slice(1)]])();
  let text: string;
  let expected: ExpectedCommand | undefined;
  switch (family) {
    case 'analyze': {
      const name = validServiceName(rng);
      text = pad(name);
      if (!RESERVED_WORDS.has(name.toLowerCase())) expected = { kind: 'analyze', service: name, windowMs: null };
      break;
    }
    case 'analyze+window':
      text = pad(validServiceName(rng) + space() + randomWindow(rng) + (rng.chance(0.1) ? space() + randomWindow(rng) : ''));
      break;
    case 'subscription': {
      const verb = casing(rng.pick(['subscribe', 'unsubscribe', 'subscribe', 'unsubscribe', 'sub', 'subscribes']));
      const args = rng.weighted<() => string[]>([
        [5, () => [validServiceName(rng)]],
        [2, () => [nearlyValidServiceName(rng)]],
        [1, () => []],
        [1, () => [validServiceName(rng), validServiceName(rng)]],
        [1, () => [randomText(rng, 40)]],
      ])();
      text = pad([verb, ...args].join(space()));
      const lower = verb.toLowerCase();
      const arg = args[0];
      if ((lower === 'subscribe' || lower === 'unsubscribe') && args.length === 1 && arg !== undefined && SERVICE_NAME_RE.test(arg) && arg.length <= SERVICE_NAME_MAX) {
        expected = { kind: lower, service: arg };
      }
      break;
    }
    case 'list':
      text = pad(casing('list') + (rng.chance(0.3) ? space() + randomText(rng, 10) : ''));
      break;
    case 'help': {
      const word = rng.pick(['help', 'HELP', '-h', '--help', '?', '', ' ', '\n', 'help me', '??', '-H', 'Help 6h']);
      text = pad(word);
      if (/^(help|-h|--help|\?|\s*)$/i.test(word)) expected = { kind: 'help' };
      if (/^help /i.test(word)) expected = { kind: 'help' };
      break;
    }
    case 'injection': {
      const base = validServiceName(rng);
      const injection = rng.pick(INJECTIONS);
      text = rng.weighted<() => string>([
        [3, () => base + injection],
        [1, () => injection + base],
        [1, () => injection],
        [1, () => `${base} ${injection}`],
        [1, () => `subscribe ${base}${injection}`],
        [1, () => `${base}${injection} 6h`],
      ])();
      break;
    }
    case 'nearly-valid':
      text = pad(nearlyValidServiceName(rng) + (rng.chance(0.4) ? space() + randomWindow(rng) : ''));
      break;
    case 'unicode':
      text = randomText(rng, 120);
      break;
    case 'long': {
      const limit = 500;
      text = rng.weighted<() => string>([
        [1, () => validServiceName(rng).padEnd(limit, 'a')],
        [1, () => validServiceName(rng).padEnd(limit + 1, 'a')],
        [1, () => `${validServiceName(rng)}${' '.repeat(limit - 40)}6h`],
        [1, () => randomText(rng, 5_000)],
        [1, () => 'a'.repeat(rng.between(limit - 2, limit + 2))],
        [1, () => `x${'\u0000'.repeat(rng.between(limit - 2, limit + 2))}`],
        [1, () => '😀'.repeat(rng.between(240, 260))],
        [1, () => 'a'.repeat(SERVICE_NAME_MAX + rng.between(-1, 1))],
      ])();
      break;
    }
    case 'words': {
      const n = rng.between(2, 6);
      const words = Array.from({ length: n }, () => rng.pick([validServiceName(rng), randomWindow(rng), rng.pick(INJECTIONS), randomText(rng, 12), 'list', 'help']));
      text = words.join(space());
      break;
    }
    default: {
      const unknown: never = family;
      throw new Error(`unknown family ${String(unknown)}`);
    }
  }
  return expected === undefined ? { family, text } : { family, text, expected };
}

// ---------------------------------------------------------------------------
// A PromQL tokenizer, independent of the renderer under test
// ---------------------------------------------------------------------------

export type PromToken =
  | { readonly kind: 'string'; readonly quote: '"' | "'" | '`'; readonly raw: string; readonly value: string }
  | { readonly kind: 'code'; readonly text: string };

export class PromQLSyntaxError extends Error {
  override readonly name = 'PromQLSyntaxError';
}

const SINGLE_ESCAPES: Readonly<Record<string, string>> = { a: '\u0007', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\u000b', '\\': '\\' };

/**
 * Splits a query into string literals and code lexemes the way Prometheus's lexer does, and decodes
 * each literal with Go's unquoting rules (what Prometheus uses): `\"` only inside "...", `\'`
 * only inside '...', octal, \x, \u and \U escapes, no raw newline, no escapes in `raw` strings.
 * Prometheus also refuses U+FFFD (it cannot tell it from invalid UTF-8); lone surrogates become
 * U+FFFD on the way out as UTF-8, so both are errors here too, unless `allowUnencodable` (to check
 * the structure of a query Prometheus would refuse anyway).
 */
export function tokenizePromQL(query: string, options: { readonly allowUnencodable?: boolean } = {}): PromToken[] {
  const tokens: PromToken[] = [];
  let i = 0;
  const fail = (what: string, at: number): never => {
    throw new PromQLSyntaxError(`${what} at offset ${at} in ${JSON.stringify(query)}`);
  };
  while (i < query.length) {
    const ch = query[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i += 1;
      continue;
    }
    if (ch === '#') {
      const newline = query.indexOf('\n', i);
      i = newline < 0 ? query.length : newline;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const start = i;
      let value = '';
      i += 1;
      for (;;) {
        if (i >= query.length) fail(`unterminated ${ch} string`, start);
        const c = query[i]!;
        if (c === ch) {
          i += 1;
          break;
        }
        if (c === '\ufffd' && !options.allowUnencodable) fail('U+FFFD (Prometheus reads it as invalid UTF-8)', i);
        const code = c.charCodeAt(0);
        if (code >= 0xd800 && code <= 0xdfff) {
          const next = query.charCodeAt(i + 1);
          if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            value += c + query[i + 1]!;
            i += 2;
            continue;
          }
          if (!options.allowUnencodable) fail('lone surrogate (not encodable as UTF-8)', i);
          value += c;
          i += 1;
          continue;
        }
        if (ch === '`') {
          value += c;
          i += 1;
          continue;
        }
        if (c === '\n') fail(`raw newline inside a ${ch} string`, i);
        if (c !== '\\') {
          value += c;
          i += 1;
          continue;
        }
        const e = query[i + 1];
        if (e === undefined) fail('backslash at the end of the query', i);
        if (e === '"' || e === "'") {
          if (e !== ch) fail(`\\${e} inside a ${ch} string`, i);
          value += e;
          i += 2;
          continue;
        }
        const single = SINGLE_ESCAPES[e!];
        if (single !== undefined) {
          value += single;
          i += 2;
          continue;
        }
        const numeric = /^(?:([0-7]{3})|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/.exec(query.slice(i + 1));
        if (!numeric) fail(`unknown escape \\${e!}`, i);
        const [text, octal, hex2, hex4, hex8] = numeric!;
        const n = octal !== undefined ? Number.parseInt(octal, 8) : Number.parseInt((hex2 ?? hex4 ?? hex8)!, 16);
        if (octal !== undefined && n > 255) fail('octal escape above \\377', i);
        if ((hex4 !== undefined || hex8 !== undefined) && (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff))) fail('escape is not a Unicode code point', i);
        value += String.fromCodePoint(n);
        i += 1 + text!.length;
      }
      tokens.push({ kind: 'string', quote: ch, raw: query.slice(start, i), value });
      continue;
    }
    const lexeme = /^(?:[A-Za-z_:][A-Za-z0-9_:]*|[0-9.][0-9A-Za-z.]*|=~|!~|!=|==|>=|<=|[\s\S])/.exec(query.slice(i))![0];
    tokens.push({ kind: 'code', text: lexeme });
    i += lexeme.length;
  }
  return tokens;
}

/** The query with every string literal replaced by a placeholder: what user text must never change. */
export function queryShape(tokens: readonly PromToken[]): string[] {
  return tokens.map((t) => (t.kind === 'code' ? t.text : `<${t.quote}string>`));
}

export function stringLiterals(tokens: readonly PromToken[]): Extract<PromToken, { kind: 'string' }>[] {
  return tokens.filter((t): t is Extract<PromToken, { kind: 'string' }> => t.kind === 'string');
}

/** For each string literal, whether it is the operand of a regex matcher (=~ or !~ right before it). */
export function regexOperands(tokens: readonly PromToken[]): boolean[] {
  const out: boolean[] = [];
  tokens.forEach((t, i) => {
    if (t.kind !== 'string') return;
    const before = tokens[i - 1];
    out.push(before !== undefined && before.kind === 'code' && (before.text === '=~' || before.text === '!~'));
  });
  return out;
}

/** Go's regexp.QuoteMeta: a regex that matches exactly `text`. */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

// ---------------------------------------------------------------------------
// Query templates
// ---------------------------------------------------------------------------

/** A name that cannot occur in a generated template, used to render a template's expected shape. */
export const HARMLESS_NAME = 'harmlessQ7name';

const METRICS = ['up', 'process_resident_memory_bytes', 'http_requests_total', 'x:y_z', 'container_spec_memory_limit_bytes'];
const LABELS = ['job', 'container', 'service', 'pod', '__name__', 'instance'];
const MATCH_OPS = ['=', '!=', '=~', '!~'];

/**
 * A valid PromQL template with `$service` or `${service}` placeholders in string literals of every
 * quote style, in regex and plain matchers, outside literals, next to escapes, and with comments.
 */
export interface TemplateOptions {
  /** Put a `# comment` line between a matcher operator and its operand (valid PromQL, rare in practice). */
  readonly commentBeforeOperand?: boolean;
}

export function randomTemplate(rng: Rng, options: TemplateOptions = {}): string {
  const placeholder = (): string => rng.pick(['$service', '${service}']);
  const literalText = (quote: '"' | "'" | '`'): string => {
    const parts: string[] = [];
    const n = rng.between(1, 3);
    for (let k = 0; k < n; k++) {
      parts.push(
        rng.weighted<() => string>([
          [4, placeholder],
          [2, () => rng.pick(['prefix-', '-suffix', 'a.b', '.*', 'x|y', '(', ')'])],
          [1, () => (quote === '`' ? 'raw\\n' : rng.pick(['\\n', '\\\\', '\\t', '\\u00e9', '\\x41', '\\101', quote === '"' ? '\\"' : "\\'"]))],
          [1, () => rng.pick(['$services', '$service_x', '${services}', '$Service', '$', '${'])],
          [1, () => (quote === '"' ? "'" : quote === "'" ? '"' : '"\'')],
        ])(),
      );
    }
    return parts.join('');
  };
  const matcher = (): string => {
    const label = rng.pick(LABELS);
    const op = rng.pick(MATCH_OPS);
    const sp = (): string => rng.pick(['', ' ', '  ', '\n']);
    const afterOp = (): string => (options.commentBeforeOperand ? rng.pick([' # why\n', '# "quoted" $service\n  ', '\n# =~\n']) : sp());
    if (rng.chance(0.15)) return `${label}${sp()}${op}${afterOp()}${placeholder()}`;
    const quote = rng.pick(['"', "'", '`'] as const);
    return `${label}${sp()}${op}${afterOp()}${quote}${literalText(quote)}${quote}`;
  };
  const selector = (): string => {
    const matchers = Array.from({ length: rng.between(1, 3) }, matcher);
    const metric = rng.chance(0.8) ? rng.pick(METRICS) : '';
    return `${metric}{${matchers.join(rng.pick([',', ', ', ' ,\n']))}}${rng.chance(0.3) ? `[${rng.pick(['5m', '1h', '30s'])}]` : ''}`;
  };
  const expr = rng.weighted<() => string>([
    [3, selector],
    [2, () => `sum(rate(${selector().replace(/\[.*\]$/, '')}[5m]))`],
    [1, () => `sum by (name) (rate(${selector().replace(/\[.*\]$/, '')}[5m]))`],
    [1, () => `label_replace(${selector().replace(/\[.*\]$/, '')}, "svc", ${placeholder()}, "", "")`],
    [1, () => `count(${selector().replace(/\[.*\]$/, '')}) # ${rng.pick(['"$service', "it's $service", '`', '${service} "'])}`],
    [1, () => `${selector().replace(/\[.*\]$/, '')} or on() vector(0)`],
  ])();
  return expr;
}

// ---------------------------------------------------------------------------
// Interaction payloads
// ---------------------------------------------------------------------------

/** Keys that go wrong when code copies objects with plain assignment or reads through the prototype. */
export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then'];

/** Sets an own, enumerable property even for `__proto__` (so JSON.stringify writes it, as JSON.parse would read it). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function randomKey(rng: Rng): string {
  return rng.weighted<() => string>([
    [3, () => rng.pick(POLLUTION_KEYS)],
    [2, () => rng.pick(['value', 'action_id', 'type', 'id', 'ts', 'message_ts', 'channel_id', 'selected_option', 'selected_options', 'user', 'actions'])],
    [2, () => randomText(rng, 12)],
  ])();
}

export interface JunkOptions {
  /** Only values JSON can carry (for requests); otherwise also undefined, NaN, functions, symbols, bigints, Maps, Dates... */
  readonly jsonOnly: boolean;
}

/** Built once: just over and under the limits the parsers apply (2,000 characters for button values). */
const HUGE_STRINGS = [2_000, 2_001, 10_000, 100_000].map((n) => 'x'.repeat(n));
const PADDING = [3_000, 70_000].map((n) => 'A'.repeat(n));

/** A value of any shape: scalars of every type, huge strings, nested junk, prototype-pollution objects. */
export function junkValue(rng: Rng, options: JunkOptions, depth = 0): unknown {
  const leaf = (): unknown =>
    rng.weighted<() => unknown>([
      [3, () => randomText(rng, 40)],
      [1, () => ''],
      [1, () => rng.pick(HUGE_STRINGS)],
      [2, () => rng.pick(['3600000', '21600000', '86400000', '604800000', '0', '-1', '3600000.0', ' 3600000 ', '0x36EE80', '3.6e6', '1e400', 'NaN', 'Infinity', '3600000\u0000', 'find-worker', 'checklist:find-worker', 'ow-a', 'st-a', 'true', 'null'])],
      [2, () => rng.pick([0, -0, 1, -1, 3_600_000, 21_600_000, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_VALUE, Number.MIN_VALUE])],
      [1, () => rng.chance(0.5)],
      [2, () => null],
      [1, () => (options.jsonOnly ? null : rng.pick<unknown>([undefined, Number.NaN, Infinity, -Infinity, 10n, Symbol('junk'), () => 'fn', new Date(0), new Map([['value', 'x']]), new Set(['x']), /x/, new Uint8Array(4)]))],
    ])();
  if (depth >= 4 || rng.chance(0.6)) return leaf();
  return rng.weighted<() => unknown>([
    [3, () => {
      const out: Record<string, unknown> = rng.chance(0.1) && !options.jsonOnly ? (Object.create(null) as Record<string, unknown>) : {};
      const n = rng.between(0, 4);
      for (let k = 0; k < n; k++) setOwn(out, randomKey(rng), junkValue(rng, options, depth + 1));
      return out;
    }],
    [2, () => Array.from({ length: rng.between(0, 4) }, () => junkValue(rng, options, depth + 1))],
    [1, () => {
      // Deep nesting: one long chain of objects or arrays.
      let v: unknown = leaf();
      const levels = rng.between(20, 500);
      for (let k = 0; k < levels; k++) v = rng.chance(0.5) ? [v] : { value: v };
      return v;
    }],
  ])();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of JSON-like data, keeping own `__proto__` keys as own keys. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => cloneJson(v)) as T;
  if (isRecord(value) && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) setOwn(out, key, cloneJson(value[key]));
    return out as T;
  }
  return value;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return '[unserializable]';
  }
}

type Container = Record<string, unknown> | unknown[];

/** Every object and array inside `root`, with the root itself first. */
function containers(root: unknown, out: Container[] = [], depth = 0): Container[] {
  if (depth > 12) return out;
  if (Array.isArray(root)) {
    out.push(root);
    for (const v of root) containers(v, out, depth + 1);
  } else if (isRecord(root) && Object.getPrototypeOf(root) === Object.prototype) {
    out.push(root);
    for (const key of Object.keys(root)) containers(root[key], out, depth + 1);
  }
  return out;
}

export type MutationKind = 'delete' | 'junk' | 'retype' | 'wrap-array' | 'huge' | 'pollute' | 'empty' | 'null';

/**
 * Applies `count` random point mutations to a copy of `value`: deletes a field, swaps a value for
 * junk or for the same value with another type, wraps an object in an array, blows a string
 * up, adds prototype-pollution keys, empties a container. Returns the copy and what was done.
 */
export function mutate(rng: Rng, value: unknown, count: number, options: JunkOptions): { readonly value: unknown; readonly kinds: MutationKind[] } {
  const copy = cloneJson(value);
  const kinds: MutationKind[] = [];
  for (let n = 0; n < count; n++) {
    const all = containers(copy);
    if (all.length === 0) break;
    const target = rng.pick(all);
    const keys = Array.isArray(target) ? target.map((_, i) => String(i)) : Object.keys(target);
    const kind = rng.weighted<MutationKind>([
      [3, 'delete'],
      [3, 'junk'],
      [3, 'retype'],
      [1, 'wrap-array'],
      [1, 'huge'],
      [2, 'pollute'],
      [1, 'empty'],
      [1, 'null'],
    ]);
    kinds.push(kind);
    const get = (key: string): unknown => (Array.isArray(target) ? target[Number(key)] : target[key]);
    const set = (key: string, v: unknown): void => {
      if (Array.isArray(target)) target[Number(key)] = v;
      else setOwn(target, key, v);
    };
    const key = keys.length > 0 ? rng.pick(keys) : null;
    switch (kind) {
      case 'delete':
        if (key === null) break;
        if (Array.isArray(target)) target.splice(Number(key), 1);
        else delete target[key];
        break;
      case 'junk':
        if (key !== null) set(key, junkValue(rng, options));
        break;
      case 'retype': {
        if (key === null) break;
        const v = get(key);
        if (typeof v === 'string') set(key, v !== '' && Number.isFinite(Number(v)) ? Number(v) : rng.pick<unknown>([[v], { value: v }, v.length, true]));
        else if (typeof v === 'number') set(key, rng.pick([String(v), `${v}`.padStart(12, ' '), `0${v}`]));
        else if (typeof v === 'boolean') set(key, String(v));
        else if (Array.isArray(v)) set(key, v[0] ?? {});
        else if (isRecord(v)) set(key, rng.chance(0.5) ? [v] : safeJson(v));
        else set(key, rng.pick<unknown>(['', 0, {}, []]));
        break;
      }
      case 'wrap-array':
        if (key !== null) set(key, [get(key)]);
        break;
      case 'huge':
        if (key !== null) set(key, `${typeof get(key) === 'string' ? (get(key) as string) : ''}${rng.pick(PADDING)}`);
        break;
      case 'pollute': {
        if (Array.isArray(target)) {
          target.push(junkValue(rng, options));
          break;
        }
        const pollutionKey = rng.pick(POLLUTION_KEYS);
        const own = key === null ? {} : { [key]: rng.chance(0.5) ? get(key) : junkValue(rng, options), polluted: 'yes' };
        set(pollutionKey, rng.chance(0.7) ? own : junkValue(rng, options));
        if (key !== null && rng.chance(0.5)) delete target[key];
        break;
      }
      case 'empty':
        if (Array.isArray(target)) target.length = 0;
        else for (const k of Object.keys(target)) delete target[k];
        break;
      case 'null':
        if (key !== null) set(key, null);
        break;
      default: {
        const unknown: never = kind;
        throw new Error(`unknown mutation ${String(unknown)}`);
      }
    }
  }
  return { value: copy, kinds };
}

export const STEP_IDS_FOR_FUZZ = ['find-worker', 'compare-drivers', 'cache-queue-bounds', 'worker-changes', 'allocation-paths'] as const;
export const WINDOW_VALUES_FOR_FUZZ = ['3600000', '21600000', '86400000', '604800000'] as const;

export type ActionShape = 'checkbox' | 'window' | 'rerun' | 'subscribe' | 'digest-button' | 'digest-select';

/** One element of `actions` as Slack sends it for each interactive element pymem posts. */
export function baseAction(rng: Rng, shape: ActionShape, service: string, actionTs = `${1_772_452_800 + rng.int(100_000)}.${String(rng.int(1_000_000)).padStart(6, '0')}`): Record<string, unknown> {
  const plain = (text: string): Record<string, unknown> => ({ type: 'plain_text', text, emoji: true });
  switch (shape) {
    case 'checkbox': {
      const step = rng.pick(STEP_IDS_FOR_FUZZ);
      const ticked = rng.chance(0.5);
      const option = { text: { type: 'mrkdwn', text: 'Done', verbatim: false }, value: step };
      return { type: 'checkboxes', action_id: `checklist:${step}`, block_id: `step_${step}`, selected_options: ticked ? [option] : [], action_ts: actionTs };
    }
    case 'window': {
      const value = rng.pick(WINDOW_VALUES_FOR_FUZZ);
      return {
        type: 'static_select',
        action_id: 'report_window',
        block_id: 'controls',
        selected_option: { text: plain(`window ${value}`), value },
        placeholder: plain('Change window'),
        action_ts: actionTs,
      };
    }
    case 'rerun':
      return { type: 'button', action_id: 'report_rerun', block_id: 'controls', text: plain('Re-run'), action_ts: actionTs };
    case 'subscribe':
      return { type: 'button', action_id: 'report_subscribe', block_id: 'controls', text: plain('Subscribe'), value: service, action_ts: actionTs };
    case 'digest-button':
      return { type: 'button', action_id: `digest_analyze:${service}`, block_id: `digest_${service}`, text: plain('Analyse'), value: service, action_ts: actionTs };
    case 'digest-select':
      return {
        type: 'static_select',
        action_id: 'digest_analyze_select',
        block_id: 'digest_pick',
        selected_option: { text: plain(service), value: service },
        placeholder: plain('Full analysis of a service…'),
        action_ts: actionTs,
      };
    default: {
      const unknown: never = shape;
      throw new Error(`unknown shape ${String(unknown)}`);
    }
  }
}

export interface BodyContext {
  readonly userId: string;
  readonly channelId: string;
  readonly messageTs: string;
  readonly triggerId: string;
  readonly responseUrl: string;
  readonly teamId: string;
}

/** A block_actions body around one action, with every field Slack sends for a click in a channel message. */
export function baseBlockActionsBody(context: BodyContext, action: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: context.userId, username: context.userId.toLowerCase(), name: context.userId.toLowerCase(), team_id: context.teamId },
    api_app_id: 'A0STANDAPP',
    token: 'standin-verification-token',
    container: { type: 'message', message_ts: context.messageTs, channel_id: context.channelId, is_ephemeral: false },
    trigger_id: context.triggerId,
    team: { id: context.teamId, domain: 'standin' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: context.channelId, name: 'incidents' },
    message: { type: 'message', ts: context.messageTs, text: 'a report', team: context.teamId, blocks: [] },
    state: { values: {} },
    response_url: context.responseUrl,
    actions: [action],
  };
}
