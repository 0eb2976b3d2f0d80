import { describe, expect, it } from 'vitest';
import { parseServiceName, printable, SERVICE_NAME_MAX_LENGTH } from '../../src/domain/service-name';

// C0 controls and DEL: what printable() promises to show escaped.
// eslint-disable-next-line no-control-regex -- the test looks for raw control characters
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('parseServiceName: valid names', () => {
  it.each([
    ['checkout-api', 'checkout-api'],
    ['a.b:c_d', 'a.b:c_d'],
    ['a', 'a'],
    ['9lives', '9lives'],
    ['API-Gateway', 'API-Gateway'],
    ['ns:svc.v2_blue-1', 'ns:svc.v2_blue-1'],
    ['a-', 'a-'],
    ['  checkout-api  ', 'checkout-api'],
    ['\tcheckout-api\n', 'checkout-api'],
    ['x'.repeat(128), 'x'.repeat(128)],
    [` ${'y'.repeat(128)} `, 'y'.repeat(128)],
  ])('%j -> %j', (raw, name) => {
    expect(parseServiceName(raw)).toEqual({ ok: true, name });
  });

  it('allows exactly SERVICE_NAME_MAX_LENGTH = 128 characters', () => {
    expect(SERVICE_NAME_MAX_LENGTH).toBe(128);
    expect(parseServiceName('a'.repeat(SERVICE_NAME_MAX_LENGTH)).ok).toBe(true);
    expect(parseServiceName('a'.repeat(SERVICE_NAME_MAX_LENGTH + 1)).ok).toBe(false);
  });
});

describe('parseServiceName: invalid names', () => {
  it.each([
    // [raw, a fragment the error must contain]
    ['', 'a service name is required'],
    ['   ', 'a service name is required'],
    ['\n\t', 'a service name is required'],
    ['x'.repeat(129), 'at most 128 characters (got 129)'],
    ['"'.repeat(200), 'at most 128 characters (got 200)'],
    ['-checkout', 'starting with a letter or digit'],
    ['_checkout', 'starting with a letter or digit'],
    ['.checkout', 'starting with a letter or digit'],
    [':checkout', 'starting with a letter or digit'],
    ['checkout api', 'use letters, digits and - _ . : only'],
    ['a"b', 'use letters, digits and - _ . : only'],
    ["a'b", 'use letters, digits and - _ . : only'],
    ['a`b', 'use letters, digits and - _ . : only'],
    ['a{b', 'use letters, digits and - _ . : only'],
    ['a}b', 'use letters, digits and - _ . : only'],
    ['a\\b', 'use letters, digits and - _ . : only'],
    ['a\nb', 'use letters, digits and - _ . : only'],
    ['a\rb', 'use letters, digits and - _ . : only'],
    ['a\u0000b', 'use letters, digits and - _ . : only'],
    ['a\u001bb', 'use letters, digits and - _ . : only'],
    ['café', 'use letters, digits and - _ . : only'],
    ['сервис', 'use letters, digits and - _ . : only'],
    ['日本', 'use letters, digits and - _ . : only'],
    ['$service', 'use letters, digits and - _ . : only'],
    ['${service}', 'use letters, digits and - _ . : only'],
    ['a/b', 'use letters, digits and - _ . : only'],
    ['a=b', 'use letters, digits and - _ . : only'],
    ['a#b', 'use letters, digits and - _ . : only'],
    ['"} or vector(1) #', 'use letters, digits and - _ . : only'],
  ])('%j is refused (%s)', (raw, fragment) => {
    const result = parseServiceName(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain(fragment);
    expect(result.error).not.toMatch(RAW_CONTROL);
    expect(result.error).not.toContain('\n');
  });

  it('quotes the offending name in the error', () => {
    const result = parseServiceName('$service');
    expect(result).toEqual({
      ok: false,
      error: '"$service" is not a service name: use letters, digits and - _ . : only, starting with a letter or digit',
    });
  });

  it('shows control characters escaped instead of raw', () => {
    const result = parseServiceName('a\nb\u001b[31mred');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain('"a\\u000ab\\u001b[31mred"');
  });

  it('does not echo a huge name in full', () => {
    const result = parseServiceName(`${'a'.repeat(100)} b`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain(`"${'a'.repeat(60)}…"`);
    expect(result.error.length).toBeLessThan(200);
  });
});

describe('printable', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a\nb', 'a\\u000ab'],
    ['\r\t', '\\u000d\\u0009'],
    ['\u0000', '\\u0000'],
    ['\u001b[2J', '\\u001b[2J'],
    ['del\u007f', 'del\\u007f'],
    ['café 🚀', 'café 🚀'],
  ])('%j -> %j', (text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  it.each([
    ['x'.repeat(60), 60, 'x'.repeat(60)],
    ['x'.repeat(61), 60, `${'x'.repeat(60)}…`],
    ['abcdef', 3, 'abc…'],
    ['abc', 3, 'abc'],
    // The limit applies to what is shown: each control character takes six.
    ['\n\n', 6, '\\u000a…'],
  ])('%j with max %i -> %j', (text, max, shown) => {
    expect(printable(text, max)).toBe(shown);
  });

  it('never returns a C0 control character or DEL', () => {
    let all = '';
    for (let c = 0; c < 0x20; c++) all += String.fromCharCode(c);
    all += '\u007f';
    const shown = printable(all, 1000);
    expect(shown).not.toMatch(RAW_CONTROL);
    expect(shown).toBe(Array.from(all, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''));
  });
});
