/**
 * The Bolt handlers, called as Bolt calls them (through BoltRecorder, no network) over services wired
 * to in-memory fakes: every request is acknowledged exactly once and at once, the work runs after the
 * acknowledgement, and whatever fails afterwards is told to the requester in words.
 */

import { describe, expect, it, vi } from 'vitest';
import { registerActions, registerDigestActions, registerOtherActions } from '../../../handlers/actions';
import { registerCommand } from '../../../handlers/command';
import { registerVerifyActions } from '../../../handlers/verify';
import { VerifyService } from '../../../src/bot/verify';
import { ChannelCheck } from '../../../src/bot/channel-check';
import { DoctorService } from '../../../src/bot/doctor';
import { Subscriptions } from '../../../src/bot/subscriptions';
import { ACTION_IDS, checklistActionId } from '../../../src/slack/blocks';
import { DIGEST_ACTIONS } from '../../../src/slack/digest-blocks';
import { StoreError } from '../../../src/store/store';
import { CHANNEL, NOW, reportFixture, silentLogger } from '../../support/app-fixtures';
import { BoltRecorder, type Delivery } from '../../support/bolt-recorder';
import { AccessGate } from '../../../src/bot/access-gate';
import { IncidentService } from '../../../src/bot/incidents';

const HOUR = 3_600_000;

async function handlers(options: Parameters<typeof reportFixture>[0] = {}) {
  const f = await reportFixture(options);
  const subscriptions = new Subscriptions({
    store: f.store,
    clock: () => NOW,
    scheduleFor: () => ({ cron: '0 8 * * *', timeZone: 'UTC' }),
    knownServices: () => null,
    channels: new ChannelCheck({ slack: f.slack, logger: silentLogger, now: () => NOW }),
  });
  const doctor = new DoctorService({ engine: f.engine, clock: () => NOW, defaultWindowMs: 6 * HOUR, timeoutMs: 10_000, telemetry: f.telemetry });
  const incidents = new IncidentService({
    store: f.store,
    slack: f.slack,
    updater: { refresh: (incidentId) => f.reports.redraw(incidentId) },
    logger: silentLogger,
    clock: () => NOW,
    timeZone: 'UTC',
    workspaceUrl: async () => null,
  });
  const bolt = new BoltRecorder();
  const deps = { reports: f.reports, subscriptions, logger: silentLogger, telemetry: f.telemetry };
  // Fix verification (issue 13) over the same fakes; its engine has no data, which these tests never reach.
  const verify = new VerifyService({
    engine: { verify: async () => ({ status: 'insufficient-data', reason: 'no-memory-series', message: 'No data in this test.' }) },
    store: f.store,
    slack: f.slack,
    channels: new ChannelCheck({ slack: f.slack, logger: silentLogger, now: () => NOW }),
    logger: silentLogger,
    clock: () => NOW,
    timeZone: 'UTC',
    sourceDescription: 'a fake backend',
    analysisTimeoutMs: 10_000,
    defaultWindowMs: 6 * HOUR,
    maxWindowMs: 7 * 24 * HOUR,
    refreshReport: async () => undefined,
  });
  registerCommand(bolt.asApp(), { ...deps, incidents, doctor, verify, maxWindowMs: 7 * 24 * HOUR, defaultWindowMs: 6 * HOUR });
  registerVerifyActions(bolt.asApp(), { verify, logger: silentLogger, telemetry: f.telemetry });
  registerActions(bolt.asApp(), deps);
  registerDigestActions(bolt.asApp(), deps);
  registerOtherActions(bolt.asApp());
  return { ...f, bolt };
}

/** The text and blocks of everything sent to the response_url, as one string per reply. */
function said(delivery: Delivery): string[] {
  return delivery.responses.map((r) => `${String(r['text'])} ${JSON.stringify(r['blocks'] ?? [])}`);
}

function ackText(delivery: Delivery): string {
  return JSON.stringify(delivery.acks[0] ?? null);
}

