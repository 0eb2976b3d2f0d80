/** src/config/env.ts: the one schema every environment variable goes through, and the only reader of process.env. */

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { botEnv, ENV_VARIABLES, playgroundEnv, startSettings, textEnv } from '../../src/config/env';
import { sourceFiles } from '../support/import-graph';

const ROOT = resolve(__dirname, '../..');

describe('the environment schema', () => {
  it('reads override texts trimmed, and blank as unset', () => {
    expect(textEnv({ PROMETHEUS_URL: '  http://p:9090 ', PYMEM_TZ: '   ', UNRELATED: 'x' })).toMatchObject({ PROMETHEUS_URL: 'http://p:9090', PYMEM_TZ: undefined });
  });

  it('gives the bot its defaults, the concurrency following the thread count', () => {
    const result = botEnv({}, { cores: 3 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ port: 3000, host: '0.0.0.0', database: { kind: 'sqlite', path: './data/pymem.sqlite' }, demo: false, logLevel: 'info', analysisThreads: 3, maxConcurrentAnalyses: 6, digestLeaseMs: 120_000, digestConcurrency: 8 });
    expect(result.value.replicaId).toMatch(/-\d+-[0-9a-f]{6}$/);
  });

  it('names every wrong variable at once, and still tells whether the demo is on', () => {
    const result = botEnv({ PORT: '70000', LOG_LEVEL: 'LOUD', PYMEM_DEMO: 'true', DATABASE_URL: 'postgres://[bad' }, { cores: 1 });
    expect(result).toEqual({
      ok: false,
      demo: true,
      issues: ['PORT: expected a whole number from 0 to 65535, got "70000"', 'DATABASE_URL: not a valid postgres:// URL', 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    });
  });

  it('decides the start: the playground only when forced with exactly "true" in production', () => {
    expect(startSettings({ NODE_ENV: 'production', PYMEM_PLAYGROUND: 'TRUE' })).toMatchObject({ production: true, playgroundForced: false });
    expect(startSettings({ NODE_ENV: 'production', PYMEM_PLAYGROUND: 'true' })).toMatchObject({ production: true, playgroundForced: true });
    expect(startSettings({ HOST: ' ', PORT: '3030', PYMEM_PLAYGROUND_PUBLIC: 'true' })).toMatchObject({ hostSet: false, portSet: true, databaseSet: false, playgroundPublic: 'true' });
  });

  it('hands the playground the PYMEM_ settings but not PYMEM_DEMO, which it decides itself', () => {
    expect(playgroundEnv({ PYMEM_TZ: 'Europe/Berlin', PYMEM_DEMO: 'false', SLACK_BOT_TOKEN: 'xoxb-1', PYMEM_X: undefined })).toEqual({ PYMEM_TZ: 'Europe/Berlin' });
  });

  it('every variable it reads is documented in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(ENV_VARIABLES.length).toBeGreaterThan(30);
    expect(ENV_VARIABLES.filter((name) => !readme.includes(name))).toEqual([]);
  });

  it('is the only module that reads process.env', () => {
    const readers = sourceFiles(ROOT, ['src', 'handlers']).filter((file) => /\bprocess\.env\b/.test(readFileSync(join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')));
    expect(readers).toEqual(['src/config/env.ts']);
  });
});
