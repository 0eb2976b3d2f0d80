import { describe, expect, it } from 'vitest';
import { growthStatus, isQuiet, measuredEntry, parseSummary, rankEntries, summarize, withChanges, type DigestEntry } from '../../src/domain/digest';
import { digestMessage, entryText, DIGEST_ACTIONS } from '../../src/slack/digest-blocks';
import { describeSchedule } from '../../src/config/schedule';
import { periodKeyOf } from '../../src/digest/digest-runner';
import { parseCommand } from '../../src/bot/command';
import { SLACK_LIMITS } from '../../src/slack/limits';
import { reportFor } from '../support/report-factory';

const MIB = 1024 * 1024;
const measured = (service: string, startMiB: number, endMiB: number, extra: Partial<Extract<DigestEntry, { kind: 'measured' }>> = {}): DigestEntry => {
  const growthBytes = (endMiB - startMiB) * MIB;
  const growthFraction = growthBytes / (startMiB * MIB);
  return { kind: 'measured', service, status: growthStatus(growthBytes, growthFraction), pattern: 'stable', startBytes: startMiB * MIB, currentBytes: endMiB * MIB, growthBytes, growthFraction, limitBytes: null, usedFraction: null, hoursToLimit: null, change: null, ...extra };
};
const view = (entries: DigestEntry[]) => ({ entries: rankEntries(entries), windowMs: 86_400_000, endMs: Date.UTC(2026, 2, 2, 8), timeZone: 'UTC', chartFileId: 'F0DIGEST', chartProblem: null });

describe('digest maths', () => {
  it('calls growth only when it is both relative and absolute', () => {
    expect(growthStatus(100 * MIB, 0.2)).toBe('grew');
    expect(growthStatus(10 * MIB, 0.2)).toBe('steady');
    expect(growthStatus(500 * MIB, 0.02)).toBe('steady');
    expect(growthStatus(-100 * MIB, -0.2)).toBe('shrank');
  });

  it('measures a diagnosis: growth, headroom and forecast come from the engine', () => {
    const d = reportFor('one-8w-6h').diagnosis;
    const e = measuredEntry('ow-a', d);
    expect(e).toMatchObject({ kind: 'measured', pattern: 'one-worker-growing', status: 'grew', limitBytes: d.limit!.bytes, hoursToLimit: d.limit!.hoursToLimit });
    if (e.kind === 'measured') expect(e.growthBytes).toBeCloseTo(d.totals.endBytes - d.totals.startBytes);
  });

  it('ranks growers first, by growth, then the unmeasured, then the rest by name', () => {
    const ranked = rankEntries([
      measured('zeta', 100, 101),
      { kind: 'error', service: 'broken', message: 'timeout', change: null },
      measured('small-grower', 100, 130),
      measured('big-grower', 100, 200),
      measured('alpha', 100, 99),
    ]);
    expect(ranked.map((e) => e.service)).toEqual(['big-grower', 'small-grower', 'broken', 'alpha', 'zeta']);
  });

  it('compares with the previous digest and survives a garbled summary', () => {
    const before = summarize([measured('a', 100, 102), { kind: 'no-data', service: 'b', reason: 'x', change: null }]);
    const round = parseSummary(JSON.parse(JSON.stringify(before)));
    const now = withChanges([measured('a', 100, 150), measured('b', 100, 101), measured('c', 1, 1)], round);
    expect(now[0]!.change).toMatchObject({ previousGrowthFraction: 0.02, currentBytesDelta: 48 * MIB, wasMissing: false });
    expect(now[1]!.change).toMatchObject({ wasMissing: true });
    expect(now[2]!.change).toBeNull();
    expect(parseSummary({ entries: 'nope' })).toBeNull();
    expect(parseSummary(null)).toBeNull();
  });

  it('a quiet day: nothing grew, nothing failed, nothing close to its limit', () => {
    expect(isQuiet([measured('a', 100, 101), measured('b', 100, 98)])).toBe(true);
    expect(isQuiet([measured('a', 100, 130)])).toBe(false);
    expect(isQuiet([{ kind: 'no-data', service: 'x', reason: 'r', change: null }])).toBe(false);
    expect(isQuiet([measured('a', 100, 101, { hoursToLimit: 20, limitBytes: 200 * MIB })])).toBe(false);
  });
});

