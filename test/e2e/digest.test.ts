/**
 * Subscriptions and the daily digest end to end: signed commands and clicks into the bot, the
 * Slack stand-in, a real Prometheus (one service slowed down, one broken), an SQLite file.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/blocks';
import { DIGEST_ACTIONS } from '../../src/slack/digest-blocks';
import { main } from '../../src/cli/main';
import { SCENARIOS, SCENARIO_END_MS } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { CHANNEL, reportOf, startBotHarness, type BotHarness } from '../support/bot-harness';

let prom: RunningPrometheus;
let h: BotHarness;
let gate: Server;
const NOW = SCENARIO_END_MS;

/** A proxy that lets queries for `hang-api` hang, to prove one slow service cannot sink a digest. */
async function startGate(target: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if ((req.url ?? '').includes('hang-api')) return; // never answers
    const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  // 24 h scenarios, so the digest's 24 h window is full.
  const specs = ['one-diurnal-16w-24h', 'stable-diurnal-sawtooth-24h', 'all-diurnal-16w-24h'].map((id) => SCENARIOS.find((s) => s.id === id)!.spec);
  prom = await startPrometheus({ families: familiesFor(specs) });
  const g = await startGate(prom.url);
  gate = g.server;
  h = await startBotHarness({ prometheusUrl: g.url, nowMs: NOW, env: { PYMEM_DIGEST_SERVICE_TIMEOUT: '2s', PROMETHEUS_TIMEOUT: '30s' } });
}, 180_000);

afterAll(async () => {
  await h?.stop();
  gate?.closeAllConnections();
  gate?.close();
  await prom?.stop();
});

async function respondedTo(text: string, since: string) {
  return h.slack.waitForMessage((m) => (m.text + JSON.stringify(m.blocks)).includes(text), { after: since, timeoutMs: 30_000 });
}

describe('subscriptions', () => {
  it('subscribes, is idempotent, lists and unsubscribes, with clear replies', async () => {
    const since = h.slack.mark();
    await h.command('subscribe ow-b');
    const added = await respondedTo('now gets `ow-b`', since);
    expect(added.visibleTo).toBeUndefined(); // the whole channel sees a change to its digest
    expect(added.text + JSON.stringify(added.blocks)).toContain('daily at 08:00 UTC');

    await h.command('subscribe ow-b');
    await respondedTo('already follows `ow-b`', since);
    for (const s of ['st-b', 'aw-b', 'hang-api', 'ghost-api']) await h.command(`subscribe ${s}`);
    await respondedTo('now gets `ghost-api`', since);

    await h.command('list');
    const list = await respondedTo('follows 5 services', since);
    expect(JSON.stringify(list.blocks)).toContain('`aw-b`, `ghost-api`, `hang-api`, `ow-b`, `st-b`');

    await h.command('unsubscribe nope-api');
    await respondedTo('did not include `nope-api`', since);
    expect((await h.store.subscriptions(CHANNEL)).map((s) => s.service)).toEqual(['aw-b', 'ghost-api', 'hang-api', 'ow-b', 'st-b']);
  }, 60_000);

  it('subscribes from the button under a report', async () => {
    const since = h.slack.mark();
    await h.command('st-b');
    const report = await h.slack.waitForMessage((m) => m.visibleTo === undefined && JSON.stringify(m.blocks).includes('st-b — '), { after: since, timeoutMs: 60_000 });
    expect(JSON.stringify(report.blocks)).toContain(ACTION_IDS.subscribe);
    await h.click(report, { type: 'button', action_id: ACTION_IDS.subscribe });
    const reply = await respondedTo('already follows `st-b`', since);
    expect(reply.visibleTo).toBe('U0RESPONDER');
  }, 90_000);
});

