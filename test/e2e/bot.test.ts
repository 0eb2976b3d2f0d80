/**
 * The Slack bot end to end, nothing mocked inside the process: signed requests into Bolt's HTTP
 * receiver, the Slack stand-in as Web API, a real Prometheus with backfilled data, an SQLite file.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKLIST_STEP_IDS } from '../../src/domain/checklist';
import { checklistActionId, ACTION_IDS } from '../../src/slack/blocks';
import type { StandInMessage } from '../../src/slack-standin/workspace';
import { SCENARIOS, SCENARIO_END_MS } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { blockText, CHANNEL, reportOf, SIGNING_SECRET, startBotHarness, type BotHarness } from '../support/bot-harness';
import { blockActionPayload, blockActionsBody, postToBot } from '../../src/slack-standin/signed-requests';

const ARTIFACTS = join(__dirname, '..', '.artifacts');
let prom: RunningPrometheus;
let h: BotHarness;
const NOW = SCENARIO_END_MS;

const scenario = (id: string) => SCENARIOS.find((s) => s.id === id)!;

beforeAll(async () => {
  const specs = ['one-8w-6h', 'stable-8w-6h', 'large-16w-6h'].map((id) => scenario(id).spec);
  const t0 = NOW / 1000 - 6 * 3600;
  prom = await startPrometheus({
    families: familiesFor(specs, [
      {
        name: 'http_requests_total',
        type: 'counter',
        series: [{ labels: { job: 'multiproc-api', instance: 'web-1' }, samples: Array.from({ length: 1441 }, (_, i) => ({ tSeconds: t0 + i * 15, value: i * 20 })) }],
      },
    ]),
  });
  h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW });
}, 180_000);

afterAll(async () => {
  await h?.stop();
  await prom?.stop();
});

async function reportFor(service: string, since = ''): Promise<StandInMessage> {
  return h.slack.waitForMessage((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes(`"text":"${service} — `), { after: since, timeoutMs: 60_000 });
}

async function ephemeralContaining(text: string, since: string): Promise<StandInMessage> {
  return h.slack.waitForMessage((m) => m.visibleTo !== undefined && (m.text + JSON.stringify(m.blocks)).includes(text), { after: since, timeoutMs: 60_000 });
}

/** The incident is attached to its message right after chat.postMessage answers. */
async function waitForIncident(messageTs: string) {
  for (let i = 0; i < 100; i++) {
    const incident = await h.store.findIncidentByMessage(CHANNEL, messageTs);
    if (incident) return incident;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

/** Waits until the report shows what the store holds and no refresh is running. */
async function settled(messageTs: string): Promise<StandInMessage> {
  const incident = (await waitForIncident(messageTs))!;
  for (let i = 0; i < 200; i++) {
    await h.bot.reports.idle();
    const before = (await h.store.getIncident(incident.id))!.version;
    await new Promise((r) => setTimeout(r, 50));
    await h.bot.reports.idle();
    const after = (await h.store.getIncident(incident.id))!.version;
    if (before === after) return h.slack.message(CHANNEL, messageTs)!;
  }
  throw new Error('the checklist never settled');
}

describe('/pymem <service>', () => {
  it('acknowledges at once and posts the report with its chart and checklist', async () => {
    const since = h.slack.mark();
    const callsBefore = h.slack.calls().length;
    const ack = await h.command('ow-a');
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Analysing ow-a over the last 6 h') });

    const report = await reportFor('ow-a', since);
    expect(report.user).toBe(h.slack.identity.botUserId);
    const image = report.blocks.find((b) => b.type === 'image') as { slack_file: { id: string } } | undefined;
    expect(image).toBeDefined();
    const png = h.slack.fileContent(image!.slack_file.id)!;
    expect(png.bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    // Kept for a person to look at: what exactly was posted.
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'bot-report.json'), JSON.stringify({ text: report.text, blocks: report.blocks }, null, 2));
    writeFileSync(join(ARTIFACTS, 'bot-report-chart.png'), png.bytes);
    expect(png.bytes.length).toBeGreaterThan(20_000);

    // The three-step upload happened before the message.
    const methods = h.slack.calls().slice(callsBefore).map((c) => c.method);
    const upload = methods.indexOf('files.getUploadURLExternal');
    expect(upload).toBeGreaterThanOrEqual(0);
    expect(methods.indexOf('upload')).toBeGreaterThan(upload);
    expect(methods.indexOf('files.completeUploadExternal')).toBeGreaterThan(methods.indexOf('upload'));
    expect(methods.indexOf('chat.postMessage')).toBeGreaterThan(methods.indexOf('files.completeUploadExternal'));

    expect(blockText(report, 'verdict')).toContain('one-worker-growing');
    expect(blockText(report, 'findings')).toMatch(/pid \d+ on web-\d grew/);
    for (const id of CHECKLIST_STEP_IDS) expect(blockText(report, `step_${id}`)).toContain(checklistActionId(id));
    expect(blockText(report, 'step_allocation-paths')).toMatch(/memray attach \d+/);
    expect(blockText(report, 'checklist_header')).toContain('0/5 done');

    const incident = await waitForIncident(report.ts);
    expect(incident).toMatchObject({ service: 'ow-a', createdBy: 'U0RESPONDER', windowMs: 6 * 3_600_000 });
    expect(incident!.report.diagnosis.pattern).toBe('one-worker-growing');
  }, 90_000);

  it('records a tick with who and when, and shows it in place', async () => {
    const report = reportOf(h.slack, 'ow-a')!;
    const edits = report.edits;
    const res = await h.click(report, { type: 'checkboxes', action_id: checklistActionId('find-worker'), selected: ['find-worker'] }, { user: 'U0ALICE' });
    expect(res.status).toBe(200);
    const updated = await h.slack.waitForMessage((m) => m.ts === report.ts && m.edits > edits, { timeoutMs: 30_000 });
    expect(blockText(updated, 'status_find-worker')).toMatch(/Done by <@U0ALICE> at \d\d:\d\d UTC/);
    expect(blockText(updated, 'checklist_header')).toContain('1/5 done');
    expect(updated.blocks.find((b) => (b as { block_id?: string }).block_id === 'step_find-worker')).toMatchObject({ accessory: { initial_options: [{ value: 'find-worker' }] } });
    const incident = (await h.store.findIncidentByMessage(CHANNEL, report.ts))!;
    expect(await h.store.tickEvents(incident.id)).toMatchObject([{ stepId: 'find-worker', userId: 'U0ALICE', checked: true }]);
  }, 60_000);

  it('keeps the checklist across a restart on the same database file', async () => {
    h = await h.restart();
    const report = reportOf(h.slack, 'ow-a')!;
    const edits = report.edits;
    await h.click(report, { type: 'checkboxes', action_id: checklistActionId('worker-changes'), selected: ['worker-changes'] }, { user: 'U0BOB' });
    const updated = await h.slack.waitForMessage((m) => m.ts === report.ts && m.edits > edits, { timeoutMs: 30_000 });
    expect(blockText(updated, 'status_find-worker')).toContain('Done by <@U0ALICE>');
    expect(blockText(updated, 'status_worker-changes')).toContain('Done by <@U0BOB>');
    expect(blockText(updated, 'checklist_header')).toContain('2/5 done');
  }, 60_000);

  it('ends twenty concurrent tickers in a message that matches the stored state', async () => {
    const report = reportOf(h.slack, 'ow-a')!;
    const clicks = Array.from({ length: 20 }, (_, i) => {
      const step = CHECKLIST_STEP_IDS[i % CHECKLIST_STEP_IDS.length]!;
      const checked = i % 3 !== 0;
      return h.click(report, { type: 'checkboxes', action_id: checklistActionId(step), selected: checked ? [step] : [] }, { user: `U0USER${String(i).padStart(2, '0')}` });
    });
    const responses = await Promise.all(clicks);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const final = await settled(report.ts);
    const incident = (await h.store.findIncidentByMessage(CHANNEL, report.ts))!;
    const state = await h.store.checklistState(incident.id);
    const events = await h.store.tickEvents(incident.id);
    expect(events.length).toBe(22);
    for (const id of CHECKLIST_STEP_IDS) {
      const step = state[id]!;
      const status = blockText(final, `status_${id}`);
      expect(status, id).toContain(`<@${step.userId}>`);
      expect(status, id).toContain(step.checked ? 'Done by' : 'Reopened by');
      const ticked = JSON.stringify(final.blocks.find((b) => (b as { block_id?: string }).block_id === `step_${id}`)).includes('initial_options');
      expect(ticked, id).toBe(step.checked);
    }
    const done = CHECKLIST_STEP_IDS.filter((id) => state[id]?.checked).length;
    expect(blockText(final, 'checklist_header')).toContain(`${done}/5 done`);
    // Coalesced: far fewer updates than clicks.
    expect(final.edits).toBeLessThan(2 + 20 + 2);
  }, 90_000);

  it('ignores a redelivered command and a redelivered click', async () => {
    const since = h.slack.mark();
    const callsBefore = h.slack.calls().length;
    const first = await h.command('st-a');
    const again = await h.command('st-a', { triggerId: first.triggerId, retryNum: 1 });
    expect(again.status).toBe(200);
    const report = await reportFor('st-a', since);
    await new Promise((r) => setTimeout(r, 1500));
    const posts = h.slack.calls().slice(callsBefore).filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes('st-a — '));
    expect(posts).toHaveLength(1);

    const click = { type: 'checkboxes' as const, action_id: checklistActionId('find-worker'), selected: ['find-worker'] };
    await h.click(report, click, { user: 'U0CAROL', triggerId: '111.222.dup', actionTs: '1772452800.000100' });
    await h.click(report, click, { user: 'U0CAROL', triggerId: '111.222.dup', actionTs: '1772452800.000100', retryNum: 1 });
    await settled(report.ts);
    const incident = (await h.store.findIncidentByMessage(CHANNEL, report.ts))!;
    expect(await h.store.tickEvents(incident.id)).toHaveLength(1);
  }, 90_000);

  it('re-runs into the thread and keeps the checklist', async () => {
    const report = reportOf(h.slack, 'ow-a')!;
    const incident = (await h.store.findIncidentByMessage(CHANNEL, report.ts))!;
    const before = await h.store.checklistState(incident.id);
    const since = h.slack.mark();
    await h.click(report, { type: 'button', action_id: ACTION_IDS.rerun });
    const rerun = await h.slack.waitForMessage((m) => m.thread_ts === report.ts, { after: since, timeoutMs: 60_000 });
    expect(JSON.stringify(rerun.blocks)).toContain('Re-run by <@U0RESPONDER>');
    expect(rerun.blocks.some((b) => b.type === 'image')).toBe(true);

    const since2 = h.slack.mark();
    await h.click(report, { type: 'static_select', action_id: ACTION_IDS.window, selected: String(24 * 3_600_000) });
    const windowed = await h.slack.waitForMessage((m) => m.thread_ts === report.ts, { after: since2, timeoutMs: 60_000 });
    expect(JSON.stringify(windowed.blocks), JSON.stringify(windowed.blocks).slice(-400)).toContain('over the last 24 h');
    expect(await h.store.checklistState(incident.id)).toEqual(before);
  }, 120_000);
});

