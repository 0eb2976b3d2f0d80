/** Bugs found by the unit-test pass, each pinned by the input that showed it. */
import { describe, expect, it } from 'vitest';
import { renderTemplate, checkTemplate } from '../../src/domain/promql-template';
import { parseServiceName, printable } from '../../src/domain/service-name';
import { parseWindowAction } from '../../src/slack/payloads';
import { loadConfig, ConfigError } from '../../src/config/load';
import { parseDuration, formatBytes } from '../../src/domain/format';
import { parseDurationSetting } from '../../src/config/units';
import { parseEnd } from '../../src/cli/analyze-command';
import { hardenBoltBodyParsing } from '../../src/slack/bolt-hardening';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';

const configError = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('fixed bugs', () => {
  it('escapes regex metacharacters for a bare placeholder after =~ and !~', () => {
    expect(renderTemplate('up{job=~$service}', 'a.b')).toBe('up{job=~"a\\\\.b"}');
    expect(renderTemplate('up{job!~ $service}', '.*')).toBe('up{job!~ "\\\\.\\\\*"}');
  });

  it('treats # as a comment, so quotes in it cannot open a string', () => {
    expect(() => checkTemplate('up{job="$service"} # don\'t')).not.toThrow();
    expect(renderTemplate('x # "\n{job="$service"} # "', '} or vector(1) or up{a=')).toBe('x # "\n{job="} or vector(1) or up{a="} # "');
  });

  it('never prints C1 control characters back', () => {
    const result = parseServiceName('a\u009b31mb');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).not.toMatch(/[\u0080-\u009f]/);
  });

  it.each(['admin:hunter2@prometheus:9090', 'http://user:pa/ss@host', 'http://user:p@ss@host:x'])('never echoes user info from %s', (url) => {
    const error = configError(() => loadConfig({ env: { PROMETHEUS_URL: url } }));
    expect(error.message).not.toMatch(/hunter2|pa\/ss|p@ss|user/);
    expect(error.message).toContain('PROMETHEUS_URL');
  });

  it('keeps the configuration error on one line for multi-line templates', () => {
    const yaml = 'queries:\n  memory: |\n    sum by (pid) (\n      x{job="$service\n    )\n';
    const error = configError(() => loadConfig({ env: {}, configPath: 'c.yml', readFile: () => yaml }));
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain('queries.memory');
  });

  it('refuses durations that round to zero', () => {
    expect(parseDuration('0.0001s')).toBeNull();
    expect(parseDurationSetting(0.0001)).toBeNull();
    expect(() => loadConfig({ env: { PROMETHEUS_URL: 'http://p:9090', PROMETHEUS_TIMEOUT: '0.4ms' } })).toThrow(/PROMETHEUS_TIMEOUT/);
  });

  it('refuses dates that do not exist', () => {
    expect(() => parseEnd('2026-02-30T12:00:00Z')).toThrow(/--end/);
    expect(() => parseEnd('2026-03-01T24:00:00Z')).toThrow(/--end/);
    expect(parseEnd('2026-02-28T12:00:00+01:00')).toBe(Date.UTC(2026, 1, 28, 11));
  });

  it('picks the byte unit after rounding', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1 MiB');
    expect(formatBytes(1023.9 * 1024 * 1024)).toBe('1 GiB');
    expect(formatBytes(412 * 1024 * 1024)).toBe('412 MiB');
  });
});

describe('fixed bugs found by fuzzing', () => {
  it('keeps the regex context across a comment between =~ and the literal', () => {
    expect(renderTemplate('up{job=~ # note\n"$service"}', 'a.b')).toBe('up{job=~ # note\n"a\\\\.b"}');
    expect(renderTemplate('up{job= # =~\n"$service"}', 'a.b')).toBe('up{job= # =~\n"a.b"}');
  });

  it('never cuts an emoji in half when shortening text', () => {
    const shown = printable('a'.repeat(59) + '😀😀');
    expect(shown).toBe('a'.repeat(59) + '😀…');
  });

  it('reads the window menu value as plain digits only', () => {
    expect(parseWindowAction({ selected_option: { value: '0x36EE80' } }).ok).toBe(false);
    expect(parseWindowAction({ selected_option: { value: ' 36e5 ' } }).ok).toBe(false);
    expect(parseWindowAction({ selected_option: { value: '3600000' } })).toEqual({ ok: true, value: 3_600_000 });
  });
});

describe('fixed bugs found by the benchmark', () => {
  it('patches the body parser Bolt itself calls, not a copy of its module (the copy broke under tsx)', () => {
    hardenBoltBodyParsing();
    hardenBoltBodyParsing();
    // Read Bolt's module the way Bolt's receiver does: through Node's require, not a namespace import.
    const boltRequire = createRequire(require.resolve('@slack/bolt'));
    const functions = boltRequire('./receivers/HTTPModuleFunctions') as {
      parseHTTPRequestBody: (req: { rawBody: Buffer; headers: Record<string, string> }) => unknown;
    };
    const request = (body: string) => ({ rawBody: Buffer.from(body), headers: { 'content-type': 'application/json' } });
    expect(() => functions.parseHTTPRequestBody(request('null'))).toThrow('not a JSON object');
    expect(() => functions.parseHTTPRequestBody(request('[1]'))).toThrow('not a JSON object');
    expect(functions.parseHTTPRequestBody(request('{"a":1}'))).toEqual({ a: 1 });
  });

  it('patches it under tsx too, which the bench and soak scripts run on', () => {
    const script = [
      "require('./src/slack/bolt-hardening.ts').hardenBoltBodyParsing();",
      "const f = require('@slack/bolt/dist/receivers/HTTPModuleFunctions');",
      "try { f.parseHTTPRequestBody({ rawBody: Buffer.from('null'), headers: { 'content-type': 'application/json' } }); console.log('unpatched'); }",
      "catch (e) { console.log(String(e.message)); }",
    ].join('\n');
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), '-e', script], { encoding: 'utf8', cwd: process.cwd() });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('the request body is not a JSON object');
  });
});
