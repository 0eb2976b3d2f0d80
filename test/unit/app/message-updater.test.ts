/**
 * MessageUpdater's decisions with in-memory fakes and a fake clock: a burst of ticks costs a couple
 * of chat.update calls, a tick that lands during an update is drawn too, a failed update is tried
 * again later (and counted while it waits), a message Slack will never update again is let go, and
 * the sweep redraws what the store knows to be behind, after a restart too.
 */

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MessageUpdater } from '../../../src/bot/message-updater';
import { CHECKLIST_STEP_IDS } from '../../../src/domain/checklist';
import { StoreError, type TickEvent } from '../../../src/store/store';
import { silentLogger } from '../../support/app-fixtures';
import { FakeSlackGateway } from '../../support/fakes/fake-slack-gateway';
import { InMemoryStore, MemoryDatabase } from '../../support/fakes/in-memory-store';
import { RecordingTelemetry } from '../../support/fakes/recording-telemetry';
import { makeNewIncident } from '../../support/store-suite';

const CHANNEL = 'C0INCIDENTS';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
});

async function fixture(database = new MemoryDatabase()) {
  const store = new InMemoryStore(database);
  await store.migrate();
  const slack = new FakeSlackGateway();
  const telemetry = new RecordingTelemetry();
  const updater = new MessageUpdater({ store, slack, logger: silentLogger, digestsAvailable: true, retryDelayMs: 2_000, telemetry });
  let keys = 0;
  /** A posted report: an incident whose message Slack shows. */
  const report = async (createdAt = 1_000) => {
    const incident = await store.createIncident(makeNewIncident({ channelId: CHANNEL, createdAt }));
    const { ts } = await slack.postMessage(CHANNEL, { text: 'the report as posted', blocks: [] });
    await store.attachMessage(incident.id, ts);
    return { id: incident.id, ts };
  };
  /** A click stored as a handler stores it (or as another replica does). */
  const tick = (incidentId: string, i: number, overrides: Partial<TickEvent> = {}) =>
    store.recordTick({ incidentId, stepId: CHECKLIST_STEP_IDS[i % CHECKLIST_STEP_IDS.length]!, userId: `U0USER${i}`, checked: true, at: 1_000 + i, requestKey: `key-${++keys}`, ...overrides });
  const shows = (ts: string) => JSON.stringify(slack.message(CHANNEL, ts)!.message.blocks);
  const upToDate = async (id: string) => {
    const incident = (await store.getIncident(id))!;
    return incident.renderedVersion === incident.version;
  };
  return { store, slack, telemetry, updater, report, tick, shows, upToDate };
}

