/**
 * Fuzzing `/pymem` text and query rendering: whatever a responder types, parseCommand answers with
 * one of its kinds, only well-formed service names get through, and a name that gets through lands
 * in every default query only inside an escaped string literal. `FUZZ_SEED` / `FUZZ_RUNS` replay
 * or resize a run.
 */

import { describe, expect, it } from 'vitest';
import { MIN_WINDOW_MS, parseCommand, type BotCommand } from '../../src/bot/command';
import { DEFAULT_QUERIES } from '../../src/config/types';
import { renderTemplate, TemplateError } from '../../src/domain/promql-template';
import {
  CONTROL_CHARS,
  fuzzSettings,
  HARMLESS_NAME,
  INJECTIONS,
  isWellFormed,
  nearlyValidServiceName,
  PromQLSyntaxError,
  queryShape,
  quoteMeta,
  randomCommandText,
  randomTemplate,
  randomText,
  regexOperands,
  Rng,
  SERVICE_NAME_MAX,
  SERVICE_NAME_RE,
  stringLiterals,
  Tally,
  tokenizePromQL,
  validServiceName,
} from '../support/fuzz';

const COMMANDS = fuzzSettings(0x5eed_c0de, 20_000);
const TEMPLATES = fuzzSettings(0x7e3f_1a7e, 10_000);
const KINDS = new Set<BotCommand['kind']>(['help', 'subscribe', 'unsubscribe', 'list', 'analyze', 'invalid']);
const MAX_WINDOWS = [30 * 86_400_000, 7 * 86_400_000, 86_400_000];
const DEFAULT_TEMPLATES = Object.entries(DEFAULT_QUERIES).filter((e): e is [string, string] => e[1] !== null);

/** Asserts the structural property for one rendering; `value` is what was put in for the placeholder. */
function expectValueOnlyInLiterals(template: string, value: string, rendered: string): void {
  const expectedTokens = tokenizePromQL(renderTemplate(template, HARMLESS_NAME));
  // A value Prometheus cannot take makes a query it refuses; its structure must still hold.
  const tokens = tokenizePromQL(rendered, { allowUnencodable: unencodable(value) });
  const where = `template ${JSON.stringify(template)} with ${JSON.stringify(value)} -> ${JSON.stringify(rendered)}`;
  // Same code tokens, same string literals in the same places: the value changed nothing else.
  expect(queryShape(tokens), where).toEqual(queryShape(expectedTokens));
  const regex = regexOperands(expectedTokens);
  const expectedLiterals = stringLiterals(expectedTokens);
  const literals = stringLiterals(tokens);
  literals.forEach((literal, i) => {
    const placed = regex[i] ? quoteMeta(value) : value;
    expect(literal.value, `literal ${i} of ${where}`).toBe(expectedLiterals[i]!.value.split(HARMLESS_NAME).join(placed));
  });
}

/** Values Prometheus cannot take in any literal; rendering them is allowed to produce a query it refuses. */
function unencodable(value: string): boolean {
  return value.includes('\ufffd') || !isWellFormed(value);
}

describe('the structural check', () => {
  it('catches a renderer that pastes the value in unescaped', () => {
    const paste = (template: string, value: string): string => template.split('$service').join(value);
    for (const [, template] of DEFAULT_TEMPLATES) {
      for (const value of ['a"} or vector(1) or x{a="', 'a\\"} or vector(1) #', 'a\nb']) {
        expect(() => expectValueOnlyInLiterals(template, value, paste(template, value))).toThrow();
      }
    }
    // A regex operand that is not RE2-escaped is caught too.
    expect(() => expectValueOnlyInLiterals('up{job=~"$service"}', 'a.b', 'up{job=~"a.b"}')).toThrow();
  });
});

