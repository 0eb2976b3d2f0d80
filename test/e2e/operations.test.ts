/**
 * Running pymem in production: health, readiness and metrics endpoints, logs without secrets,
 * graceful shutdown, Slack rate limits, and per-channel access control.
 */

import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checklistActionId } from '../../src/slack/blocks';
import { newTriggerId, postToBot, slashCommandBody } from '../../src/slack-standin/signed-requests';
import { SlackStandIn } from '../../src/slack-standin/server';
import { SCENARIOS, SCENARIO_END_MS } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { CHANNEL, startBotHarness, type BotHarness } from '../support/bot-harness';

let prom: RunningPrometheus;
const NOW = SCENARIO_END_MS;

beforeAll(async () => {
  const specs = ['one-8w-6h', 'stable-8w-6h'].map((id) => SCENARIOS.find((s) => s.id === id)!.spec);
  prom = await startPrometheus({ families: familiesFor(specs) });
}, 120_000);

afterAll(async () => {
  await prom?.stop();
});

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('health, readiness and metrics', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW });
  });
  afterAll(async () => h?.stop());

  it('answers /healthz, /readyz and /metrics on the bot port', async () => {
    const base = `http://127.0.0.1:${h.bot.port}`;
    expect(await get(`${base}/healthz`)).toEqual({ status: 200, body: '{"status":"ok"}' });
    const ready = await get(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready', store: 'ok', metricsBackend: 'ok' });

    const since = h.slack.mark();
    await h.command('ow-a');
    await h.slack.waitForMessage((m) => JSON.stringify(m.blocks).includes('ow-a — '), { after: since, timeoutMs: 60_000 });
    await h.command('help');
    const metrics = (await get(`${base}/metrics`)).body;
    expect(metrics).toMatch(/pymem_commands_total\{kind="analyze",outcome="posted"\} 1/);
    expect(metrics).toMatch(/pymem_commands_total\{kind="help",outcome="answered"\} 1/);
    expect(metrics).toMatch(/pymem_analysis_duration_seconds_count\{outcome="diagnosed"\} 1/);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(metrics).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
  }, 90_000);

  it('reports not ready, and counts backend errors, while Prometheus is unreachable', async () => {
    const down = await startBotHarness({ prometheusUrl: 'http://127.0.0.1:1', nowMs: NOW, slack: h.slack });
    try {
      const base = `http://127.0.0.1:${down.bot.port}`;
      const ready = await get(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'not ready', store: 'ok', metricsBackend: expect.stringMatching(/^unavailable/) });
      const since = down.slack.mark();
      await down.command('ow-a', { user: 'U0DOWNER' });
      await h.slack.waitForMessage((m) => m.visibleTo === 'U0DOWNER', { after: since, timeoutMs: 30_000 });
      expect((await get(`${base}/metrics`)).body).toMatch(/pymem_metrics_backend_errors_total\{code="unreachable"\} 1/);
    } finally {
      await down.stop();
    }
  }, 60_000);
});

describe('Socket Mode health', () => {
  it('reports whether the socket to Slack is connected', async () => {
    const slack = await SlackStandIn.start({ channels: [CHANNEL] });
    const h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW, slack, env: { SLACK_APP_TOKEN: 'xapp-socket-test' } });
    try {
      const base = `http://127.0.0.1:${h.bot.port}`;
      expect(h.bot.server).toBeNull();
      expect(slack.socketMode.open).toBe(1);
      expect(JSON.parse((await get(`${base}/readyz`)).body)).toEqual({ status: 'ready', store: 'ok', metricsBackend: 'ok', socket: 'connected' });
      expect(await get(`${base}/healthz`)).toEqual({ status: 200, body: '{"status":"ok","socket":"connected"}' });

      // Slack drops the connection and, for a while, takes no new one: no request can reach this replica.
      slack.socketMode.dropAll({ refuse: true });
      let ready = await get(`${base}/readyz`);
      for (let i = 0; i < 200 && ready.status === 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        ready = await get(`${base}/readyz`);
      }
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'not ready', store: 'ok', metricsBackend: 'ok', socket: expect.stringMatching(/^(connecting|disconnected)$/) });
      // Briefly down is not dead: liveness holds while the client reconnects.
      const live = await get(`${base}/healthz`);
      expect(live.status).toBe(200);
      expect(JSON.parse(live.body).socket).toMatch(/^(connecting|disconnected)$/);

      slack.socketMode.allow();
      for (let i = 0; i < 600 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        ready = await get(`${base}/readyz`);
      }
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', socket: 'connected' });
    } finally {
      await h.stop();
      await slack.stop();
    }
  }, 60_000);
});