describe('the digest', () => {
  it('ranks the growers, lists what could not be measured, and posts one message with a chart', async () => {
    const since = h.slack.mark();
    const outcomes = await h.bot.digests.runChannels(new Map([[CHANNEL, ['ow-b', 'st-b', 'aw-b', 'hang-api', 'ghost-api']]]), '2026-03-02T12:00:00.000Z', NOW);
    expect(outcomes).toMatchObject([{ channelId: CHANNEL, outcome: 'posted' }]);
    const digest = await h.slack.waitForMessage((m) => JSON.stringify(m.blocks).includes('Memory digest'), { after: since, timeoutMs: 10_000 });
    const json = JSON.stringify(digest.blocks);
    const order = ['*aw-b*', '*ow-b*', '*ghost-api*', '*hang-api*'].map((s) => json.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(json).toMatch(/\*aw-b\* :chart_with_upwards_trend: \*\+\d+(\.\d)?%\* \(\+[\d.]+ (MiB|GiB)\)/);
    expect(json).toContain('`all-workers-growing`');
    expect(json).toMatch(/ghost-api\* :(warning|grey_question):/);
    expect(json, json.slice(json.indexOf('hang-api'), json.indexOf('hang-api') + 200)).toMatch(/hang-api\* :warning: not measured: the metrics backend took longer than 2 s/);
    expect(json).toContain('Steady or shrinking* (1)');
    const image = digest.blocks.find((b) => b.type === 'image') as { slack_file: { id: string } };
    const png = h.slack.fileContent(image.slack_file.id)!.bytes;
    expect(png.subarray(0, 4).toString('hex')).toBe('89504e47');
    mkdirSync(join(__dirname, '..', '.artifacts'), { recursive: true });
    writeFileSync(join(__dirname, '..', '.artifacts', 'digest-message.json'), JSON.stringify({ text: digest.text, blocks: digest.blocks }, null, 2));
    writeFileSync(join(__dirname, '..', '.artifacts', 'digest-chart.png'), png);
    const runs = await h.store.digestRuns(CHANNEL);
    expect(runs).toMatchObject([{ periodKey: '2026-03-02T12:00:00.000Z', status: 'posted', messageTs: digest.ts }]);
  }, 60_000);

  it('runs a period once, and the next digest says what changed', async () => {
    const again = await h.bot.digests.runChannels(new Map([[CHANNEL, ['ow-b']]]), '2026-03-02T12:00:00.000Z', NOW);
    expect(again).toMatchObject([{ outcome: 'already-posted' }]);
    const since = h.slack.mark();
    await h.bot.digests.runChannels(new Map([[CHANNEL, ['ow-b', 'aw-b']]]), '2026-03-02T12:05:00.000Z', NOW + 300_000);
    const next = await h.slack.waitForMessage((m) => JSON.stringify(m.blocks).includes('Memory digest'), { after: since, timeoutMs: 10_000 });
    expect(JSON.stringify(next.blocks)).toMatch(/last digest \+\d/);
  }, 60_000);

  it('a quiet day is one line', async () => {
    const since = h.slack.mark();
    await h.bot.digests.runChannels(new Map([['C0QUIETCH1', ['st-b']]]), '2026-03-02T12:10:00.000Z', NOW);
    const quiet = await h.slack.waitForMessage((m) => m.channel === 'C0QUIETCH1', { after: since, timeoutMs: 10_000 });
    expect(quiet.blocks).toHaveLength(1);
    expect(JSON.stringify(quiet.blocks)).toContain('all 1 service steady over the last 24 h');
  }, 60_000);

  it('opens the full analysis from a digest button', async () => {
    const digest = h.slack.messages(CHANNEL).filter((m) => JSON.stringify(m.blocks).includes('Memory digest')).at(-1)!;
    const since = h.slack.mark();
    await h.click(digest, { type: 'button', action_id: `${DIGEST_ACTIONS.analyzePrefix}:aw-b` });
    await h.slack.waitForMessage((m) => m.visibleTo === undefined && JSON.stringify(m.blocks).includes('aw-b — all workers growing'), { after: since, timeoutMs: 60_000 });
    expect(reportOf(h.slack, 'aw-b')).toBeDefined();
  }, 90_000);

  it('pymem digest --dry-run prints what would be posted', async () => {
    let out = '';
    let err = '';
    const code = await main(['digest', '--dry-run', '--channel', CHANNEL], {
      DATABASE_URL: h.dbPath,
      PROMETHEUS_URL: prom.url,
      LOG_LEVEL: 'silent',
    }, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), now: () => NOW });
    expect(code, err).toBe(0);
    expect(out).toContain(`# ${CHANNEL}: memory digest, last 24 h`);
    expect(out).toMatch(/aw-b \+\d/);
    expect(out).not.toContain('*');
  }, 60_000);
});
