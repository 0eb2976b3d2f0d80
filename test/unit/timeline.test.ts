import { describe, expect, it } from 'vitest';
import { buildTimeline, formatStamp, renderTimelineMarkdown, slackMessageLink, timelineJson, type TimelineInput } from '../../src/domain/timeline';

const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);

function input(overrides: Partial<TimelineInput> = {}): TimelineInput {
  return {
    incident: {
      id: 'inc-1',
      channelId: 'C0INCIDENT1',
      service: 'checkout-api',
      messageTs: '1772452800.000100',
      windowMs: 6 * 3_600_000,
      startMs: T0 - 6 * 3_600_000,
      endMs: T0,
      createdBy: 'U0ALICE',
      createdAt: T0 + 1_000,
      pattern: 'one-worker-growing',
      confidence: 0.87,
      verdict: 'One worker | pid 4312 grows.',
      findings: ['pid 4312 on web-2 grew by 412 MiB.', 'The *others* stay flat.'],
      steps: [
        { id: 'find-worker', title: 'Find which worker grows' },
        { id: 'worker-changes', title: 'Check worker and concurrency changes' },
      ],
    },
    ticks: [
      { stepId: 'find-worker', userId: 'U0ALICE', checked: true, at: T0 + 60_000 },
      // Recorded later but stamped earlier by another replica's clock: time order wins.
      { stepId: 'worker-changes', userId: 'U0BOB', checked: true, at: T0 + 30_000 },
      { stepId: 'find-worker', userId: 'U0BOB', checked: false, at: T0 + 120_000 },
    ],
    reruns: [{ userId: 'U0CAROL', at: T0 + 90_000, windowMs: 3_600_000, pattern: 'stable', confidence: 0.7, verdict: 'Memory is stable now.', messageTs: '1772452890.000200' }],
    verifications: [{ kind: 'verify', at: T0 + 150_000, verdict: 'fixed', by: 'U0DAVE' }],
    resolution: { userId: 'U0ALICE', at: T0 + 180_000 },
    timeZone: 'Europe/Berlin',
    workspaceUrl: 'https://acme.slack.com/',
    ...overrides,
  };
}

describe('buildTimeline', () => {
  it('puts every event in time order with its author, equal times in recorded order', () => {
    const t = buildTimeline(input(), T0 + 200_000);
    expect(t.entries.map((e) => [e.kind, e.userId])).toEqual([
      ['reported', 'U0ALICE'],
      ['ticked', 'U0BOB'],
      ['ticked', 'U0ALICE'],
      ['rerun', 'U0CAROL'],
      ['unticked', 'U0BOB'],
      ['verify', 'U0DAVE'],
      ['resolved', 'U0ALICE'],
    ]);
    const same = buildTimeline(
      input({ ticks: [{ stepId: 'find-worker', userId: 'U0A', checked: true, at: T0 + 1_000 }, { stepId: 'find-worker', userId: 'U0B', checked: false, at: T0 + 1_000 }], reruns: [], verifications: [], resolution: null }),
      T0,
    );
    expect(same.entries.map((e) => e.userId)).toEqual(['U0ALICE', 'U0A', 'U0B']);
  });

  it('names a tick by its step title, and an unknown step by its id', () => {
    const t = buildTimeline(input({ ticks: [{ stepId: 'gone-step', userId: 'U0A', checked: true, at: T0 + 5_000 }] }), T0);
    expect(t.entries[1]).toMatchObject({ kind: 'ticked', stepTitle: 'gone-step' });
  });

  it('links the report and thread replies to their messages', () => {
    const t = buildTimeline(input(), T0);
    expect(t.link).toBe('https://acme.slack.com/archives/C0INCIDENT1/p1772452800000100');
    expect(t.entries.find((e) => e.kind === 'rerun')).toMatchObject({
      link: 'https://acme.slack.com/archives/C0INCIDENT1/p1772452890000200?thread_ts=1772452800.000100&cid=C0INCIDENT1',
    });
    expect(slackMessageLink(null, 'C0X', '1.000001')).toBe('https://slack.com/archives/C0X/p1000001');
  });
});

describe('renderTimelineMarkdown', () => {
  it('lists the report, findings and every event with times in UTC and the configured zone', () => {
    const md = renderTimelineMarkdown(buildTimeline(input(), T0 + 200_000));
    expect(md).toContain('# Incident timeline: checkout-api');
    expect(md).toContain('- **Pattern:** `one-worker-growing` (one worker growing), confidence 0.87');
    expect(md).toContain('- **Status:** Resolved by @U0ALICE at 2026-03-02 12:03:00 UTC (2026-03-02 13:03:00 GMT+1)');
    expect(md).toContain('- The \\*others\\* stay flat.');
    expect(md).toContain('| Time (UTC) | Time (Europe/Berlin) | Who | What |');
    const rows = md.split('\n').filter((l) => l.startsWith('| 2026'));
    expect(rows).toHaveLength(7);
    expect(rows[0]).toBe('| 2026-03-02 12:00:01 UTC | 2026-03-02 13:00:01 GMT+1 | @U0ALICE | Report posted ([message](https://acme.slack.com/archives/C0INCIDENT1/p1772452800000100)) |');
    expect(rows[4]).toContain('| @U0BOB | Unticked “Find which worker grows” (reopened) |');
    expect(rows[3]).toContain('Re-run over the last 60 min: `stable` (memory stable), confidence 0.70. Memory is stable now.');
    expect(rows[5]).toContain('| @U0DAVE | Fix verified: fixed |');
    expect(rows[6]).toContain('| @U0ALICE | Incident resolved |');
    // A pipe in a verdict cannot split a table row.
    expect(md).toContain('- **Verdict:** One worker | pid 4312 grows.');
  });

  it('shows one time column when the zone is UTC, and says when the incident is open', () => {
    const md = renderTimelineMarkdown(buildTimeline(input({ timeZone: 'UTC', resolution: null, verifications: [] }), T0));
    expect(md).toContain('| Time (UTC) | Who | What |');
    expect(md).toContain('- **Status:** Open');
    expect(md).not.toContain('GMT');
  });
});

describe('timelineJson', () => {
  it('gives each event its kind, user and time in both zones', () => {
    const json = timelineJson(buildTimeline(input(), T0 + 200_000)) as { incident: Record<string, unknown>; events: Record<string, unknown>[] };
    expect(json.incident).toMatchObject({ status: 'resolved', resolution: { by: 'U0ALICE', at: { utc: '2026-03-02T12:03:00.000Z' } }, pattern: 'one-worker-growing' });
    expect(json.events.map((e) => e['kind'])).toEqual(['reported', 'ticked', 'ticked', 'rerun', 'unticked', 'verify', 'resolved']);
    expect(json.events[4]).toStrictEqual({ kind: 'unticked', stepId: 'find-worker', stepTitle: 'Find which worker grows', at: { utc: '2026-03-02T12:02:00.000Z', local: '2026-03-02 13:02:00 GMT+1' }, user: 'U0BOB' });
    expect(JSON.parse(JSON.stringify(json))).toStrictEqual(json);
  });
});

describe('formatStamp', () => {
  it('formats to the second in the given zone', () => {
    expect(formatStamp(Date.UTC(2026, 6, 1, 23, 59, 59), 'America/New_York')).toBe('2026-07-01 19:59:59 EDT');
    expect(formatStamp(Date.UTC(2026, 0, 1, 0, 0, 0), 'UTC')).toBe('2026-01-01 00:00:00 UTC');
  });
});