describe('refusals and errors', () => {
  it('refuses a bad signature and a stale timestamp, with no side effects', async () => {
    const calls = h.slack.calls().length;
    const forged = await h.command('ow-a', { signingSecret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    const stale = await h.command('ow-a', { timestampSeconds: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(h.slack.calls().length).toBe(calls);
  });

  it('answers help and bad input in the acknowledgement', async () => {
    const help = JSON.parse((await h.command('help')).body) as { response_type: string; text: string };
    expect(help.response_type).toBe('ephemeral');
    expect(help.text).toContain('/pymem &lt;service&gt; [window]');
    for (const [text, expected] of [
      ['ow-a"} or vector(1)', 'not a service name'],
      ['ow-a 5m', 'shortest window'],
      ['ow-a 90d', 'longest window'],
      ['ow-a 6h extra', 'at most one window'],
    ] as const) {
      const res = await h.command(text);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).text, text).toContain(expected);
    }
  });

  it('tells the requester when a service is unknown or exports no per-worker memory', async () => {
    const since = h.slack.mark();
    await h.command('no-such-service');
    const unknown = await ephemeralContaining('no-such-service', since);
    expect(unknown.visibleTo).toBe('U0RESPONDER');
    expect(unknown.text + JSON.stringify(unknown.blocks)).toMatch(/could not analyse `no-such-service`/);

    await h.command('multiproc-api');
    const noData = await ephemeralContaining('cannot diagnose `multiproc-api`', since);
    expect(JSON.stringify(noData.blocks)).toContain('multiprocess');
  }, 60_000);

  it('posts the report without the chart, and says so, when the upload fails', async () => {
    const since = h.slack.mark();
    // Refused for good (not a passing failure on Slack's side, which is retried).
    h.slack.failNext('files.getUploadURLExternal', { error: 'file_uploads_disabled' });
    await h.command('lg-a');
    const report = await reportFor('lg-a', since);
    expect(report.blocks.some((b) => b.type === 'image')).toBe(false);
    expect(blockText(report, 'chart_missing')).toContain('uploading the chart to Slack failed (file_uploads_disabled)');
    expect(blockText(report, 'verdict')).toContain('all-workers-large-stable');
  }, 60_000);

  it('retries an upload that failed on Slack\'s side, and shows the chart', async () => {
    const since = h.slack.mark();
    const callsBefore = h.slack.calls().length;
    h.slack.failNext('files.getUploadURLExternal', { error: 'internal_error' });
    await h.command('lg-a 24h');
    const report = await reportFor('lg-a', since);
    expect(report.blocks.some((b) => b.type === 'image')).toBe(true);
    const attempts = h.slack.calls().slice(callsBefore).filter((c) => c.method === 'files.getUploadURLExternal');
    expect(attempts.map((c) => c.response?.injected)).toEqual([true, false]);
  }, 60_000);

  it('tells the requester to invite pymem when Slack refuses the channel, and keeps serving', async () => {
    const since = h.slack.mark();
    h.slack.failNext('chat.postMessage', { error: 'not_in_channel' });
    await h.command('st-a');
    const notice = await ephemeralContaining('Invite it with `/invite @pymem`', since);
    expect(notice.visibleTo).toBe('U0RESPONDER');
    await h.command('st-a');
    await reportFor('st-a', since);
  }, 60_000);

  it('answers within the time limit when the metrics backend is down or hangs', async () => {
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const hangUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    const down = await startBotHarness({ prometheusUrl: 'http://127.0.0.1:1', nowMs: NOW, slack: h.slack });
    const slow = await startBotHarness({ prometheusUrl: hangUrl, nowMs: NOW, slack: h.slack, env: { PYMEM_ANALYSIS_TIMEOUT_MS: '1500', PROMETHEUS_TIMEOUT: '30s' } });
    try {
      const since = h.slack.mark();
      await down.command('ow-a', { user: 'U0DOWN' });
      const downNotice = await h.slack.waitForMessage((m) => m.visibleTo === 'U0DOWN', { after: since, timeoutMs: 30_000 });
      expect(downNotice.text + JSON.stringify(downNotice.blocks)).toMatch(/could not analyse `ow-a`.*(refused|reach)/is);

      await slow.command('ow-a', { user: 'U0SLOW' });
      const slowNotice = await h.slack.waitForMessage((m) => m.visibleTo === 'U0SLOW', { after: since, timeoutMs: 30_000 });
      expect(slowNotice.text + JSON.stringify(slowNotice.blocks)).toMatch(/did not answer within 2 s|within 1 s/);
    } finally {
      await down.stop();
      await slow.stop();
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  }, 90_000);

  it('refuses clicks it cannot read without crashing', async () => {
    const report = reportOf(h.slack, 'ow-a')!;
    const payload = blockActionPayload({
      message: report,
      user: { id: 'U0MALLORY' },
      click: { type: 'checkboxes', action_id: checklistActionId('find-worker'), selected: [] },
      responseUrl: h.slack.createResponseUrl(CHANNEL, 'U0MALLORY'),
    });
    const tampered = { ...payload, actions: payload.actions.map((a) => ({ ...a, action_id: 'checklist:not-a-step' })) };
    const since = h.slack.mark();
    const res = await postToBot(h.eventsUrl, blockActionsBody(tampered), { signingSecret: SIGNING_SECRET });
    expect(res.status).toBe(200);
    const notice = await h.slack.waitForMessage((m) => m.visibleTo === 'U0MALLORY', { after: since, timeoutMs: 10_000 });
    expect(notice.text).toContain('could not read that click');
    const again = await h.command('help');
    expect(again.status).toBe(200);
  });
});
