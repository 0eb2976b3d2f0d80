import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Env } from '../../src/config/load';
import type { CliIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { wrap } from '../../src/cli/text-report';
import { CHECKLIST_STEP_IDS, STEP_TITLES } from '../../src/domain/checklist';
import { PATTERN_IDS } from '../../src/domain/diagnosis';
import { DEMO_SERVICES } from '../../src/simulation/demo-services';

const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(argv: readonly string[], env: Env = {}, nowMs = NOW): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    now: () => nowMs,
  };
  const code = await main(argv, env, io);
  return { code, stdout, stderr };
}

/** stderr split into lines, without the final newline. */
const lines = (text: string): string[] => text.replace(/\n$/, '').split('\n');

describe('wrap', () => {
  it.each([
    // [text, width, firstPrefix, restPrefix, expected lines]
    ['aaa bbb ccc', 7, '', '', ['aaa bbb', 'ccc']],
    ['aaa bbb ccc', 11, '', '', ['aaa bbb ccc']],
    ['aaa bbb ccc', 10, '', '', ['aaa bbb', 'ccc']],
    ['aaa bbb ccc', 3, '', '', ['aaa', 'bbb', 'ccc']],
    ['one two three four', 12, '  • ', '    ', ['  • one two', '    three', '    four']],
    ['Found: nothing', 20, '     Found: ', '            ', ['     Found: Found:', '            nothing']],
    ['`ps -eo pid,ppid,rss,etime,cmd --sort=-rss | head -20` then more', 20, '', '', ['`ps -eo', 'pid,ppid,rss,etime,cmd', '--sort=-rss | head', '-20` then more']],
    ['averyveryverylongword short', 10, '> ', '> ', ['> averyveryverylongword', '> short']],
    ['  spaced   out\n\ttext  ', 100, '', '', ['spaced out text']],
    ['', 10, '  • ', '    ', ['  • ']],
  ])('%j at width %i', (text, width, first, rest, expected) => {
    expect(wrap(text, width, first, rest)).toEqual(expected);
  });

  it('uses the first prefix for continuation lines when no rest prefix is given', () => {
    expect(wrap('aa bb cc', 5, '# ')).toEqual(['# aa', '# bb', '# cc']);
  });

  it('never cuts a word and keeps every line within the width unless one word alone is longer', () => {
    const text =
      'With prometheus_client in multiprocess mode (PROMETHEUS_MULTIPROC_DIR, usual under Gunicorn), the process collector is off, so process_resident_memory_bytes is not exported.';
    const words = text.split(' ');
    for (const width of [10, 20, 33, 40, 60, 80, 100]) {
      const out = wrap(text, width, '  • ', '    ');
      expect(out[0]!.startsWith('  • ')).toBe(true);
      for (const line of out.slice(1)) expect(line.startsWith('    ')).toBe(true);
      const rejoined = out.map((l) => l.slice(4)).join(' ');
      expect(rejoined).toBe(text);
      for (const line of out) {
        const body = line.slice(4);
        if (line.length > width) expect(body.includes(' ')).toBe(false);
        for (const w of body.split(' ')) expect(words).toContain(w);
      }
    }
  });
});

