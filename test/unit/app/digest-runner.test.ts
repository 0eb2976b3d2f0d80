/**
 * DigestRunner's decisions with in-memory fakes and a fake clock: each channel's digest for a period
 * is posted once however many replicas run, a claim whose holder died is taken over, a holder that is
 * alive keeps its claim by renewing it, a posted digest is never posted again, paused channels get no
 * work, and a channel pymem cannot post in is paused rather than retried every day.
 */

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MeasureResult } from '../../../src/analysis/jobs';
import { periodKeyOf, scheduleKey } from '../../../src/digest/digest-runner';
import { cannedMeasurement } from '../../support/fakes/fake-analysis-engine';
import { DAILY, digestDeployment, LEASE_MS } from '../../support/digest-fixtures';

const NOW = Date.UTC(2026, 2, 2, 8, 0, 0);
const PERIOD = periodKeyOf(new Date(NOW));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: NOW });
  // The runner spreads replicas' retries with a little randomness; fixed here so the waits are exact.
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('DigestRunner', () => {
  it('posts each channel’s digest once when two replicas run the same period together', async () => {
    const d = await digestDeployment();
    await d.subscribe('C0TEAM1', 'checkout-api', 'billing-worker');
    const [a, b] = [d.replica('replica-a'), d.replica('replica-b')];
    const both = Promise.all([a.runScheduled(scheduleKey(DAILY), PERIOD, NOW), b.runScheduled(scheduleKey(DAILY), PERIOD, NOW)]);
    // The loser checks back just after the winner's lease would run out.
    await vi.advanceTimersByTimeAsync(LEASE_MS + 1_000);
    const outcomes = (await both).flat().map((o) => o.outcome);
    expect(outcomes.sort()).toEqual(['posted', 'posted-elsewhere']);
    expect(d.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect((await d.store.digestRuns('C0TEAM1')).map((r) => [r.status, r.owner])).toEqual([['posted', 'replica-a']]);
    expect(d.telemetry.digestRuns.sort()).toEqual(['posted', 'posted-elsewhere']);
  });

  it('never posts a period again once it is posted (a scheduler firing twice, a restart)', async () => {
    const d = await digestDeployment();
    await d.subscribe('C0TEAM1', 'checkout-api');
    const a = d.replica('replica-a');
    expect((await a.runScheduled(scheduleKey(DAILY), PERIOD, NOW)).map((o) => o.outcome)).toEqual(['posted']);
    await vi.advanceTimersByTimeAsync(100 * LEASE_MS);
    expect((await a.runScheduled(scheduleKey(DAILY), PERIOD, NOW)).map((o) => o.outcome)).toEqual(['already-posted']);
    expect((await d.replica('replica-b').runScheduled(scheduleKey(DAILY), PERIOD, NOW)).map((o) => o.outcome)).toEqual(['already-posted']);
    expect(d.slack.callsTo('chat.postMessage')).toHaveLength(1);
    // The next period is another digest.
    const next = periodKeyOf(new Date(NOW + 24 * 3_600_000));
    expect((await a.runScheduled(scheduleKey(DAILY), next, NOW + 24 * 3_600_000)).map((o) => o.outcome)).toEqual(['posted']);
  });

  it('takes over the claim of a replica that died before posting, once its lease ran out', async () => {
    const d = await digestDeployment();
    await d.subscribe('C0TEAM1', 'checkout-api');
    // replica-a claimed and then stopped: no heartbeat, no post.
    await d.store.claimDigest('C0TEAM1', PERIOD, 'replica-a', NOW, LEASE_MS);
    const running = d.replica('replica-b').runScheduled(scheduleKey(DAILY), PERIOD, NOW);
    await vi.advanceTimersByTimeAsync(LEASE_MS - 1_000);
    expect(d.slack.callsTo('chat.postMessage')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await running).toEqual([expect.objectContaining({ channelId: 'C0TEAM1', outcome: 'posted', takenOver: true })]);
    expect((await d.store.digestRuns('C0TEAM1')).map((r) => [r.status, r.owner])).toEqual([['posted', 'replica-b']]);
  });

  it('keeps its claim while it measures longer than the lease, by renewing it', async () => {
    const d = await digestDeployment();
    await d.subscribe('C0TEAM1', 'checkout-api');
    let finish!: () => void;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    d.engine.measureFor.set('checkout-api', async (request): Promise<MeasureResult> => {
      await slow;
      return cannedMeasurement(request);
    });
    const a = d.replica('replica-a').runScheduled(scheduleKey(DAILY), PERIOD, NOW);
    await vi.advanceTimersByTimeAsync(3 * LEASE_MS);
    // replica-b wakes up late for the same period: the live holder's claim is not up for grabs.
    const claim = await d.store.claimDigest('C0TEAM1', PERIOD, 'replica-b', Date.now(), LEASE_MS);
    expect(claim.claimed).toBe(false);
    finish();
    expect((await a).map((o) => o.outcome)).toEqual(['posted']);
    expect(d.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('gives no work to paused channels', async () => {
    const d = await digestDeployment();
    await d.subscribe('C0TEAM1', 'checkout-api');
    await d.subscribe('C0PAUSED', 'billing-worker');
    await d.store.pauseChannel('C0PAUSED', 'the channel is archived', NOW - 86_400_000);
    const outcomes = await d.replica('replica-a').runScheduled(scheduleKey(DAILY), PERIOD, NOW);
    expect(outcomes.map((o) => [o.channelId, o.outcome])).toEqual([['C0TEAM1', 'posted']]);
    expect(d.engine.measures.map((m) => m.service)).toEqual(['checkout-api']);
    expect(await d.store.digestRuns('C0PAUSED')).toEqual([]);
  });

  it('runs a channel on its own schedule only', async () => {
    const own = { cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin' };
    const d = await digestDeployment({ settings: { channels: { C0BERLIN: own } } });
    await d.subscribe('C0TEAM1', 'checkout-api');
    await d.subscribe('C0BERLIN', 'checkout-api', 'search-api');
    const runner = d.replica('replica-a');
    expect([...(await runner.channelsFor(scheduleKey(DAILY))).keys()]).toEqual(['C0TEAM1']);
    expect([...(await runner.channelsFor(scheduleKey(own)))]).toEqual([['C0BERLIN', ['checkout-api', 'search-api']]]);
  });

  it('pauses, without measuring, a channel pymem cannot post in, and says why in the subscription', async () => {
    const d = await digestDeployment();
    await d.subscribe('C0ARCHIVED', 'checkout-api');
    d.slack.setConversation('C0ARCHIVED', { isArchived: true });
    const outcomes = await d.replica('replica-a').runScheduled(scheduleKey(DAILY), PERIOD, NOW);
    expect(outcomes).toEqual([{ channelId: 'C0ARCHIVED', outcome: 'paused', detail: 'the channel is archived' }]);
    expect(d.engine.measures).toEqual([]);
    expect(await d.store.subscriptions('C0ARCHIVED')).toEqual([expect.objectContaining({ pausedAt: NOW, pausedReason: 'the channel is archived' })]);
    expect((await d.store.digestRuns('C0ARCHIVED')).map((r) => r.status)).toEqual(['failed']);
  });

  it('pauses a channel Slack refuses when posting, and marks a run that failed otherwise as failed (to be retried)', async () => {
    const d = await digestDeployment();
    await d.subscribe('C0GONE', 'checkout-api');
    await d.subscribe('C0FLAKY', 'checkout-api');
    // Channels post in the order the store lists them: C0FLAKY, then C0GONE.
    d.slack.failNext('chat.postMessage', 'http_500');
    d.slack.failNext('chat.postMessage', 'channel_not_found');
    const outcomes = await d.replica('replica-a').runScheduled(scheduleKey(DAILY), PERIOD, NOW);
    expect(outcomes.map((o) => [o.channelId, o.outcome]).sort()).toEqual([
      ['C0FLAKY', 'failed'],
      ['C0GONE', 'paused'],
    ]);
    expect((await d.store.subscriptions('C0GONE'))[0]!.pausedAt).toBe(NOW);
    expect((await d.store.subscriptions('C0FLAKY'))[0]!.pausedAt).toBeNull();
    // A failed run is free for the next attempt at once.
    expect((await d.replica('replica-b').runScheduled(scheduleKey(DAILY), PERIOD, NOW)).map((o) => [o.channelId, o.outcome])).toEqual([['C0FLAKY', 'posted']]);
  });

  it('measures a service once however many channels follow it', async () => {
    const d = await digestDeployment();
    await d.subscribe('C0TEAM1', 'checkout-api', 'billing-worker');
    await d.subscribe('C0TEAM2', 'billing-worker', 'checkout-api');
    await d.subscribe('C0TEAM3', 'checkout-api');
    const outcomes = await d.replica('replica-a').runScheduled(scheduleKey(DAILY), PERIOD, NOW);
    expect(outcomes.map((o) => o.outcome)).toEqual(['posted', 'posted', 'posted']);
    expect(d.engine.measures.map((m) => m.service).sort()).toEqual(['billing-worker', 'checkout-api', 'checkout-api']);
  });
});