describe(`parseCommand fuzz (seed ${COMMANDS.seed}, ${COMMANDS.runs} texts)`, () => {
  it('answers every text with one of its kinds and lets only well-formed names through, into escaped literals only', () => {
    const rng = new Rng(COMMANDS.seed);
    const families = new Tally();
    const kinds = new Tally();
    const started = performance.now();
    let queries = 0;
    for (let run = 0; run < COMMANDS.runs; run++) {
      const { family, text, expected } = randomCommandText(rng);
      const maxWindowMs = rng.pick(MAX_WINDOWS);
      families.add(family);
      let parsed: BotCommand;
      try {
        parsed = parseCommand(text, maxWindowMs);
      } catch (error) {
        throw new Error(`parseCommand threw for ${JSON.stringify(text)} (seed ${COMMANDS.seed}, run ${run}): ${String(error)}`, { cause: error });
      }
      const where = `${JSON.stringify(text)} (seed ${COMMANDS.seed}, run ${run})`;
      expect(KINDS.has(parsed.kind), where).toBe(true);
      kinds.add(parsed.kind);
      if (expected !== undefined) expect(parsed, where).toEqual(expected);
      switch (parsed.kind) {
        case 'invalid':
          expect(parsed.message.length, where).toBeGreaterThan(0);
          expect(parsed.message.length, where).toBeLessThanOrEqual(300);
          expect(CONTROL_CHARS.test(parsed.message), `raw control character in ${JSON.stringify(parsed.message)} for ${where}`).toBe(false);
          break;
        case 'analyze':
        case 'doctor':
        case 'verify':
        case 'subscribe':
        case 'unsubscribe': {
          expect(parsed.service, where).toMatch(SERVICE_NAME_RE);
          expect(parsed.service.length, where).toBeLessThanOrEqual(SERVICE_NAME_MAX);
          // The name is a word the user typed, not something assembled from several.
          expect(text.includes(parsed.service), where).toBe(true);
          if ((parsed.kind === 'analyze' || parsed.kind === 'doctor') && parsed.windowMs !== null) {
            expect(Number.isInteger(parsed.windowMs), where).toBe(true);
            expect(parsed.windowMs, where).toBeGreaterThanOrEqual(MIN_WINDOW_MS);
            expect(parsed.windowMs, where).toBeLessThanOrEqual(maxWindowMs);
          }
          for (const [name, template] of DEFAULT_TEMPLATES) {
            const query = renderTemplate(template, parsed.service);
            queries += 1;
            const literals = stringLiterals(tokenizePromQL(query));
            expect(literals.filter((l) => l.value === parsed.service), `${name} query ${query} for ${where}`).toHaveLength(1);
            expectValueOnlyInLiterals(template, parsed.service, query);
          }
          break;
        }
        case 'timeline':
          if (parsed.service !== null) expect(parsed.service, where).toMatch(SERVICE_NAME_RE);
          break;
        case 'help':
        case 'list':
          break;
        default: {
          const unknown: never = parsed;
          throw new Error(`unexpected ${JSON.stringify(unknown)}`);
        }
      }
    }
    console.log(
      `[fuzz-command] seed=${COMMANDS.seed} texts=${COMMANDS.runs} queries=${queries} ${(performance.now() - started).toFixed(0)}ms | families: ${families} | kinds: ${kinds}`,
    );
    // The generators must reach every branch, or the fuzz proves less than it claims (small FUZZ_RUNS may not).
    if (COMMANDS.runs >= 2_000) for (const kind of KINDS) expect(kinds.get(kind), `no text parsed as ${kind}`).toBeGreaterThan(0);
  });

  it('keeps invalid-input messages well-formed UTF-16 when the input was', () => {
    // A message cut at a fixed length must not split a surrogate pair: Slack gets it as JSON.
    const rng = new Rng(COMMANDS.seed ^ 0x0a11);
    const bad: string[] = [];
    for (let run = 0; run < Math.max(1, Math.floor(COMMANDS.runs / 4)); run++) {
      const filler = 'a'.repeat(rng.between(40, 70));
      const text = rng.weighted<() => string>([
        [2, () => `${filler}😀${'x'.repeat(rng.int(10))}é!`],
        [1, () => `svc ${'🚀'.repeat(rng.between(20, 40))}`],
        [1, () => `svc 6h ${'👩‍💻'.repeat(rng.between(5, 20))}`],
        [1, () => `${'😀'.repeat(rng.between(20, 40))}`],
        [1, () => randomText(rng, 120)],
      ])();
      if (!isWellFormed(text)) continue;
      const parsed = parseCommand(text, MAX_WINDOWS[0]!);
      if (parsed.kind === 'invalid' && !isWellFormed(parsed.message) && bad.length < 5) bad.push(`${JSON.stringify(text)} -> ${JSON.stringify(parsed.message)}`);
    }
    expect(bad, 'messages with a split surrogate pair').toEqual([]);
  });
});

