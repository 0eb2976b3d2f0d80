/**
 * No silent failure after the acknowledgement. The bot runs on PostgreSQL, behind a TCP proxy to a
 * real Prometheus, against the Slack stand-in; then the database drops its connections mid-command
 * (pg_terminate_backend), Prometheus stops mid-command, Slack answers 500, and commands come from
 * conversations pymem cannot post in. Each time the requester hears what failed and what to do,
 * nothing is lost, and the bot keeps serving.
 */

import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleKey } from '../../src/digest/digest-runner';
import { checklistActionId } from '../../src/slack/blocks';
import { SlackStandIn } from '../../src/slack-standin/server';
import type { StandInMessage } from '../../src/slack-standin/workspace';
import { SCENARIOS, SCENARIO_END_MS } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { CHANNEL, showsStoredState, startBotHarness, type BotHarness } from '../support/bot-harness';

const BASE_URL = process.env['PYMEM_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const NOW = SCENARIO_END_MS;
const SPECS = ['one-8w-6h', 'stable-8w-6h', 'large-16w-6h'].map((id) => SCENARIOS.find((s) => s.id === id)!.spec);

const DM_WITH_OTHERS = 'D0OTHERSDM1';
const PRIVATE_NOT_INVITED = 'C0PRIVNOTIN';
const ARCHIVED = 'C0ARCHIVED1';
const DIGEST_CHANNEL = 'C0DIGESTCH1';

/** A TCP proxy that can hold new connections (to stop the upstream while a request is on its way) and switch upstream. */
interface HoldingProxy {
  readonly url: string;
  hold(): void;
  release(): void;
  retarget(url: string): void;
  /** Connections waiting while held. */
  pending(): number;
  close(): Promise<void>;
}

async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  let upstream = new URL(target);
  let held = false;
  const waiting: Socket[] = [];
  const sockets = new Set<Socket>();
  const connect = (client: Socket): void => {
    const server = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    sockets.add(server);
    server.on('close', () => sockets.delete(server));
    // The upstream is gone: the client sees its connection dropped, as when a server dies.
    server.on('error', () => client.destroy());
    client.on('error', () => server.destroy());
    client.pipe(server).pipe(client);
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (held) {
      client.pause();
      waiting.push(client);
    } else connect(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold: () => {
      held = true;
      // Idle keep-alive connections would carry the next request past the hold: close them.
      for (const s of sockets) s.destroy();
    },
    release: () => {
      held = false;
      for (const client of waiting.splice(0)) connect(client);
    },
    retarget: (url) => void (upstream = new URL(url)),
    pending: () => waiting.length,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let prom: RunningPrometheus;
let proxy: HoldingProxy;
let slack: SlackStandIn;
let admin: Client;
let schema: string;
let appName: string;
let h: BotHarness;

beforeAll(async () => {
  prom = await startPrometheus({ families: familiesFor(SPECS) });
  proxy = await startHoldingProxy(prom.url);
  slack = await SlackStandIn.start({
    channels: [
      CHANNEL,
      DIGEST_CHANNEL,
      { id: DM_WITH_OTHERS, kind: 'im', member: false },
      { id: PRIVATE_NOT_INVITED, kind: 'private', member: false },
      { id: ARCHIVED, kind: 'public', archived: true },
    ],
  });
  schema = `pymem_failures_${randomBytes(4).toString('hex')}`;
  // Our own name on the bot's connections, so the test terminates only them (other suites share the server).
  appName = `pymem-failures-${randomBytes(4).toString('hex')}`;
  admin = new Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = `${BASE_URL}${BASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}&application_name=${appName}`;
  h = await startBotHarness({ prometheusUrl: proxy.url, nowMs: NOW, slack, env: { DATABASE_URL: url } });
}, 180_000);

afterAll(async () => {
  await h?.stop();
  await slack?.stop();
  await proxy?.close();
  await prom?.stop();
  if (admin) {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
});

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The ephemeral replies one user got after a mark, as text. */
function repliesTo(user: string, since: string): string[] {
  return slack
    .messages()
    .filter((m) => m.visibleTo === user && m.ts > since)
    .map((m) => m.text + JSON.stringify(m.blocks));
}

function reportBy(user: string, since: string, channel = CHANNEL): Promise<StandInMessage> {
  return slack.waitForMessage((m) => m.visibleTo === undefined && m.thread_ts === undefined && JSON.stringify(m.blocks).includes(`Run by <@${user}>`), {
    after: since,
    channel,
    timeoutMs: 60_000,
  });
}

/** A second connection holding a lock, as another transaction would. */
async function lockWith(sql: string, params: unknown[] = []): Promise<{ release: () => Promise<void> }> {
  const locker = new Client({ connectionString: BASE_URL });
  await locker.connect();
  await locker.query(`SET search_path TO ${schema}`);
  await locker.query('BEGIN');
  await locker.query(sql, params);
  return {
    release: async () => {
      await locker.query('COMMIT');
      await locker.end();
    },
  };
}

/** Terminates the bot's connections that are waiting on a lock; returns how many. */
async function terminateWaiting(): Promise<number> {
  const { rows } = await admin.query(
    `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
    [appName],
  );
  return rows.length;
}

async function incidentsBy(user: string): Promise<number> {
  const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.incidents WHERE created_by = $1`, [user]);
  return (rows[0] as { n: number }).n;
}

describe('PostgreSQL connections terminated mid-command', () => {
  it('retries a dropped connection: the report is saved and posted, nothing lost', async () => {
    const since = slack.mark();
    const lock = await lockWith('LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE');
    try {
      await h.command('ow-a', { user: 'U0PGDROP1' });
      let terminated = 0;
      await until('the bot is saving the report', async () => (terminated += await terminateWaiting()) > 0);
    } finally {
      await lock.release();
    }
    const report = await reportBy('U0PGDROP1', since);
    await until('the report is recorded', async () => (await h.store.findIncidentByMessage(CHANNEL, report.ts)) !== null);
    expect(await incidentsBy('U0PGDROP1')).toBe(1);
    expect(repliesTo('U0PGDROP1', since)).toEqual([]);
  }, 90_000);

  it('tells the requester when the database stays unavailable, and keeps serving', async () => {
    const since = slack.mark();
    const lock = await lockWith('LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE');
    try {
      await h.command('st-a', { user: 'U0PGDOWN1' });
      // Every attempt to save is cut off, as long as it takes the bot to give up.
      await until('the requester is told', async () => {
        await terminateWaiting();
        return repliesTo('U0PGDOWN1', since).length > 0;
      });
    } finally {
      await lock.release();
    }
    const [notice] = repliesTo('U0PGDOWN1', since);
    expect(notice).toContain('could not save the report: its database did not answer');
    expect(notice).toContain('Run the command again in a minute');
    expect(await incidentsBy('U0PGDOWN1')).toBe(0);
    expect(slack.messages(CHANNEL).some((m) => JSON.stringify(m.blocks).includes('Run by <@U0PGDOWN1>'))).toBe(false);

    // The database is back: the next command is served, from the analysis kept for the first one.
    await h.command('st-a', { user: 'U0PGBACK1' });
    await reportBy('U0PGBACK1', since);
    expect(await (await fetch(`http://127.0.0.1:${h.bot.port}/metrics`)).text()).toMatch(/pymem_analyses_total\{how="cached"\} [1-9]/);
  }, 90_000);

  it('saves a tick whose connection dropped once, exactly once', async () => {
    const since = slack.mark();
    await h.command('lg-a', { user: 'U0TICKER1' });
    const report = await reportBy('U0TICKER1', since);
    await until('the report is recorded', async () => (await h.store.findIncidentByMessage(CHANNEL, report.ts)) !== null);
    const incident = (await h.store.findIncidentByMessage(CHANNEL, report.ts))!;
    const lock = await lockWith('SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [incident.id]);
    try {
      await h.click(report, { type: 'checkboxes', action_id: checklistActionId('find-worker'), selected: ['find-worker'] }, { user: 'U0CLICK01' });
      let terminated = 0;
      await until('the tick is being saved', async () => (terminated += await terminateWaiting()) > 0);
    } finally {
      await lock.release();
    }
    await until('the message shows the tick', async () => (await showsStoredState(h.store, slack, CHANNEL, report.ts)) && JSON.stringify(slack.message(CHANNEL, report.ts)!.blocks).includes('<@U0CLICK01>'));
    expect((await h.store.tickEvents(incident.id)).map((t) => t.userId)).toEqual(['U0CLICK01']);
    expect(repliesTo('U0CLICK01', since)).toEqual([]);
  }, 90_000);

  it('shows a tick that could not be saved as not saved, and tells the clicker', async () => {
    const since = slack.mark();
    await h.command('lg-a', { user: 'U0TICKER2' });
    const report = await reportBy('U0TICKER2', since);
    await until('the report is recorded', async () => (await h.store.findIncidentByMessage(CHANNEL, report.ts)) !== null);
    const incident = (await h.store.findIncidentByMessage(CHANNEL, report.ts))!;
    const updatesBefore = slack.callsTo('chat.update').length;
    const lock = await lockWith('SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [incident.id]);
    try {
      await h.click(report, { type: 'checkboxes', action_id: checklistActionId('compare-drivers'), selected: ['compare-drivers'] }, { user: 'U0CLICK02' });
      await until('the clicker is told', async () => {
        await terminateWaiting();
        return repliesTo('U0CLICK02', since).length > 0;
      });
      // The message is drawn again from the store, where the tick is not: the clicker's checkbox goes back.
      await until('the message is redrawn', () => slack.callsTo('chat.update').slice(updatesBefore).some((c) => c.response?.status === 200 && c.args['ts'] === report.ts));
    } finally {
      await lock.release();
    }
    const [notice] = repliesTo('U0CLICK02', since);
    expect(notice).toContain('was not saved');
    expect(notice).toContain('Compare growth with traffic, jobs and time');
    expect(notice).toContain('tick it again');
    expect(await h.store.tickEvents(incident.id)).toEqual([]);
    const redrawn = slack.message(CHANNEL, report.ts)!;
    expect(JSON.stringify(redrawn.blocks)).toContain('0/5 done');
    await until('the message shows the stored state', () => showsStoredState(h.store, slack, CHANNEL, report.ts));
  }, 90_000);
});

describe('Slack answering 500 on chat.postMessage', () => {
  it('tells the requester, with the finding, and the next command posts the report from the kept analysis', async () => {
    const since = slack.mark();
    slack.failNext('chat.postMessage', { status: 500 });
    await h.command('ow-a 1h', { user: 'U0SLACK500' });
    await until('the requester is told', () => repliesTo('U0SLACK500', since).length > 0);
    const [notice] = repliesTo('U0SLACK500', since);
    expect(notice).toContain('Slack failed (HTTP 500) while posting the report');
    expect(notice).toContain('If you see no report in the channel, run the command again');
    expect(notice).toContain('The finding was:');
    // Posting was not retried blindly: Slack might have posted it.
    expect(slack.callsTo('chat.postMessage').filter((c) => c.response?.status === 500)).toHaveLength(1);

    await h.command('ow-a 1h', { user: 'U0SLACK200' });
    await reportBy('U0SLACK200', since);
  }, 90_000);
});

describe('Prometheus stopped mid-command', () => {
  it('tells the requester the backend is unreachable, stores nothing, and serves once it is back', async () => {
    const since = slack.mark();
    proxy.hold();
    await h.command('lg-a 1h', { user: 'U0PROMGONE' });
    await until('the analysis is on its way to Prometheus', () => proxy.pending() > 0);
    await prom.stop();
    proxy.release();
    await until('the requester is told', () => repliesTo('U0PROMGONE', since).length > 0);
    const [notice] = repliesTo('U0PROMGONE', since);
    // The channel is told what failed, without the backend's address (report.showSource is off).
    expect(notice).toMatch(/could not analyse `lg-a` over the last 60 min: The metrics backend could not be reached; the details are in pymem’s logs/is);
    expect(notice).not.toMatch(/127\.0\.0\.1|http:/);
    expect(notice).toContain('try again in a minute');
    expect(await incidentsBy('U0PROMGONE')).toBe(0);

    // The doctor with the backend still gone: the requester hears what failed, after the acknowledgement.
    const doctorAck = await h.command('doctor lg-a 1h', { user: 'U0DOCTOR' });
    expect(JSON.parse(doctorAck.body).text).toContain('Checking which metrics the backend has for lg-a');
    await until('the doctor’s requester is told', () => repliesTo('U0DOCTOR', since).length > 0);
    const [doctorNotice] = repliesTo('U0DOCTOR', since);
    expect(doctorNotice).toMatch(/could not check the metrics for `lg-a`: The metrics backend could not be reached; the details are in pymem’s logs/is);
    expect(doctorNotice).not.toMatch(/127\.0\.0\.1|http:/);
    expect(doctorNotice).toContain('Try again in a minute');

    prom = await startPrometheus({ families: familiesFor(SPECS) });
    proxy.retarget(prom.url);
    await h.command('lg-a 1h', { user: 'U0PROMBACK' });
    await reportBy('U0PROMBACK', since);
  }, 120_000);
});

describe('conversations pymem cannot post in', () => {
  it('finds out before doing any work, and gives advice that fits the conversation', async () => {
    const queriesBefore = (await prom.queryLog()).length;
    const uploadsBefore = slack.callsTo('files.getUploadURLExternal').length;
    const cases = [
      { channel: DM_WITH_OTHERS, channelName: 'directmessage', user: 'U0INADM01', expected: 'direct message between other people', not: '/invite' },
      { channel: PRIVATE_NOT_INVITED, channelName: 'privategroup', user: 'U0INPRIV1', expected: 'Invite it with `/invite @pymem`', not: 'direct message' },
      { channel: ARCHIVED, channelName: 'old-incident', user: 'U0INARCH1', expected: 'This channel is archived', not: '/invite' },
    ];
    const since = slack.mark();
    for (const c of cases) await h.command('ow-a', { channel: c.channel, channelName: c.channelName, user: c.user });
    for (const c of cases) {
      await until(`${c.user} is told`, () => repliesTo(c.user, since).length > 0);
      const [notice] = repliesTo(c.user, since);
      expect(notice, c.channel).toContain(c.expected);
      expect(notice, c.channel).not.toContain(c.not);
      expect(await incidentsBy(c.user)).toBe(0);
    }
    // No analysis, no chart.
    expect((await prom.queryLog()).length).toBe(queriesBefore);
    expect(slack.callsTo('files.getUploadURLExternal').length).toBe(uploadsBefore);
  }, 60_000);

  it('subscribes only where it can post, and pauses the digests of a channel it can no longer post in', async () => {
    const since = slack.mark();
    await h.command('subscribe ow-a', { channel: PRIVATE_NOT_INVITED, channelName: 'privategroup', user: 'U0SUBPRIV' });
    await slack.waitForMessage((m) => m.channel === PRIVATE_NOT_INVITED && JSON.stringify(m.blocks).includes('nothing was subscribed'), { after: since, timeoutMs: 30_000 });
    expect(await h.store.subscriptions(PRIVATE_NOT_INVITED)).toEqual([]);

    await h.command('subscribe ow-a', { channel: DIGEST_CHANNEL, user: 'U0SUBSCRB' });
    await until('subscribed', async () => (await h.store.subscriptions(DIGEST_CHANNEL)).length === 1);

    // Archived after subscribing: the scheduled digest finds out before measuring, and pauses the channel.
    slack.setChannel({ id: DIGEST_CHANNEL, archived: true });
    const queriesBefore = (await prom.queryLog()).length;
    const [outcome] = await h.bot.digests.runChannels(new Map([[DIGEST_CHANNEL, ['ow-a']]]), '2026-03-02T08:00:00.000Z', NOW);
    expect(outcome).toMatchObject({ channelId: DIGEST_CHANNEL, outcome: 'paused' });
    expect((await prom.queryLog()).length).toBe(queriesBefore);
    expect(await h.store.subscriptions(DIGEST_CHANNEL)).toMatchObject([{ service: 'ow-a', pausedAt: expect.any(Number), pausedReason: 'the channel is archived' }]);
    // Not tried again on the next run.
    const key = scheduleKey({ cron: '0 8 * * *', timeZone: 'UTC' });
    expect((await h.bot.digests.channelsFor(key)).has(DIGEST_CHANNEL)).toBe(false);

    // list shows it (list answers privately, so it works in an archived channel's thread of replies too).
    slack.setChannel({ id: DIGEST_CHANNEL, archived: false });
    const listed = slack.mark();
    await h.command('list', { channel: DIGEST_CHANNEL, user: 'U0LISTER1' });
    const list = await slack.waitForMessage((m) => m.visibleTo === 'U0LISTER1', { after: listed, timeoutMs: 30_000 });
    expect(JSON.stringify(list.blocks)).toMatch(/Paused since .*the channel is archived/);

    // Unarchived, someone subscribes again: digests resume.
    await h.command('subscribe ow-a', { channel: DIGEST_CHANNEL, user: 'U0SUBSCRB' });
    await slack.waitForMessage((m) => m.channel === DIGEST_CHANNEL && JSON.stringify(m.blocks).includes('they go out again'), { after: listed, timeoutMs: 30_000 });
    expect(await h.store.subscriptions(DIGEST_CHANNEL)).toMatchObject([{ pausedAt: null }]);
    expect((await h.bot.digests.channelsFor(key)).has(DIGEST_CHANNEL)).toBe(true);
  }, 90_000);

  it('pauses a channel whose digest Slack refuses when it could not check the channel beforehand', async () => {
    await h.store.resumeChannel(DIGEST_CHANNEL);
    // Slack would not say (the app lacks the scope); the post is refused as the channel is archived.
    slack.failNext('conversations.info', { error: 'missing_scope' });
    slack.failNext('chat.postMessage', { error: 'is_archived' });
    const [outcome] = await h.bot.digests.runChannels(new Map([[DIGEST_CHANNEL, ['ow-a']]]), '2026-03-03T08:00:00.000Z', NOW);
    expect(outcome).toMatchObject({ outcome: 'paused' });
    expect(await h.store.subscriptions(DIGEST_CHANNEL)).toMatchObject([{ pausedReason: 'the channel is archived' }]);
    expect((await h.store.digestRuns(DIGEST_CHANNEL)).find((r) => r.periodKey === '2026-03-03T08:00:00.000Z')).toMatchObject({ status: 'failed' });
  }, 90_000);
});
