import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERIES } from '../../src/config/types';
import { checkTemplate, renderTemplate, TemplateError } from '../../src/domain/promql-template';

// ---------------------------------------------------------------------------
// A tiny PromQL tokenizer, independent of the code under test: it splits a
// query into string literals (decoded the way Prometheus decodes them, i.e.
// Go's strconv.Unquote rules) and everything else.
// ---------------------------------------------------------------------------

type Token = { readonly kind: 'string'; readonly quote: '"' | "'" | '`'; readonly raw: string; readonly value: string } | { readonly kind: 'code'; readonly text: string };

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\u0007',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i]!;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === '#') {
      // A comment runs to the end of the line.
      const end = query.indexOf('\n', i);
      i = end === -1 ? query.length : end;
      continue;
    }
    if (ch === '`') {
      const end = query.indexOf('`', i + 1);
      if (end === -1) throw new Error(`unterminated raw string at ${i} in ${query}`);
      const content = query.slice(i + 1, end);
      tokens.push({ kind: 'string', quote: '`', raw: query.slice(i, end + 1), value: content });
      i = end + 1;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const start = i;
      let value = '';
      i += 1;
      for (;;) {
        if (i >= query.length) throw new Error(`unterminated ${ch} string at ${start} in ${query}`);
        const c = query[i]!;
        if (c === '\n') throw new Error(`newline inside a ${ch} string at ${i} in ${query}`);
        if (c === ch) {
          i += 1;
          break;
        }
        if (c === '\\') {
          const e = query[i + 1];
          if (e === undefined) throw new Error(`dangling backslash in ${query}`);
          if (e === '"' || e === "'") {
            // Go: \' only in single-quoted, \" only in double-quoted strings.
            if (e !== ch) throw new Error(`invalid escape \\${e} in ${ch} string in ${query}`);
            value += e;
            i += 2;
            continue;
          }
          const simple = SIMPLE_ESCAPES[e];
          if (simple !== undefined) {
            value += simple;
            i += 2;
            continue;
          }
          const hex = /^(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3}))/.exec(query.slice(i + 1));
          if (hex) {
            const code = hex[4] !== undefined ? parseInt(hex[4], 8) : parseInt((hex[1] ?? hex[2] ?? hex[3])!, 16);
            value += String.fromCodePoint(code);
            i += 1 + hex[0].length;
            continue;
          }
          throw new Error(`invalid escape \\${e} in ${query}`);
        }
        value += c;
        i += 1;
      }
      tokens.push({ kind: 'string', quote: ch, raw: query.slice(start, i), value });
      continue;
    }
    const m = /^(?:[A-Za-z_:][A-Za-z0-9_:]*|\d+(?:\.\d+)?[a-z]*|=~|!~|!=|==|>=|<=|\S)/.exec(query.slice(i));
    tokens.push({ kind: 'code', text: m![0] });
    i += m![0].length;
  }
  return tokens;
}

const codeTokens = (tokens: readonly Token[]): string[] => tokens.map((t) => (t.kind === 'code' ? t.text : `<${t.kind}>`));
const stringTokens = (tokens: readonly Token[]): Extract<Token, { kind: 'string' }>[] =>
  tokens.filter((t): t is Extract<Token, { kind: 'string' }> => t.kind === 'string');

const RE2_META = '\\^$.|?*+()[]{}';

/** True when every RE2 metacharacter in `regex` is escaped, so the regex matches exactly one string. */
function isLiteralRegex(regex: string): boolean {
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i]!;
    if (c === '\\') {
      const next = regex[i + 1];
      if (next === undefined || !RE2_META.includes(next)) return false;
      i += 1;
      continue;
    }
    if (RE2_META.includes(c)) return false;
  }
  return true;
}

function regexUnescape(regex: string): string {
  return regex.replace(/\\([\s\S])/g, '$1');
}

describe('tokenizer used by these tests', () => {
  it('decodes the escapes Prometheus understands and keeps raw strings raw', () => {
    const tokens = tokenize('x{a="q\\"\\\\\\n\\u00e9", b=\'it\\\'s\', c=`r\\aw`} # "not a string');
    expect(codeTokens(tokens)).toEqual(['x', '{', 'a', '=', '<string>', ',', 'b', '=', '<string>', ',', 'c', '=', '<string>', '}']);
    expect(stringTokens(tokens).map((t) => t.value)).toEqual(['q"\\\né', "it's", 'r\\aw']);
  });

  it('rejects what Prometheus rejects', () => {
    expect(() => tokenize('x{a="b}')).toThrow(/unterminated/);
    expect(() => tokenize('x{a="b\nc"}')).toThrow(/newline/);
    expect(() => tokenize("x{a=\"b\\'\"}")).toThrow(/invalid escape/);
  });
});

