/**
 * Verifying a fix in Slack, pure parts: parsing `/pymem verify`, resolving `since`, and the Block
 * Kit of the result and of the report header, checked by the Slack stand-in's validator.
 */
import { describe, expect, it } from 'vitest';
import { latestClockTime, parseCommand, parseSinceText, resolveSince } from '../../src/bot/command';
import { DemoSource } from '../../src/metrics/demo';
import { verifyFix, type Verification } from '../../src/domain/verify';
import { helpMessage, reportMessage } from '../../src/slack/blocks';
import { headerVerdictSuffix, VERIFY_ACTIONS, verificationMessage } from '../../src/slack/verify-blocks';
import { validateBlocks, type BlockValidationContext } from '../../src/slack-standin/block-validation';
import { makeStoredReport } from '../support/store-suite';

const MAX_WINDOW = 7 * 24 * 3_600_000;
const NOW = Date.parse('2026-03-02T12:00:00Z');
const withChart: BlockValidationContext = { findFile: (ref) => (ref.id === 'F0VERIFY01' ? { mimetype: 'image/png', ready: true } : undefined) };

describe('/pymem verify', () => {
  it.each([
    ['verify checkout-api', { kind: 'verify', service: 'checkout-api', since: { kind: 'deploy' } }],
    ['verify checkout-api since deploy', { kind: 'verify', service: 'checkout-api', since: { kind: 'deploy' } }],
    ['VERIFY checkout-api since 14:05', { kind: 'verify', service: 'checkout-api', since: { kind: 'clock', hour: 14, minute: 5 } }],
    ['verify checkout-api since 2h ago', { kind: 'verify', service: 'checkout-api', since: { kind: 'ago', ms: 2 * 3_600_000 } }],
    ['verify checkout-api since 2026-03-02T10:00:00Z', { kind: 'verify', service: 'checkout-api', since: { kind: 'at', ms: Date.parse('2026-03-02T10:00:00Z') } }],
    ['verify checkout-api since 2026-03-02T11:00:00+01:00', { kind: 'verify', service: 'checkout-api', since: { kind: 'at', ms: Date.parse('2026-03-02T10:00:00Z') } }],
    ['verify checkout-api since 1772445600', { kind: 'verify', service: 'checkout-api', since: { kind: 'at', ms: 1772445600_000 } }],
  ])('%s', (text, expected) => {
    expect(parseCommand(text, MAX_WINDOW)).toEqual(expected);
  });

  it.each([
    ['verify', /^Usage: `verify <service> \[since <time>\]`/],
    ['verify checkout-api 6h', /^Usage: `verify/],
    ['verify checkout-api since', /^Usage: `verify/],
    ['verify checkout-api since yesterday', /^`yesterday` is not a time\. Usage/],
    ['verify checkout-api since 25:00', /^`25:00` is not a time/],
    ['verify checkout-api since 0h ago', /^`0h ago` is not a time/],
    ['verify checkout-api since 2026-02-30T10:00:00Z', /^`2026-02-30T10:00:00Z` is not a time/],
    ['verify no/such', /service name/i],
  ])('refuses %j with a clear message', (text, message) => {
    const parsed = parseCommand(text, MAX_WINDOW);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') expect(parsed.message).toMatch(message);
  });

  it('a wall-clock time is the latest one past, in the bot’s time zone', () => {
    expect(latestClockTime(11, 30, NOW, 'UTC')).toBe(Date.parse('2026-03-02T11:30:00Z'));
    expect(latestClockTime(13, 0, NOW, 'UTC')).toBe(Date.parse('2026-03-01T13:00:00Z'));
    // Berlin is UTC+1 in March before the switch: 12:30 there is 11:30 UTC.
    expect(latestClockTime(12, 30, NOW, 'Europe/Berlin')).toBe(Date.parse('2026-03-02T11:30:00Z'));
    expect(latestClockTime(13, 30, NOW, 'Europe/Berlin')).toBe(Date.parse('2026-03-01T12:30:00Z'));
    expect(resolveSince({ kind: 'ago', ms: 3_600_000 }, NOW, 'UTC', 0)).toEqual({ kind: 'at', ms: NOW - 3_600_000, origin: 'given' });
    expect(resolveSince({ kind: 'deploy' }, NOW, 'UTC', 42)).toEqual({ kind: 'latest-deploy', fallbackMs: 42 });
    expect(parseSinceText('DEPLOY')).toEqual({ kind: 'deploy' });
  });

  it('is in the help', () => {
    expect(JSON.stringify(helpMessage('/pymem').blocks)).toContain('/pymem verify &lt;service&gt; [since &lt;time&gt;]');
  });
});