describe('digest message', () => {
  it('is one short line on a quiet day', () => {
    const msg = digestMessage(view([measured('a', 100, 101), measured('b', 100, 98)]));
    expect(msg.blocks).toHaveLength(1);
    expect(JSON.stringify(msg.blocks)).toMatch(/all 2 services steady over the last 24 h/);
  });

  it('lists growers with growth, headroom, forecast, pattern and change, each with an Analyse button', () => {
    const grower = measured('checkout-api', 2000, 2400, {
      pattern: 'one-worker-growing',
      limitBytes: 4096 * MIB,
      usedFraction: 0.59,
      hoursToLimit: 31,
      change: { previousGrowthFraction: 0.02, currentBytesDelta: 400 * MIB, previousPattern: 'stable', wasMissing: false },
    });
    const msg = digestMessage(view([grower, measured('steady-api', 100, 101), { kind: 'error', service: 'slow-api', message: 'the metrics backend took longer than 30 s', change: null }]));
    const text = entryText(grower);
    expect(text).toBe('*checkout-api* :chart_with_upwards_trend: *+20%* (+400 MiB) · now 2.34 GiB of 4 GiB (59%) · reaches the limit in ~31 h · `one-worker-growing` · _last digest +2%, was `stable`_');
    const json = JSON.stringify(msg.blocks);
    expect(json).toContain(`"action_id":"${DIGEST_ACTIONS.analyzePrefix}:checkout-api"`);
    expect(json).toContain('slow-api* :warning: not measured: the metrics backend took longer than 30 s');
    expect(json).toContain('Steady or shrinking* (1)');
    expect(json).toContain('"slack_file":{"id":"F0DIGEST"}');
    expect(json).toContain(DIGEST_ACTIONS.analyzeSelect);
  });

  it('stays within Slack limits with hundreds of services', () => {
    const entries = Array.from({ length: 500 }, (_, i) => measured(`svc-${String(i).padStart(3, '0')}`, 100, i % 3 === 0 ? 160 : 100));
    const msg = digestMessage(view(entries));
    expect(msg.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    for (const b of msg.blocks) if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    const select = msg.blocks.find((b) => b.type === 'actions');
    expect(JSON.stringify(select).match(/"value"/g)!.length).toBeLessThanOrEqual(100);
  });
});

describe('schedules and commands', () => {
  it('names periods by their scheduled second, the same on every replica', () => {
    expect(periodKeyOf(new Date(Date.UTC(2026, 2, 2, 8, 0, 0, 437)))).toBe('2026-03-02T08:00:00.000Z');
  });

  it('describes schedules in words', () => {
    expect(describeSchedule({ cron: '0 8 * * *', timeZone: 'Europe/Berlin' })).toBe('daily at 08:00 Europe/Berlin');
    expect(describeSchedule({ cron: '30 7 * * 1-5', timeZone: 'UTC' })).toBe('on weekdays at 07:30 UTC');
    expect(describeSchedule({ cron: '*/5 * * * * *', timeZone: 'UTC' })).toBe('on the schedule "*/5 * * * * *" (UTC)');
  });

  it('parses subscribe, unsubscribe and list', () => {
    expect(parseCommand('subscribe checkout-api', 1e12)).toEqual({ kind: 'subscribe', service: 'checkout-api' });
    expect(parseCommand('UNSUBSCRIBE checkout-api', 1e12)).toEqual({ kind: 'unsubscribe', service: 'checkout-api' });
    expect(parseCommand('list', 1e12)).toEqual({ kind: 'list' });
    expect(parseCommand('subscribe', 1e12).kind).toBe('invalid');
    expect(parseCommand('subscribe a b', 1e12).kind).toBe('invalid');
    expect(parseCommand('subscribe a"b', 1e12).kind).toBe('invalid');
  });
});