// ---------------------------------------------------------------------------

describe('renderTemplate: placeholders', () => {
  it.each([
    // [template, value, expected PromQL]
    ['process_resident_memory_bytes{job="$service"}', 'checkout-api', 'process_resident_memory_bytes{job="checkout-api"}'],
    ['process_resident_memory_bytes{job="${service}"}', 'checkout-api', 'process_resident_memory_bytes{job="checkout-api"}'],
    ["up{job='$service'}", 'checkout-api', "up{job='checkout-api'}"],
    ['up{job=`$service`}', 'checkout-api', 'up{job=`checkout-api`}'],
    ['up{job="prefix-$service-suffix"}', 'a', 'up{job="prefix-a-suffix"}'],
    ['up{job="${service}_x"}', 'a', 'up{job="a_x"}'],
    ['up{job="$service$service"}', 'ab', 'up{job="abab"}'],
    ['up{a="$service", b="${service}"}', 'v', 'up{a="v", b="v"}'],
    // Outside any string: a quoted literal of its own.
    ['label_replace(up, "svc", $service, "", "")', 'checkout-api', 'label_replace(up, "svc", "checkout-api", "", "")'],
    ['label_replace(up, "svc", ${service}, "", "")', 'a"b', 'label_replace(up, "svc", "a\\"b", "", "")'],
    // Not placeholders: other names that merely start with $service.
    ['up{job="$services"}', 'x', 'up{job="$services"}'],
    ['up{job="$service_name"}', 'x', 'up{job="$service_name"}'],
    ['up{job="${services}"}', 'x', 'up{job="${services}"}'],
    ['up{job="$Service"}', 'x', 'up{job="$Service"}'],
    ['up', 'x', 'up'],
  ])('%s with %j -> %s', (template, value, expected) => {
    expect(renderTemplate(template, value)).toBe(expected);
  });

  it('renders every default query with the value in each string', () => {
    for (const template of Object.values(DEFAULT_QUERIES)) {
      if (template === null) continue;
      const out = renderTemplate(template, 'checkout-api', { rateInterval: '90s' });
      expect(out).toBe(template.replace('$service', 'checkout-api').replace('$rate_interval', '90s'));
      expect(out).not.toContain('$');
    }
  });
});

describe('renderTemplate: escaping for the literal it lands in', () => {
  it.each([
    // [template, value, expected PromQL]
    ['up{job="$service"}', 'a"b', 'up{job="a\\"b"}'],
    ['up{job="$service"}', "a'b", `up{job="a'b"}`],
    ["up{job='$service'}", "a'b", "up{job='a\\'b'}"],
    ["up{job='$service'}", 'a"b', `up{job='a"b'}`],
    ['up{job="$service"}', 'a\\b', 'up{job="a\\\\b"}'],
    ["up{job='$service'}", 'a\\b', "up{job='a\\\\b'}"],
    ['up{job="$service"}', 'a\nb', 'up{job="a\\nb"}'],
    ['up{job="$service"}', 'a\rb\tc', 'up{job="a\\rb\\tc"}'],
    ['up{job="$service"}', 'a}b{c', 'up{job="a}b{c"}'],
    ['up{job="$service"}', 'a`b', 'up{job="a`b"}'],
    ['up{job="$service"}', 'café-🚀', 'up{job="café-🚀"}'],
    // Raw strings take the value as is (they have no escapes).
    ['up{job=`$service`}', 'a"b\\c\'d', 'up{job=`a"b\\c\'d`}'],
    // A plain = does not make the value a regex.
    ['up{job="$service"}', 'a.b', 'up{job="a.b"}'],
    ['up{job!="$service"}', 'a.b*', 'up{job!="a.b*"}'],
  ])('%s with %j -> %s', (template, value, expected) => {
    expect(renderTemplate(template, value)).toBe(expected);
  });
});

