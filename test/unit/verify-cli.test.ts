/** `pymem verify` in-process against the demo: usage errors, exit codes, the JSON document and the chart file. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Env } from '../../src/config/load';
import type { CliIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';

const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);

async function run(argv: readonly string[], env: Env = {}, nowMs = NOW): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), now: () => nowMs };
  const code = await main(argv, env, io);
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'pymem-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pymem verify: usage', () => {
  it.each([
    [['verify'], /^pymem: a service name is required\nusage: pymem verify/],
    [['verify', 'a', 'b', '--demo'], /^pymem: one service at a time/],
    [['verify', 'profile-api', '--since', 'last tuesday', '--demo'], /^pymem: --since: expected an RFC 3339 time .*"deploy", got "last tuesday"\n$/],
    [['verify', 'profile-api', '--since', '2026-03-02T13:00:00Z', '--demo'], /^pymem: --since: the change must be before the end of the window/],
    [['verify', 'profile-api', '--window', '5m', '--demo'], /^pymem: --window: the shortest window is 10m\n$/],
    [['verify', 'profile-api', '--frobnicate', '--demo'], /^pymem: .*frobnicate/],
    [['verify', 'profile-api', '--demo', '--prometheus', 'http://x:9090'], /^pymem: --demo and --prometheus exclude each other\n$/],
  ])('%j exits 2', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('is listed in `pymem help`', async () => {
    const r = await run(['help']);
    expect(r.stdout).toContain('pymem verify <service>');
    expect(r.stdout).toContain('usage: pymem verify <service> [--since <RFC3339|unix seconds|deploy>]');
  });
});

describe('pymem verify --demo', () => {
  it('finds the deploy that fixed profile-api and says fixed, as JSON', async () => {
    const r = await run(['verify', 'profile-api', '--demo', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['status', 'service', 'since', 'sinceOrigin', 'before', 'after', 'verdict', 'confidence', 'needsMoreMinutes', 'summary', 'findings']);
    expect(doc).toMatchObject({ status: 'verified', service: 'profile-api', sinceOrigin: 'deploy', verdict: 'fixed', needsMoreMinutes: null });
    expect(Date.parse(doc['since'] as string)).toBeGreaterThanOrEqual(Date.UTC(2026, 2, 2, 10, 0, 0));
    expect(Date.parse(doc['since'] as string)).toBeLessThan(Date.UTC(2026, 2, 2, 10, 1, 0));
    for (const period of ['before', 'after'] as const) {
      const p = doc[period] as Record<string, unknown>;
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['pattern', 'growthMiBPerHour', 'growthUncertaintyMiBPerHour', 'workers']));
      expect((p['workers'] as unknown[]).length).toBeGreaterThan(0);
    }
    expect((doc['before'] as { growthMiBPerHour: number }).growthMiBPerHour).toBeGreaterThan(100);
    expect(doc['confidence']).toBeGreaterThan(0.9);
    expect((doc['findings'] as string[]).length).toBeGreaterThanOrEqual(3);
  });

  it('a leak that never stopped is not fixed, printed for a person', async () => {
    const r = await run(['verify', 'reports-api', '--demo', '--since', '2026-03-02T10:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^reports-api · change at 10:00 UTC · the built-in demo services\nVerdict: not-fixed, confidence 0\.\d\d\n/);
    expect(r.stdout).toContain('Not fixed: memory still grows');
  });

  it('no deploy in the window and no --since: exit 5 and how to go on', async () => {
    const r = await run(['verify', 'reports-api', '--demo', '--json']);
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'insufficient-data', reason: 'no-deploy' });
    expect(r.stderr).toMatch(/^pymem: No deploy of reports-api in this window .*give the time of the change with since\.\n$/);
  });

  it('an unknown service exits 5', async () => {
    const r = await run(['verify', 'no-such-service', '--demo']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^pymem: there is no demo service called "no-such-service"/);
  });

  it('--png writes the before/after chart', async () => {
    const file = join(dir, 'verify.png');
    const r = await run(['verify', 'profile-api', '--demo', '--png', file]);
    expect(r.code).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    expect(r.stdout).toContain(`Chart written to ${file}`);
  });
});