async function demoVerification(): Promise<Verification> {
  const series = await new DemoSource().fetchService({ service: 'profile-api', window: { endMs: NOW, durationMs: 6 * 3_600_000 } });
  const outcome = verifyFix({ series, since: { kind: 'latest-deploy', fallbackMs: null } });
  if (outcome.status !== 'verified') throw new Error(outcome.message);
  return outcome.verification;
}

describe('the verification message', () => {
  it('is valid Block Kit, with the chart, both periods, the findings and the re-check button', async () => {
    const v = await demoVerification();
    const message = verificationMessage({
      incidentId: 'inc-1',
      verification: v,
      chartFileId: 'F0VERIFY01',
      chartProblem: null,
      requestedBy: 'U0ALICE',
      at: NOW,
      timeZone: 'UTC',
      sourceDescription: 'the built-in demo services',
    });
    expect(validateBlocks(message.blocks, withChart)).toEqual([]);
    const json = JSON.stringify(message.blocks);
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: 'profile-api — fix verification: fixed' } });
    expect(json).toContain('(the latest deploy: every worker replaced)');
    expect(json).toContain('*Before* · 4 h from 06:00 UTC');
    expect(json).toContain('8 of 8 workers grew');
    expect(json).toContain(`"action_id":"${VERIFY_ACTIONS.recheck}"`);
    expect(json).toContain('Verified for <@U0ALICE>');
    expect(message.text).toMatch(/^profile-api: fix verification — fixed\. Fixed: /);
  });

  it('without a chart says why, and a scheduled one says so', async () => {
    const v = await demoVerification();
    const message = verificationMessage({ incidentId: 'inc-1', verification: v, chartFileId: null, chartProblem: 'uploading the chart to Slack failed (ratelimited)', requestedBy: null, at: NOW, timeZone: 'UTC', sourceDescription: 'x' });
    expect(validateBlocks(message.blocks)).toEqual([]);
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('No chart this time: uploading the chart to Slack failed (ratelimited)');
    expect(json).toContain('Scheduled re-check at 12:00 UTC');
  });

  it('the report shows a Verify fix button, and the latest verdict in its header once there is one', () => {
    const view = { incidentId: 'inc-1', service: 'checkout-api', windowMs: 6 * 3_600_000, createdBy: 'U0ALICE', createdAt: NOW, report: makeStoredReport({ chartFileId: null }), state: {}, digestsAvailable: true };
    const before = reportMessage(view);
    expect(validateBlocks(before.blocks)).toEqual([]);
    expect(JSON.stringify(before.blocks)).toContain(`"action_id":"${VERIFY_ACTIONS.verify}","text":{"type":"plain_text","text":"Verify fix"},"value":"inc-1"`);
    expect(JSON.stringify(before.blocks)).not.toContain('latest_verification');
    const after = reportMessage({ ...view, latestVerification: { verdict: 'fixed', summary: 'Fixed: the growth of 192 MiB/h has stopped.', requestedBy: 'schedule', at: NOW } });
    expect(validateBlocks(after.blocks)).toEqual([]);
    expect(after.blocks[0]).toMatchObject({ type: 'header', text: { text: 'checkout-api — one worker growing · fixed' } });
    expect(after.blocks[1]).toMatchObject({ type: 'context', block_id: 'latest_verification' });
    expect(JSON.stringify(after.blocks[1])).toContain('scheduled re-check');
    expect(headerVerdictSuffix('too-early')).toBe(' · too early to tell');
  });
});
