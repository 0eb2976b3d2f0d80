/**
 * OAuth mode end to end (issue 14): two workspaces install pymem through /slack/install and
 * /slack/oauth_redirect (the state cookie followed as a browser would), each /pymem command is
 * answered with its own workspace's token, neither sees the other's messages, and uninstalling one
 * leaves the other working. On SQLite and on PostgreSQL.
 */

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scheduleKey } from '../../src/digest/digest-runner';
import { SlackStandIn } from '../../src/slack-standin/server';
import type { StandInMessage } from '../../src/slack-standin/workspace';
import { eventCallbackBody, newTriggerId, postToBot, slashCommandBody } from '../../src/slack-standin/signed-requests';
import { SIGNING_SECRET, startBotHarness, type BotHarness } from '../support/bot-harness';

const PG_URL = process.env['PYMEM_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const ALPHA = { team: 'T0ALPHA', channel: 'C0ALPHAINC' } as const;
const BETA = { team: 'T0BETA', channel: 'C0BETAINC' } as const;
const DIGEST_SCHEDULE = scheduleKey({ cron: '0 8 * * *', timeZone: 'UTC' });
const OAUTH = { clientId: '1111.2222', clientSecret: 'client-secret-for-tests', stateSecret: 'state-secret-for-tests-0123456789' } as const;

interface Installed {
  readonly team: string;
  readonly channel: string;
}

/** The browser's part: open the install page, "Allow" in Slack (the stand-in's grant), follow the redirect with the state cookie. */
async function install(h: BotHarness, slack: SlackStandIn, teamId: string): Promise<{ readonly response: Response; readonly replay: () => Promise<Response> }> {
  const base = `http://127.0.0.1:${h.bot.port}`;
  const page = await fetch(`${base}/slack/install`);
  expect(page.status).toBe(200);
  const cookie = page.headers.get('set-cookie') ?? '';
  const html = await page.text();
  const href = /href="(https:\/\/slack\.com\/oauth\/v2\/authorize[^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
  expect(href).toBeDefined();
  const authorize = new URL(href!);
  expect(authorize.searchParams.get('client_id')).toBe(OAUTH.clientId);
  expect(authorize.searchParams.get('scope')).toContain('commands');
  const state = authorize.searchParams.get('state')!;
  expect(cookie).toContain(`slack-app-oauth-state=${state}`);
  const code = slack.grantInstall(teamId);
  const redirect = (): Promise<Response> =>
    fetch(`${base}/slack/oauth_redirect?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`, {
      headers: { cookie: `slack-app-oauth-state=${state}` },
      redirect: 'manual',
    });
  return { response: await redirect(), replay: redirect };
}

async function command(h: BotHarness, slack: SlackStandIn, where: Installed, text: string): Promise<number> {
  const user = `U0${where.team}`;
  const body = slashCommandBody({
    command: '/pymem',
    text,
    user_id: user,
    channel_id: where.channel,
    team_id: where.team,
    trigger_id: newTriggerId(),
    response_url: slack.team(where.team).createResponseUrl(where.channel, user),
  });
  return (await postToBot(h.eventsUrl, body, { signingSecret: SIGNING_SECRET })).status;
}

async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function reportIn(slack: SlackStandIn, where: Installed, service: string): StandInMessage | undefined {
  return slack
    .team(where.team)
    .messages(where.channel)
    .find((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes(`"text":"${service} — `));
}

/** The bearer token of every call into a channel with a method that Slack accepted (the cross-team probe below is refused). */
function tokensUsed(slack: SlackStandIn, method: string, channel: string): string[] {
  return slack
    .calls()
    .filter((c) => c.method === method && (c.args['channel'] ?? c.args['channel_id']) === channel && (c.response?.body as { ok?: unknown } | undefined)?.ok === true)
    .map((c) => (c.headers['authorization'] ?? '').replace(/^Bearer\s+/i, ''));
}

const databases: { readonly name: string; readonly url: () => Promise<{ url: string; cleanup: () => Promise<void> }> }[] = [
  { name: 'SQLite', url: async () => ({ url: '', cleanup: async () => undefined }) },
  {
    name: 'PostgreSQL',
    url: async () => {
      const schema = `pymem_oauth_${randomBytes(4).toString('hex')}`;
      const admin = new Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      return {
        url: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
        cleanup: async () => {
          const c = new Client({ connectionString: PG_URL });
          await c.connect();
          await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await c.end();
        },
      };
    },
  },
];

describe.each(databases)('two workspaces in OAuth mode on $name', (database) => {
  let slack: SlackStandIn;
  let h: BotHarness;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    slack = await SlackStandIn.start({ teamId: ALPHA.team, teamName: 'Alpha', channels: [ALPHA.channel], oauth: OAUTH });
    slack.addTeam({ teamId: BETA.team, teamName: 'Beta', channels: [BETA.channel] });
    const db = await database.url();
    cleanup = db.cleanup;
    h = await startBotHarness({
      prometheusUrl: '',
      nowMs: Date.now(),
      slack,
      env: {
        SLACK_BOT_TOKEN: '',
        SLACK_CLIENT_ID: OAUTH.clientId,
        SLACK_CLIENT_SECRET: OAUTH.clientSecret,
        SLACK_STATE_SECRET: OAUTH.stateSecret,
        PYMEM_DEMO: 'true',
        PYMEM_ANALYSIS_THREADS: '0',
        PYMEM_DIGEST_CRON: '0 8 * * *',
        PYMEM_DIGEST_TZ: 'UTC',
        ...(db.url !== '' ? { DATABASE_URL: db.url } : {}),
      },
    });
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
    await slack?.stop();
    await cleanup?.();
  });

  afterEach(() => {
    slack.clearFaults();
  });

  it('installs two workspaces, answers each with its own token, keeps them apart, and lets one uninstall', async () => {
    // Before any installation, a command is not answered (Bolt finds no installation for the team).
    expect(await command(h, slack, ALPHA, 'checkout-api')).toBe(200);

    const first = await install(h, slack, ALPHA.team);
    expect(first.response.status).toBe(200);
    expect(await first.response.text()).toMatch(/thank you|success|installed/i);
    const second = await install(h, slack, BETA.team);
    expect(second.response.status).toBe(200);
    const installations = await h.store.installations();
    expect(installations.map((i) => i.teamId)).toEqual([ALPHA.team, BETA.team]);
    const [alphaToken, betaToken] = installations.map((i) => i.botToken);
    expect(alphaToken).not.toBe(betaToken);

    // A replayed redirect (its code was exchanged already) installs nothing and changes no token.
    const replayed = await second.replay();
    expect(replayed.status).not.toBe(200);
    expect((await h.store.installations()).map((i) => i.botToken)).toEqual([alphaToken, betaToken]);

    expect(await command(h, slack, ALPHA, 'checkout-api')).toBe(200);
    expect(await command(h, slack, BETA, 'search-api')).toBe(200);
    const alphaReport = await waitFor(() => reportIn(slack, ALPHA, 'checkout-api'), 'the report in Alpha');
    const betaReport = await waitFor(() => reportIn(slack, BETA, 'search-api'), 'the report in Beta');
    expect(alphaReport.channel).toBe(ALPHA.channel);
    expect(betaReport.channel).toBe(BETA.channel);
    // Each workspace's report went out with that workspace's token, and only that one.
    expect(new Set(tokensUsed(slack, 'chat.postMessage', ALPHA.channel))).toEqual(new Set([alphaToken]));
    expect(new Set(tokensUsed(slack, 'chat.postMessage', BETA.channel))).toEqual(new Set([betaToken]));
    // Each incident is stored with its workspace, which its later redraws and re-checks are made as.
    const alphaIncident = await waitForAsync(() => h.store.findIncidentByMessage(ALPHA.channel, alphaReport.ts).then((i) => i ?? undefined), 'the Alpha incident');
    const betaIncident = await waitForAsync(() => h.store.findIncidentByMessage(BETA.channel, betaReport.ts).then((i) => i ?? undefined), 'the Beta incident');
    expect([alphaIncident.teamId, betaIncident.teamId]).toEqual([ALPHA.team, BETA.team]);
    // Neither sees the other's reports.
    expect(reportIn(slack, ALPHA, 'search-api')).toBeUndefined();
    expect(slack.team(ALPHA.team).messages(BETA.channel)).toEqual([]);
    expect(slack.team(BETA.team).messages(ALPHA.channel)).toEqual([]);
    // One workspace's token cannot reach into the other's channels, as on Slack.
    const cross = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alphaToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: BETA.channel, text: 'hello' }),
    }).then((r) => r.json() as Promise<{ ok: boolean; error?: string }>);
    expect(cross).toEqual(expect.objectContaining({ ok: false, error: 'channel_not_found' }));

    // Each subscribes to a service; the digest run posts each workspace's digest with its own token.
    expect(await command(h, slack, ALPHA, 'subscribe checkout-api')).toBe(200);
    expect(await command(h, slack, BETA, 'subscribe search-api')).toBe(200);
    await waitForAsync(async () => ((await h.store.allSubscriptions()).length === 2 ? true : undefined), 'both subscriptions');
    expect((await h.store.allSubscriptions()).map((s) => [s.channelId, s.service, s.teamId])).toEqual([
      [ALPHA.channel, 'checkout-api', ALPHA.team],
      [BETA.channel, 'search-api', BETA.team],
    ]);
    const firstRun = await h.bot.digests.runScheduled(DIGEST_SCHEDULE, '2026-03-02T08:00:00.000Z', Date.now());
    expect(firstRun.map((o) => [o.channelId, o.outcome])).toEqual([
      [ALPHA.channel, 'posted'],
      [BETA.channel, 'posted'],
    ]);
    const digestTs = (channel: string) => firstRun.find((o) => o.channelId === channel && o.outcome === 'posted');
    const alphaDigest = slack.team(ALPHA.team).message(ALPHA.channel, (digestTs(ALPHA.channel) as { ts: string }).ts);
    expect(alphaDigest?.text).toMatch(/^Memory digest/);
    expect(JSON.stringify(alphaDigest?.blocks)).toContain('checkout-api');
    expect(JSON.stringify(slack.team(ALPHA.team).messages(ALPHA.channel))).not.toContain('search-api');
    expect(JSON.stringify(slack.team(BETA.team).messages(BETA.channel))).not.toContain('checkout-api');
    expect(new Set(tokensUsed(slack, 'chat.postMessage', ALPHA.channel))).toEqual(new Set([alphaToken]));
    expect(new Set(tokensUsed(slack, 'chat.postMessage', BETA.channel))).toEqual(new Set([betaToken]));

    // Beta uninstalls: Slack sends app_uninstalled, pymem deletes Beta's installation.
    slack.revokeTeam(BETA.team);
    const uninstalled = eventCallbackBody({ teamId: BETA.team, event: { type: 'app_uninstalled' } });
    expect((await postToBot(h.eventsUrl, uninstalled, { signingSecret: SIGNING_SECRET })).status).toBe(200);
    const remaining = await waitForAsync(async () => {
      const list = await h.store.installations();
      return list.length === 1 ? list : undefined;
    }, 'the uninstall');
    expect(remaining.map((i) => i.teamId)).toEqual([ALPHA.team]);

    // Beta's commands go unanswered now; Alpha's still work, with Alpha's token.
    const betaBefore = slack.calls().length;
    expect(await command(h, slack, BETA, 'catalog-api')).toBe(200);
    expect(await command(h, slack, ALPHA, 'billing-worker')).toBe(200);
    await waitFor(() => reportIn(slack, ALPHA, 'billing-worker'), 'the second report in Alpha');
    expect(reportIn(slack, BETA, 'catalog-api')).toBeUndefined();
    expect(slack.calls().slice(betaBefore).filter((c) => (c.headers['authorization'] ?? '').includes(betaToken!))).toEqual([]);

    // The next digest run posts Alpha's digest only: Beta's stopped with its installation (its subscription stays for a reinstall).
    const betaMessages = slack.team(BETA.team).messages(BETA.channel).length;
    const secondRun = await h.bot.digests.runScheduled(DIGEST_SCHEDULE, '2026-03-03T08:00:00.000Z', Date.now());
    expect(secondRun.map((o) => [o.channelId, o.outcome])).toEqual([[ALPHA.channel, 'posted']]);
    expect(slack.team(BETA.team).messages(BETA.channel)).toHaveLength(betaMessages);
    expect(await h.store.subscriptions(BETA.channel)).toHaveLength(1);
    expect(slack.calls().slice(betaBefore).filter((c) => (c.headers['authorization'] ?? '').includes(betaToken!))).toEqual([]);
  }, 120_000);
});

async function waitForAsync<T>(find: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