describe('logs', () => {
  it('carry a request id and never a secret, even from axios errors', async () => {
    const lines: string[] = [];
    const secretToken = 'prom-bearer-s3cr3t-0123456789';
    // A backend that refuses the token, so axios errors (which carry request headers) get logged.
    const refusing: Server = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"status":"error","errorType":"unauthorized","error":"bad token"}');
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const h = await startBotHarness({
      prometheusUrl: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`,
      nowMs: NOW,
      env: { PROMETHEUS_BEARER_TOKEN: secretToken },
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      const since = h.slack.mark();
      await h.command('ow-a', { user: 'U0LOGGER' });
      await h.slack.waitForMessage((m) => m.visibleTo === 'U0LOGGER', { after: since, timeoutMs: 30_000 });
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await h.stop();
      refusing.close();
    }
    const all = lines.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(all).toMatch(/"requestId":"[^"]+"/);
    for (const secret of [secretToken, 'xoxb-test-token', 'test-signing-secret']) expect(all, secret).not.toContain(secret);
  }, 60_000);
});

describe('Slack rate limits', () => {
  it('retries a 429 as Slack asks and still ends with the final state', async () => {
    const h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW });
    try {
      const since = h.slack.mark();
      const callsBefore = h.slack.calls().length;
      h.slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });
      await h.command('st-a');
      const report = await h.slack.waitForMessage((m) => JSON.stringify(m.blocks).includes('st-a — '), { after: since, timeoutMs: 60_000 });
      expect(h.slack.calls().slice(callsBefore).filter((c) => c.method === 'chat.postMessage' && c.response?.status === 429)).toHaveLength(1);

      h.slack.failNext('chat.update', { status: 429, retryAfterSeconds: 1, times: 2 });
      const clicks = ['find-worker', 'compare-drivers', 'cache-queue-bounds'].map((step, i) =>
        h.click(report, { type: 'checkboxes', action_id: checklistActionId(step as 'find-worker'), selected: [step] }, { user: `U0RATE${i}` }),
      );
      await Promise.all(clicks);
      await h.bot.reports.idle();
      const final = h.slack.message(CHANNEL, report.ts)!;
      expect(JSON.stringify(final.blocks)).toContain('3/5 done');
      expect(h.slack.callsTo('chat.update').filter((c) => c.response?.status === 429).length).toBe(2);
    } finally {
      await h.stop();
    }
  }, 90_000);
});

describe('access control', () => {
  it('limits which services a channel may query, for commands, buttons and digests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pymem-access-'));
    const config = join(dir, 'pymem.yml');
    writeFileSync(config, `access:\n  channels:\n    ${CHANNEL}: ["ow-*"]\n`);
    const h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW, env: { PYMEM_CONFIG: config } });
    try {
      const since = h.slack.mark();
      await h.command('st-a', { user: 'U0NOPE' });
      const denied = await h.slack.waitForMessage((m) => m.visibleTo === 'U0NOPE', { after: since, timeoutMs: 30_000 });
      expect(denied.text + JSON.stringify(denied.blocks)).toContain('not allowed to query `st-a`');
      // It names the setting that grants access, for this channel.
      expect(denied.text + JSON.stringify(denied.blocks)).toContain(`access.channels.${CHANNEL}`);
      await h.command('subscribe st-a', { user: 'U0NOPE2' });
      await h.slack.waitForMessage((m) => JSON.stringify(m.blocks).includes('not allowed to query `st-a`') && m.visibleTo === undefined, { after: since, timeoutMs: 30_000 });
      expect(await h.store.subscriptions(CHANNEL)).toEqual([]);

      await h.command('ow-a');
      await h.slack.waitForMessage((m) => JSON.stringify(m.blocks).includes('ow-a — '), { after: since, timeoutMs: 60_000 });

      // A digest that somehow includes a forbidden service names it without measuring it.
      await h.store.subscribe({ channelId: CHANNEL, service: 'st-a', createdBy: 'U0OLD', createdAt: NOW });
      await h.store.subscribe({ channelId: CHANNEL, service: 'ow-a', createdBy: 'U0OLD', createdAt: NOW });
      const queriesBefore = (await prom.queryLog()).filter((q) => q.includes('"st-a"')).length;
      await h.bot.digests.runChannels(new Map([[CHANNEL, ['ow-a', 'st-a']]]), '2026-03-02T12:00:00.000Z', NOW);
      const digest = await h.slack.waitForMessage((m) => JSON.stringify(m.blocks).includes('Memory digest'), { after: since, timeoutMs: 30_000 });
      expect(JSON.stringify(digest.blocks)).toContain('*st-a* :warning: not measured: this channel may not query it (access list)');
      expect((await prom.queryLog()).filter((q) => q.includes('"st-a"')).length).toBe(queriesBefore);
    } finally {
      await h.stop();
    }
  }, 120_000);
});

describe('rolling restarts', () => {
  it('on SIGTERM turns not ready at once, keeps serving through the drain period, then exits 0', async () => {
    const slack = await SlackStandIn.start({ channels: [CHANNEL] });
    const dir = mkdtempSync(join(tmpdir(), 'pymem-drain-'));
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'main.js')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        SLACK_BOT_TOKEN: 'xoxb-drain',
        SLACK_SIGNING_SECRET: 'drain-secret',
        SLACK_API_URL: slack.apiUrl,
        PROMETHEUS_URL: prom.url,
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: join(dir, 'pymem.sqlite'),
        // Long enough for the test to send a request after seeing readiness turn false.
        PYMEM_SHUTDOWN_DRAIN: '5s',
        PYMEM_SHUTDOWN_GRACE: '1s',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    try {
      for (let i = 0; i < 100 && !/"port":(\d+)/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      const base = `http://127.0.0.1:${Number(/"port":(\d+)/.exec(out)![1])}`;
      expect((await get(`${base}/readyz`)).status).toBe(200);
      const help = (): Promise<{ status: number; body: string }> =>
        postToBot(
          `${base}/slack/events`,
          slashCommandBody({ command: '/pymem', text: 'help', user_id: 'U0DRAIN', channel_id: CHANNEL, team_id: 'T0TESTTEAM', trigger_id: newTriggerId(), response_url: slack.createResponseUrl(CHANNEL, 'U0DRAIN') }),
          { signingSecret: 'drain-secret' },
        );

      child.kill('SIGTERM');
      // Readiness goes first, so the load balancer stops sending...
      let ready = await get(`${base}/readyz`);
      for (let i = 0; i < 50 && ready.status === 200; i++) ready = await get(`${base}/readyz`);
      expect(ready).toEqual({ status: 503, body: '{"status":"shutting down"}' });
      // ...while a request it already sent is still answered, as is liveness.
      const during = await help();
      expect(during.status).toBe(200);
      expect(JSON.parse(during.body).text).toContain('/pymem &lt;service&gt; [window]');
      expect((await get(`${base}/healthz`)).status).toBe(200);
      expect(out).not.toContain('stopped cleanly');

      expect(await exited).toBe(0);
      expect(out).toContain('stopped cleanly');
      // The listener is closed once the drain is over.
      await expect(help()).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await slack.stop();
    }
  }, 60_000);
});