describe('MessageUpdater', () => {
  it('folds a burst of twenty ticks into two updates, the last showing all of them', async () => {
    const { slack, updater, report, tick, shows, upToDate } = await fixture();
    const { id, ts } = await report();
    await tick(id, 0);
    const release = slack.hold('chat.update');
    const first = updater.refresh(id);
    await vi.advanceTimersByTimeAsync(0);
    // The first update is on its way; nineteen more clicks arrive meanwhile.
    const refreshes = [];
    for (let i = 1; i < 20; i++) {
      await tick(id, i);
      refreshes.push(updater.refresh(id));
    }
    release();
    await Promise.all([first, ...refreshes]);
    expect(slack.callsTo('chat.update')).toHaveLength(2);
    expect(shows(ts)).toContain(`${CHECKLIST_STEP_IDS.length}/${CHECKLIST_STEP_IDS.length} done`);
    expect(shows(ts)).toContain('<@U0USER19>');
    expect(await upToDate(id)).toBe(true);
  });

  it('draws again when a tick lands while an update is on its way, with no second request', async () => {
    const { slack, updater, report, tick, shows, upToDate } = await fixture();
    const { id, ts } = await report();
    await tick(id, 0);
    const release = slack.hold('chat.update');
    const refreshed = updater.refresh(id);
    await vi.advanceTimersByTimeAsync(0);
    // Another replica stores a tick and refreshes there; this process only sees the version move.
    await tick(id, 1, { userId: 'U0ELSEWHERE' });
    release();
    await refreshed;
    expect(slack.callsTo('chat.update')).toHaveLength(2);
    expect(shows(ts)).toContain('<@U0ELSEWHERE>');
    expect(await upToDate(id)).toBe(true);
  });

  it('tries a failed update again after Slack’s Retry-After, counting it as waiting meanwhile', async () => {
    const { slack, telemetry, updater, report, tick, shows, upToDate } = await fixture();
    const { id, ts } = await report();
    await tick(id, 0);
    slack.failNext('chat.update', 'ratelimited', { retryAfterMs: 30_000 });
    await updater.refresh(id);
    expect(telemetry.updatesWaiting.current).toBe(1);
    expect(await upToDate(id)).toBe(false);
    expect(slack.message(CHANNEL, ts)!.edits).toBe(0);

    // Not before Slack said (the first pause of 2 s is shorter than the Retry-After).
    await vi.advanceTimersByTimeAsync(29_000);
    expect(slack.callsTo('chat.update')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await updater.idle();
    expect(slack.callsTo('chat.update')).toHaveLength(2);
    expect(shows(ts)).toContain('1/5 done');
    expect(await upToDate(id)).toBe(true);
    expect(telemetry.updatesWaiting.current).toBe(0);
  });

  it('waits longer after each failure: 2 s, then 4 s', async () => {
    const { slack, telemetry, updater, report, tick, upToDate } = await fixture();
    const { id } = await report();
    await tick(id, 0);
    slack.failNext('chat.update', 'http_503', { times: 2 });
    await updater.refresh(id);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(slack.callsTo('chat.update')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(3_999);
    expect(slack.callsTo('chat.update')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await updater.idle();
    expect(slack.callsTo('chat.update')).toHaveLength(3);
    expect(await upToDate(id)).toBe(true);
    expect(telemetry.updatesWaiting.peak).toBe(1);
    expect(telemetry.updatesWaiting.current).toBe(0);
  });

  it('tries again when the database failed mid-update, too', async () => {
    const { store, slack, updater, report, tick, upToDate } = await fixture();
    const { id } = await report();
    await tick(id, 0);
    vi.spyOn(store, 'checklistState').mockRejectedValueOnce(new StoreError('unavailable', 'database restarting'));
    await updater.refresh(id);
    expect(slack.callsTo('chat.update')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_000);
    await updater.idle();
    expect(slack.callsTo('chat.update')).toHaveLength(1);
    expect(await upToDate(id)).toBe(true);
  });

  it('gives up on a message Slack will never update again, and the sweep leaves it alone', async () => {
    const { store, slack, telemetry, updater, report, tick } = await fixture();
    const { id } = await report();
    await tick(id, 0);
    slack.failNext('chat.update', 'message_not_found');
    await updater.refresh(id);
    await vi.advanceTimersByTimeAsync(0);
    expect(telemetry.updatesWaiting.current).toBe(0);
    expect(await store.staleIncidents(10)).toEqual([]);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(await updater.sweep()).toBe(0);
    expect(slack.callsTo('chat.update')).toHaveLength(1);
  });

  it('sweeps the messages the store knows to be behind, and only those', async () => {
    const { slack, updater, report, tick, shows, upToDate } = await fixture();
    const behind = await report(1_000);
    const current = await report(2_000);
    const untouched = await report(3_000);
    // Ticks stored with no update (a process that stopped before drawing them).
    await tick(behind.id, 0);
    await tick(current.id, 1);
    await updater.refresh(current.id);
    expect(slack.callsTo('chat.update')).toHaveLength(1);

    expect(await updater.sweep()).toBe(1);
    await updater.idle();
    expect(slack.callsTo('chat.update').map((c) => c.ts)).toEqual([current.ts, behind.ts]);
    expect(shows(behind.ts)).toContain('1/5 done');
    expect(await upToDate(behind.id)).toBe(true);
    expect(slack.message(CHANNEL, untouched.ts)!.edits).toBe(0);
  });

  it('after a restart, finds at start-up the update the stopped process still owed, and sweeps again later', async () => {
    const database = new MemoryDatabase();
    const before = await fixture(database);
    const { id } = await before.report();
    await before.tick(id, 0);
    before.slack.failNext('chat.update', 'ratelimited', { retryAfterMs: 60_000 });
    await before.updater.refresh(id);
    expect(before.telemetry.updatesWaiting.current).toBe(1);
    before.updater.stop();
    expect(before.telemetry.updatesWaiting.current).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(before.slack.callsTo('chat.update')).toHaveLength(1);

    // The new process: same database, a Slack whose message is the one posted before.
    const after = await fixture(database);
    await after.slack.postMessage(CHANNEL, { text: 'the report as posted', blocks: [] });
    after.updater.start(60_000);
    await vi.advanceTimersByTimeAsync(0);
    await after.updater.idle();
    expect(after.slack.callsTo('chat.update')).toHaveLength(1);
    expect(await after.upToDate(id)).toBe(true);

    await after.tick(id, 1, { requestKey: 'after-restart-1' });
    await vi.advanceTimersByTimeAsync(60_000);
    await after.updater.idle();
    expect(after.slack.callsTo('chat.update')).toHaveLength(2);
    after.updater.stop();
  });

  it('redraws a clicked message once the store answers again, for a click it could not save', async () => {
    const { store, slack, updater, report } = await fixture();
    const { ts } = await report();
    const find = vi.spyOn(store, 'findIncidentByMessage').mockRejectedValueOnce(new StoreError('unavailable', 'still down'));
    updater.refreshMessage(CHANNEL, ts);
    updater.refreshMessage(CHANNEL, ts); // a second click meanwhile: one redraw
    await vi.advanceTimersByTimeAsync(2_000);
    expect(find).toHaveBeenCalledTimes(1);
    expect(slack.callsTo('chat.update')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(4_000);
    await updater.idle();
    expect(find).toHaveBeenCalledTimes(2);
    expect(slack.callsTo('chat.update')).toHaveLength(1);
  });
});