describe('/pymem handlers', () => {
  it('answers help in the acknowledgement itself, under the name the workspace uses', async () => {
    const { bolt, telemetry, slack } = await handlers();
    const delivery = await bolt.slashCommand('help', { command: '/memory' });
    expect(delivery.acks).toHaveLength(1);
    expect(delivery.acks[0]).toMatchObject({ response_type: 'ephemeral' });
    expect(ackText(delivery)).toContain('/memory');
    expect(delivery.responses).toEqual([]);
    expect(slack.calls).toEqual([]);
    expect(telemetry.commands).toEqual([{ kind: 'help', outcome: 'answered' }]);
  });

  it('refuses a command it cannot read in the acknowledgement, pointing to help', async () => {
    const { bolt, telemetry, engine } = await handlers();
    const delivery = await bolt.slashCommand('checkout-api 99y');
    expect(delivery.acks).toHaveLength(1);
    expect(ackText(delivery)).toContain(':warning:');
    expect(ackText(delivery)).toContain('Try `/pymem help`');
    expect(engine.reports).toEqual([]);
    expect(telemetry.commands).toEqual([{ kind: 'invalid', outcome: 'answered' }]);
  });

  it('acknowledges "Analysing…" and then posts the report in the channel', async () => {
    const { bolt, telemetry, slack } = await handlers();
    const delivery = await bolt.slashCommand('checkout-api 24h');
    expect(delivery.acks).toHaveLength(1);
    expect(ackText(delivery)).toContain('Analysing `checkout-api` over the last 24 h');
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]!.channel).toBe(CHANNEL);
    expect(telemetry.commands).toEqual([{ kind: 'analyze', outcome: 'posted' }]);
  });

  it('acknowledges "busy" and starts nothing when the queue is too long', async () => {
    const { bolt, telemetry, engine } = await handlers({ maxQueueWaitMs: 30_000 });
    engine.waitMs = 120_000;
    engine.queued = 9;
    const delivery = await bolt.slashCommand('checkout-api');
    expect(ackText(delivery)).toContain('pymem is busy: 9 analyses are waiting');
    expect(engine.reports).toEqual([]);
    expect(telemetry.commands).toEqual([{ kind: 'analyze', outcome: 'busy' }]);
  });

  it('counts a refusal by the access list as denied', async () => {
    const { bolt, telemetry } = await handlers({ access: new AccessGate({ channels: {}, unlisted: 'deny' }) });
    const delivery = await bolt.slashCommand('checkout-api');
    expect(said(delivery)[0]).toContain('This channel is not allowed to query `checkout-api`');
    expect(telemetry.commands).toEqual([{ kind: 'denied', outcome: 'denied' }]);
  });

  it('subscribes for the whole channel to see, and lists privately', async () => {
    const { bolt, store } = await handlers();
    const subscribed = await bolt.slashCommand('subscribe checkout-api');
    expect(subscribed.acks).toEqual([undefined]);
    expect(subscribed.responses[0]).toMatchObject({ response_type: 'in_channel' });
    expect((await store.subscriptions(CHANNEL)).map((s) => s.service)).toEqual(['checkout-api']);
    const listed = await bolt.slashCommand('list');
    expect(listed.responses[0]).toMatchObject({ response_type: 'ephemeral' });
    expect(said(listed)[0]).toContain('checkout-api');
  });

  it('tells the requester what failed when the database fails after the acknowledgement', async () => {
    const { bolt, store, telemetry } = await handlers();
    vi.spyOn(store, 'subscribe').mockRejectedValue(new StoreError('unavailable', 'database down'));
    const delivery = await bolt.slashCommand('subscribe checkout-api');
    expect(delivery.acks).toEqual([undefined]);
    expect(delivery.responses).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: ':x: pymem could not subscribe the service: its database did not answer or something unexpected failed (logged). Try again in a minute.',
      },
    ]);
    expect(telemetry.commands).toEqual([{ kind: 'subscribe', outcome: 'error' }]);
  });

  it('acknowledges the doctor at once and answers with what the backend said', async () => {
    const { bolt, engine } = await handlers();
    engine.doctorAnswer = () => ({ status: 'failed', failure: { kind: 'metrics', code: 'unreachable', message: 'Prometheus refused the connection.' } });
    const delivery = await bolt.slashCommand('doctor checkout-api');
    expect(ackText(delivery)).toContain('Checking which metrics the backend has for `checkout-api` over the last 6 h');
    expect(said(delivery)[0]).toContain('pymem could not check the metrics for `checkout-api`: Prometheus refused the connection.');
    expect(engine.doctors.map((d) => d.service)).toEqual(['checkout-api']);
  });
});