describe('pymem: usage errors', () => {
  it('help prints the usage and exits 0', async () => {
    for (const argv of [['help'], ['--help'], ['-h']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('usage: pymem analyze <service>');
      expect(r.stdout).toContain('Exit codes: 0 diagnosed, 2 bad usage, 3 bad configuration, 4 metrics backend failed, 5 no usable data.');
      expect(r.stderr).toBe('');
    }
  });

  it('no arguments prints the usage and exits 2', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('usage: pymem analyze <service>');
  });

  it('an unknown command exits 2 with one stderr line', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('pymem: unknown command "frobnicate"; try `pymem help`\n');
    expect(lines(r.stderr)).toHaveLength(1);
  });

  it('analyze without a name exits 2', async () => {
    const r = await run(['analyze', '--demo']);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith('pymem: a service name is required\n')).toBe(true);
    expect(r.stderr).toContain('usage: pymem analyze');
    expect(r.stdout).toBe('');
  });

  it('analyze with two names exits 2', async () => {
    const r = await run(['analyze', 'a', 'b', '--demo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pymem: one service at a time \(got 2: a b\)\n/);
  });

  it.each([
    ['a"b', '"a"b" is not a service name'],
    ['a{b}', '"a{b}"'],
    ['a\nb', '"a\\u000ab"'],
    ['"} or vector(1) #', 'is not a service name'],
    ['$service', '"$service"'],
    ['x'.repeat(129), 'at most 128 characters'],
  ])('refuses the name %j with one stderr line', async (name, fragment) => {
    const r = await run(['analyze', name, '--demo']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith('pymem: ')).toBe(true);
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(fragment);
  });

  it.each([
    [['analyze', 'checkout-api', '--frobnicate', '--demo'], /^pymem: .*frobnicate/],
    [['analyze', 'checkout-api', '--window', '5m', '--demo'], /^pymem: --window: the shortest window is 10m\n$/],
    [['analyze', 'checkout-api', '--window', '9m', '--demo'], /^pymem: --window: the shortest window is 10m\n$/],
    [['analyze', 'checkout-api', '--window', 'banana', '--demo'], /^pymem: --window: expected a duration such as 1h, 6h, 24h or 7d, got "banana"\n$/],
    [['analyze', 'checkout-api', '--window', '31d', '--demo'], /^pymem: --window 744h is longer than the longest allowed window/],
    [['analyze', 'checkout-api', '--end', 'yesterday', '--demo'], /^pymem: --end: expected an RFC 3339 time/],
    [['analyze', 'checkout-api', '--demo', '--prometheus', 'http://x:9090'], /^pymem: --demo and --prometheus exclude each other\n$/],
    [['analyze', 'checkout-api', '--demo', '--prometheus', 'x'], /^pymem: --demo and --prometheus exclude each other\n$/],
    [['analyze', 'checkout-api', '--json', '--demo', '--window'], /^pymem: /],
  ])('%j exits 2', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('without a backend and without --demo exits 2 and says how to get one', async () => {
    const r = await run(['analyze', 'checkout-api']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^pymem: no metrics backend/);
    expect(r.stderr).toContain('PROMETHEUS_URL');
    expect(r.stderr).toContain('--demo');
  });
});

describe('pymem: configuration errors', () => {
  it('an invalid PROMETHEUS_URL exits 3 with one line', async () => {
    const r = await run(['analyze', 'checkout-api'], { PROMETHEUS_URL: 'ftp://admin:hunter2@prometheus' });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^pymem: invalid configuration: PROMETHEUS_URL: /);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('a bad config file exits 3, even with --demo', async () => {
    const r = await run(['analyze', 'checkout-api', '--demo'], { PYMEM_TZ: 'Mars/Olympus' });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('pymem: invalid configuration: PYMEM_TZ: unknown time zone "Mars/Olympus"; use an IANA name such as Europe/Berlin or UTC\n');
  });

  it('an invalid --prometheus exits 3 naming the flag', async () => {
    const r = await run(['analyze', 'checkout-api', '--prometheus', 'not-a-url']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^pymem: invalid configuration: --prometheus: expected an http\(s\) URL/);
  });
});

describe('pymem analyze --demo', () => {
  it('--json prints a whole diagnosis', async () => {
    const r = await run(['analyze', 'checkout-api', '--demo', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out['status']).toBe('diagnosed');
    expect(out['service']).toBe('checkout-api');
    const window = out['window'] as { start: string; end: string; durationSeconds: number; stepSeconds: number };
    expect(window.end).toBe(new Date(NOW).toISOString());
    expect(window.durationSeconds).toBe(6 * 3600);
    expect(Date.parse(window.end) - Date.parse(window.start)).toBe(6 * 3_600_000);
    expect(PATTERN_IDS as readonly unknown[]).toContain(out['pattern']);
    const confidence = out['confidence'] as number;
    expect(typeof confidence).toBe('number');
    expect(confidence).toBeGreaterThanOrEqual(0);
    expect(confidence).toBeLessThanOrEqual(1);
    const findings = out['findings'] as unknown[];
    expect(Array.isArray(findings)).toBe(true);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(typeof f).toBe('string');
    const checklist = out['checklist'] as { id: string; title: string }[];
    expect(checklist).toHaveLength(5);
    expect(checklist.map((s) => s.id)).toEqual([...CHECKLIST_STEP_IDS]);
    expect(checklist.map((s) => s.title)).toEqual(CHECKLIST_STEP_IDS.map((id) => STEP_TITLES[id]));
  });

  it('--end sets the end of the window', async () => {
    const r = await run(['analyze', 'checkout-api', '--end', '2026-03-01T09:30:00Z', '--demo', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { window: { start: string; end: string } };
    expect(out.window.end).toBe('2026-03-01T09:30:00.000Z');
    expect(out.window.start).toBe('2026-03-01T03:30:00.000Z');
  });

  it('--end 2026-03-02T12:00:00Z is the end of the window', async () => {
    const r = await run(['analyze', 'checkout-api', '--end', '2026-03-02T12:00:00Z', '--demo', '--json'], {}, NOW + 3 * 86_400_000);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { window: { end: string } }).window.end).toBe('2026-03-02T12:00:00.000Z');
  });

  it('--end 2026-03-02T12:00:00Z with --window 24h', async () => {
    const r = await run(['analyze', 'checkout-api', '--end', '2026-03-02T12:00:00Z', '--window', '24h', '--demo', '--json'], {}, NOW + 3 * 86_400_000);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { window: { start: string; end: string; durationSeconds: number } };
    expect(out.window.end).toBe('2026-03-02T12:00:00.000Z');
    expect(out.window.start).toBe('2026-03-01T12:00:00.000Z');
    expect(out.window.durationSeconds).toBe(86_400);
  });

  it('an unknown demo service exits 5 with one line naming the demo services', async () => {
    const r = await run(['analyze', 'no-such-service', '--demo']);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^pymem: there is no demo service called "no-such-service"/);
    for (const demo of DEMO_SERVICES) expect(r.stderr).toContain(demo.name);
  });

  it('prints findings and the five checklist steps as text', async () => {
    const r = await run(['analyze', 'checkout-api', '--demo']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = lines(r.stdout);
    expect(out[0]).toMatch(/^checkout-api · last 6h \(.* UTC – 12:00 UTC\) · the built-in demo services$/);
    expect(out[1]).toMatch(/^Pattern: .+ \[[a-z-]+.*\], confidence [01]\.\d\d$/);
    expect(out).toContain('Findings');
    expect(out).toContain('Checklist');
    expect(out.indexOf('Findings')).toBeLessThan(out.indexOf('Checklist'));
    CHECKLIST_STEP_IDS.forEach((id, k) => {
      expect(out.some((l) => l.startsWith(`  ${k + 1}. ${STEP_TITLES[id]}`))).toBe(true);
    });
    expect(out.filter((l) => l.startsWith('     Found: '))).toHaveLength(5);
  });

  it('shows times in PYMEM_TZ', async () => {
    const r = await run(['analyze', 'checkout-api', '--demo'], { PYMEM_TZ: 'Europe/Berlin' });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toContain('– 13:00 GMT+1)');
  });
});

describe('pymem analyze: links to the dashboard and the runbook', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pymem-cli-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const configFile = (name: string, yaml: string): string => {
    const path = join(dir, name);
    writeFileSync(path, yaml);
    return path;
  };
  const LINKS = configFile(
    'links.yaml',
    'links:\n  dashboard: "https://grafana.example/d/abc/memory?var-service=$service&from=$from_ms&to=$to_ms&tz=$from"\n  runbook: https://wiki.example/runbooks/$service\n',
  );
  const SIX_HOURS_AGO = NOW - 6 * 3_600_000;

  it('--json has links: null when none is configured', async () => {
    const r = await run(['analyze', 'checkout-api', '--demo', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Record<string, unknown>)['links']).toBeNull();
  });

  it('--json has the rendered URLs over the analysed window, in UTC whatever PYMEM_TZ says', async () => {
    const r = await run(['analyze', 'checkout-api', '--demo', '--json', '--config', LINKS], { PYMEM_TZ: 'America/New_York' });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { links: unknown; window: { start: string; end: string } };
    expect(out.window.start).toBe(new Date(SIX_HOURS_AGO).toISOString());
    expect(out.links).toEqual({
      dashboard: `https://grafana.example/d/abc/memory?var-service=checkout-api&from=${SIX_HOURS_AGO}&to=${NOW}&tz=2026-03-02T06%3A00%3A00Z`,
      runbook: 'https://wiki.example/runbooks/checkout-api',
    });
  });

  it('the text report lists them, whole, after the checklist', async () => {
    const r = await run(['analyze', 'checkout-api', '--demo', '--config', LINKS]);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out.indexOf('Links')).toBeGreaterThan(out.indexOf('Checklist'));
    expect(out).toContain(`  Dashboard: https://grafana.example/d/abc/memory?var-service=checkout-api&from=${SIX_HOURS_AGO}&to=${NOW}&tz=2026-03-02T06%3A00%3A00Z`);
    expect(out).toContain('  Runbook:   https://wiki.example/runbooks/checkout-api');
    expect((await run(['analyze', 'checkout-api', '--demo'])).stdout).not.toContain('Links');
  });

  it('a bad template exits 3 with one line naming the setting', async () => {
    const bad = configFile('bad.yaml', 'links:\n  runbook: https://wiki.example/$servce\n');
    const r = await run(['analyze', 'checkout-api', '--demo', '--config', bad]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr.startsWith(`pymem: invalid configuration: ${bad}: links.runbook: unknown placeholder "$servce"; `)).toBe(true);
  });
});