describe('renderTemplate: regex operands (=~ and !~)', () => {
  it.each([
    // [template, value, expected PromQL]
    ['up{job=~"$service"}', 'a.b', 'up{job=~"a\\\\.b"}'],
    ['up{job!~"$service"}', 'a.b', 'up{job!~"a\\\\.b"}'],
    ['up{job=~ "$service"}', 'a.b', 'up{job=~ "a\\\\.b"}'],
    ["up{job=~'$service'}", 'a.b', "up{job=~'a\\\\.b'}"],
    ['up{job=~`$service`}', 'a.b', 'up{job=~`a\\.b`}'],
    ['up{job=~"$service-.*"}', 'a.b', 'up{job=~"a\\\\.b-.*"}'],
    ['up{job=~"$service"}', 'checkout-api', 'up{job=~"checkout-api"}'],
    ['up{job=~"$service"}', 'a:b_c', 'up{job=~"a:b_c"}'],
    ['up{job=~"$service"}', '^a$|b?*+(c)[d]{e}\\', 'up{job=~"\\\\^a\\\\$\\\\|b\\\\?\\\\*\\\\+\\\\(c\\\\)\\\\[d\\\\]\\\\{e\\\\}\\\\\\\\"}'],
    ['up{job=~"$service"}', 'a"b', 'up{job=~"a\\"b"}'],
    // Only the literal right after =~ is a regex.
    ['up{job=~"x", env="$service"}', 'a.b', 'up{job=~"x", env="a.b"}'],
  ])('%s with %j -> %s', (template, value, expected) => {
    expect(renderTemplate(template, value)).toBe(expected);
  });

  it('produces a regex that matches exactly the value', () => {
    const value = 'a.b*c+(d)|[e]^$?{f}\\g';
    const [literal] = stringTokens(tokenize(renderTemplate('up{job=~"$service"}', value)));
    expect(literal).toBeDefined();
    expect(isLiteralRegex(literal!.value)).toBe(true);
    expect(regexUnescape(literal!.value)).toBe(value);
    // And as a JavaScript regex (same syntax for these escapes), fully anchored like PromQL's.
    const re = new RegExp(`^(?:${literal!.value})$`, 'u');
    expect(re.test(value)).toBe(true);
    expect(re.test('aXb*c+(d)|[e]^$?{f}\\g')).toBe(false);
  });
});

describe("renderTemplate: the template's own escapes", () => {
  it.each([
    ['up{msg="say \\"$service\\""}', 'a', 'up{msg="say \\"a\\""}', 'say "a"'],
    ["up{msg='it\\'s $service'}", 'a', "up{msg='it\\'s a'}", "it's a"],
    ['up{msg="back\\\\slash $service"}', 'a', 'up{msg="back\\\\slash a"}', 'back\\slash a'],
    ['up{msg="tab\\t$service"}', 'a', 'up{msg="tab\\ta"}', 'tab\ta'],
    // An escaped $ is not a placeholder.
    ['up{msg="\\$service"}', 'a', 'up{msg="\\$service"}', null],
    ['up{job=~"$service\\\\.internal"}', 'a.b', 'up{job=~"a\\\\.b\\\\.internal"}', 'a\\.b\\.internal'],
  ])('%s with %j -> %s', (template, value, expected, decoded) => {
    const out = renderTemplate(template, value);
    expect(out).toBe(expected);
    if (decoded !== null) expect(stringTokens(tokenize(out))[0]?.value).toBe(decoded);
  });
});

describe('renderTemplate / checkTemplate: malformed templates', () => {
  it.each([
    'up{job="$service}',
    "up{job='$service}",
    'up{job=`$service}',
    'up{job="x\\"}',
    'up{job="x\\',
    'up{job="a", env="b}',
    '"',
  ])('%j is an unterminated string', (template) => {
    expect(() => renderTemplate(template, 'checkout-api')).toThrow(TemplateError);
    expect(() => renderTemplate(template, 'checkout-api')).toThrow(/unterminated/);
    expect(() => checkTemplate(template)).toThrow(TemplateError);
  });

  it('names the kind of quote that was left open', () => {
    expect(() => renderTemplate("up{job='x}", 'a')).toThrow("unterminated ' string");
    expect(() => renderTemplate('up{job=`x}', 'a')).toThrow('unterminated ` string');
  });

  it('accepts well-formed templates', () => {
    for (const template of [...Object.values(DEFAULT_QUERIES).filter((t): t is string => t !== null), 'up{job=~`$service`}', "up{job='a\\'b'}"]) {
      expect(() => checkTemplate(template)).not.toThrow();
    }
  });

  it('TemplateError is an Error with its own name', () => {
    try {
      renderTemplate('up{job="', 'a');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(TemplateError);
      expect((error as Error).name).toBe('TemplateError');
    }
  });

  it.each(['up{job=`$service`}', 'up{job=~`$service`}', 'up{job=`x-${service}-y`}'])('refuses a backtick value inside the raw string %s', (template) => {
    expect(() => renderTemplate(template, 'a`b')).toThrow(TemplateError);
    expect(() => renderTemplate(template, '`')).toThrow(/backtick/);
  });
});

// ---------------------------------------------------------------------------
// Injection: whatever the value, the query keeps the shape it has with a harmless value,
// and the literal that received the value decodes back to exactly that value.
// ---------------------------------------------------------------------------

const HARMLESS = 'checkout-api';