describe('click handlers', () => {
  it('saves a tick and updates the report, acknowledging the click once; a redelivery changes nothing', async () => {
    const { bolt, posted, slack, store, telemetry } = await handlers();
    const { ts, incident } = await posted();
    const click = { type: 'checkboxes', action_id: checklistActionId('find-worker'), selected_options: [{ value: 'find-worker' }] };
    const first = await bolt.click(click, { messageTs: ts, user: 'U0BOB', triggerId: 'trigger-click-1' });
    expect(first.acks).toHaveLength(1);
    expect((await store.checklistState(incident.id))['find-worker']).toMatchObject({ checked: true, userId: 'U0BOB' });
    expect(JSON.stringify(slack.message(CHANNEL, ts)!.message.blocks)).toContain('<@U0BOB>');
    const again = await bolt.click(click, { messageTs: ts, user: 'U0BOB', triggerId: 'trigger-click-1' });
    expect(again.acks).toHaveLength(1);
    expect((await store.getIncident(incident.id))!.version).toBe(1);
    expect(telemetry.actions).toEqual([
      { kind: 'tick', outcome: 'updated' },
      { kind: 'tick', outcome: 'duplicate' },
    ]);
  });

  it('says it could not read a click on a step it does not know', async () => {
    const { bolt, posted, telemetry } = await handlers();
    const { ts } = await posted();
    const delivery = await bolt.click({ type: 'checkboxes', action_id: 'checklist:reboot-everything', selected_options: [] }, { messageTs: ts });
    expect(delivery.acks).toHaveLength(1);
    expect(said(delivery)[0]).toContain('pymem could not read that click (unknown checklist step');
    expect(telemetry.actions).toEqual([{ kind: 'tick', outcome: 'unreadable' }]);
  });

  it('re-runs over the window picked in the menu, in the report’s thread', async () => {
    const { bolt, posted, engine, slack } = await handlers();
    const { ts } = await posted();
    const delivery = await bolt.click({ type: 'static_select', action_id: ACTION_IDS.window, selected_option: { value: String(24 * HOUR) } }, { messageTs: ts });
    expect(delivery.acks).toHaveLength(1);
    expect(engine.reports.map((r) => r.windowMs)).toEqual([6 * HOUR, 24 * HOUR]);
    expect(slack.messages.at(-1)!.threadTs).toBe(ts);
  });

  it('refuses a window the menu does not offer', async () => {
    const { bolt, posted, engine } = await handlers();
    const { ts } = await posted();
    const delivery = await bolt.click({ type: 'static_select', action_id: ACTION_IDS.window, selected_option: { value: '12345' } }, { messageTs: ts });
    expect(said(delivery)[0]).toContain('that window is not one pymem offers');
    expect(engine.reports).toHaveLength(1);
  });

  it('runs a full report from a digest’s Analyse button', async () => {
    const { bolt, slack, engine, telemetry } = await handlers();
    const digestTs = (await slack.postMessage(CHANNEL, { text: 'digest', blocks: [] })).ts;
    const delivery = await bolt.click({ type: 'button', action_id: `${DIGEST_ACTIONS.analyzePrefix}:search-api`, value: 'search-api' }, { messageTs: digestTs });
    expect(delivery.acks).toHaveLength(1);
    expect(engine.reports.map((r) => r.service)).toEqual(['search-api']);
    expect(telemetry.actions).toEqual([{ kind: 'digest-analyze', outcome: 'posted' }]);
  });

  it('tells the clicker when the work behind a click failed', async () => {
    const { bolt, posted, store, telemetry } = await handlers();
    const { ts } = await posted();
    vi.spyOn(store, 'subscribe').mockRejectedValue(new StoreError('unavailable', 'database down'));
    const delivery = await bolt.click({ type: 'button', action_id: ACTION_IDS.subscribe, value: 'checkout-api' }, { messageTs: ts });
    expect(delivery.acks).toHaveLength(1);
    expect(said(delivery)[0]).toContain(':x: That did not work: something failed on pymem’s side (logged). Try again in a minute.');
    expect(telemetry.actions).toEqual([{ kind: 'subscribe', outcome: 'error' }]);
  });

  it('acknowledges a link button, and an action pymem no longer posts, exactly once and does nothing else', async () => {
    // Every action pymem registers is acknowledged by its own listener only (two acks are an error in Bolt).
    const { bolt, slack, posted } = await handlers();
    const { ts } = await posted();
    const calls = slack.calls.length;
    for (const actionId of ['link:dashboard', 'report_something_retired', 'digest_analyze_retired', 'an_old_button']) {
      const delivery = await bolt.click({ type: 'button', action_id: actionId, value: 'x' }, { messageTs: ts });
      expect(delivery.acks, actionId).toHaveLength(1);
      expect(delivery.responses).toEqual([]);
    }
    expect(slack.calls.slice(calls)).toEqual([]);
  });
});