describe(`renderTemplate fuzz (seed ${TEMPLATES.seed}, ${TEMPLATES.runs} renderings)`, () => {
  const value = (rng: Rng): string =>
    rng.weighted<() => string>([
      [3, () => randomText(rng, 80)],
      [2, () => validServiceName(rng)],
      [2, () => nearlyValidServiceName(rng)],
      [2, () => rng.pick(INJECTIONS) + rng.pick(INJECTIONS)],
      [1, () => randomText(rng, 3_000)],
      [1, () => ''],
      [1, () => rng.pick(['$service', '${service}', '"', "'", '`', '\\', '\n', '\r\n', '\\"', '"\\', '#', '\u0000', '.*'])],
    ])();

  it('keeps any value, valid name or not, inside escaped string literals of default and generated templates', () => {
    const rng = new Rng(TEMPLATES.seed);
    const tally = new Tally();
    const started = performance.now();
    for (let run = 0; run < TEMPLATES.runs; run++) {
      const template = rng.chance(0.4) ? rng.pick(DEFAULT_TEMPLATES)[1] : randomTemplate(rng);
      const v = value(rng);
      const where = `template ${JSON.stringify(template)} with ${JSON.stringify(v)} (seed ${TEMPLATES.seed}, run ${run})`;
      // The generator makes valid templates: the harmless name must render and tokenize.
      expect(() => tokenizePromQL(renderTemplate(template, HARMLESS_NAME)), where).not.toThrow();
      let rendered: string;
      try {
        rendered = renderTemplate(template, v);
      } catch (error) {
        // The one documented refusal: a backtick cannot go into a raw string.
        expect(error, where).toBeInstanceOf(TemplateError);
        expect(v.includes('`') && /`[^`]*\$(service\b|\{service\})/.test(template), where).toBe(true);
        tally.add('refused-backtick');
        continue;
      }
      expectValueOnlyInLiterals(template, v, rendered);
      if (!renderTemplate(template, HARMLESS_NAME).includes(HARMLESS_NAME)) {
        // Every placeholder sat in a comment: nothing was placed.
        expect(rendered, where).toBe(template);
        tally.add('no-placeholder');
        continue;
      }
      if (!unencodable(v)) {
        tally.add('ok');
        continue;
      }
      // Prometheus refuses U+FFFD and lone surrogates in a literal: a refused query, not an injection.
      expect(() => tokenizePromQL(rendered), where).toThrow(PromQLSyntaxError);
      tally.add('unencodable');
    }
    console.log(`[fuzz-render] seed=${TEMPLATES.seed} renderings=${TEMPLATES.runs} ${(performance.now() - started).toFixed(0)}ms | ${tally}`);
    if (TEMPLATES.runs >= 1_000) expect(tally.get('ok')).toBeGreaterThan(TEMPLATES.runs / 2);
  });

  it('escapes the value for RE2 when a comment sits between =~ and its operand', () => {
    // `job=~ # note\n"$service"` is valid PromQL and the literal is still a regex.
    const rng = new Rng(TEMPLATES.seed ^ 0xc0113e47);
    const failures: string[] = [];
    for (let run = 0; run < Math.max(1, Math.floor(TEMPLATES.runs / 10)); run++) {
      const template = randomTemplate(rng, { commentBeforeOperand: true });
      const v = rng.pick(['a.b', 'ow-a.prod', 'x:y.z', validServiceName(rng)]);
      const rendered = renderTemplate(template, v);
      try {
        expectValueOnlyInLiterals(template, v, rendered);
      } catch {
        if (failures.length < 3) failures.push(`${JSON.stringify(template)} with ${JSON.stringify(v)} -> ${JSON.stringify(rendered)}`);
      }
    }
    expect(failures, 'renderings where a regex operand was not RE2-escaped').toEqual([]);
  });
});