const TEMPLATES: readonly { readonly template: string; readonly regex: boolean; readonly raw: boolean }[] = [
  { template: 'process_resident_memory_bytes{job="$service"}', regex: false, raw: false },
  { template: 'process_resident_memory_bytes{job="${service}"}', regex: false, raw: false },
  { template: "process_resident_memory_bytes{job='$service'}", regex: false, raw: false },
  { template: 'process_resident_memory_bytes{job=`$service`}', regex: false, raw: true },
  { template: 'sum(rate(http_requests_total{job="$service",handler!="/healthz"}[5m]))', regex: false, raw: false },
  { template: 'x{job="pre-$service-post", env="prod"}', regex: false, raw: false },
  { template: 'x{msg="say \\"$service\\" twice"}', regex: false, raw: false },
  { template: 'label_replace(up, "svc", $service, "", "")', regex: false, raw: false },
  { template: 'label_replace(up, "svc", ${service}, "", "")', regex: false, raw: false },
  { template: 'x{job=~"$service"}', regex: true, raw: false },
  { template: "x{job!~'$service-canary'}", regex: true, raw: false },
  { template: 'x{job=~"$service-.*", env="prod"}', regex: true, raw: false },
  { template: 'x{job=~`$service`}', regex: true, raw: true },
];

const ATTACKS: readonly string[] = [
  'a"b',
  "a'b",
  'a}b',
  'a{b',
  'a\\b',
  'a\\',
  '\\"',
  "\\'",
  'a\nb',
  'a\r\nb',
  '"} or vector(1) #',
  "'} or vector(1) #",
  '"}) or on() vector(1) or sum(x{a="',
  '$service',
  '${service}',
  'x$service"y',
  'café-🚀-日本',
  '\u2028\u0000\u007f',
  '.*',
  'a|b',
  '"\'{}\\\n#',
  '',
];

describe('renderTemplate: injection attempts keep the query shape', () => {
  const cases = TEMPLATES.flatMap(({ template, regex, raw }) => ATTACKS.map((value) => ({ template, regex, raw, value })));

  it.each(cases.filter((c) => !(c.raw && c.value.includes('`'))))('$template with $value', ({ template, regex, value }) => {
    const safe = renderTemplate(template, HARMLESS);
    const out = renderTemplate(template, value);
    const safeTokens = tokenize(safe);
    const outTokens = tokenize(out);
    expect(codeTokens(outTokens)).toEqual(codeTokens(safeTokens));

    const safeStrings = stringTokens(safeTokens);
    const outStrings = stringTokens(outTokens);
    expect(outStrings).toHaveLength(safeStrings.length);
    let receivers = 0;
    safeStrings.forEach((s, k) => {
      const o = outStrings[k]!;
      expect(o.quote).toBe(s.quote);
      const at = s.value.indexOf(HARMLESS);
      if (at === -1) {
        expect(o.value).toBe(s.value);
        return;
      }
      receivers += 1;
      const prefix = s.value.slice(0, at);
      const suffix = s.value.slice(at + HARMLESS.length);
      expect(o.value.startsWith(prefix)).toBe(true);
      expect(o.value.endsWith(suffix)).toBe(true);
      const middle = o.value.slice(prefix.length, o.value.length - suffix.length);
      if (regex) {
        expect(isLiteralRegex(middle)).toBe(true);
        expect(regexUnescape(middle)).toBe(value);
      } else {
        expect(middle).toBe(value);
      }
    });
    expect(receivers).toBe(1);
  });

  it.each(TEMPLATES.filter((t) => t.raw))('$template refuses a value with a backtick', ({ template }) => {
    expect(() => renderTemplate(template, 'a`} or vector(1) #')).toThrow(TemplateError);
  });

  it.each(TEMPLATES.filter((t) => !t.raw))('$template accepts a value with a backtick as plain text', ({ template, regex }) => {
    const value = 'a`b';
    const strings = stringTokens(tokenize(renderTemplate(template, value)));
    const receiver = strings.find((s) => s.value.includes('a`b'));
    expect(receiver).toBeDefined();
    expect(codeTokens(tokenize(renderTemplate(template, value)))).toEqual(codeTokens(tokenize(renderTemplate(template, HARMLESS))));
    if (regex) expect(isLiteralRegex(receiver!.value.replace(/-canary$|-\.\*$/, ''))).toBe(true);
  });

  it('does not expand a placeholder that arrives inside the value', () => {
    expect(renderTemplate('x{a="$service", b="$service"}', '$service')).toBe('x{a="$service", b="$service"}');
    expect(renderTemplate('x{a="$service"}', '${service}')).toBe('x{a="${service}"}');
  });
});