describe('graceful shutdown', () => {
  it('on SIGTERM stops taking work, tells the requester of an unfinished analysis, and exits 0', async () => {
    const slack = await SlackStandIn.start({ channels: [CHANNEL] });
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'pymem-shutdown-'));
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'main.js')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        SLACK_BOT_TOKEN: 'xoxb-shutdown',
        SLACK_SIGNING_SECRET: 'shutdown-secret',
        SLACK_API_URL: slack.apiUrl,
        PROMETHEUS_URL: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
        PROMETHEUS_TIMEOUT: '60s',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: join(dir, 'pymem.sqlite'),
        PYMEM_SHUTDOWN_GRACE: '1s',
        PYMEM_SHUTDOWN_DRAIN: '0s',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
    try {
      for (let i = 0; i < 100 && !/"port":(\d+)/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      const port = Number(/"port":(\d+)/.exec(out)![1]);
      const body = slashCommandBody({ command: '/pymem', text: 'ow-a', user_id: 'U0WAITING', channel_id: CHANNEL, team_id: 'T0TESTTEAM', trigger_id: newTriggerId(), response_url: slack.createResponseUrl(CHANNEL, 'U0WAITING') });
      const ack = await postToBot(`http://127.0.0.1:${port}/slack/events`, body, { signingSecret: 'shutdown-secret' });
      expect(ack.status).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(8_000);
      const notice = slack.messages(CHANNEL).find((m) => m.visibleTo === 'U0WAITING' && (m.text + JSON.stringify(m.blocks)).includes('restarting'));
      expect(notice).toBeDefined();
      expect(out).toContain('stopped cleanly');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      hanging.closeAllConnections();
      hanging.close();
      await slack.stop();
    }
  }, 60_000);
});
