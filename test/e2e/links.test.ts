/**
 * Dashboard and runbook links end to end: a config file with link templates, signed commands and
 * clicks into the bot, the Slack stand-in (which validates Block Kit as Slack does), a real
 * Prometheus, an SQLite file.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionsBlock, Button } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StandInMessage } from '../../src/slack-standin/workspace';
import { SCENARIOS, SCENARIO_END_MS } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { CHANNEL, startBotHarness, type BotHarness } from '../support/bot-harness';

const NOW = SCENARIO_END_MS;
const CONFIG = [
  // Messages in Berlin time; links carry instants (ms, and RFC 3339 in UTC) whatever the zone.
  'analysis:',
  '  timeZone: Europe/Berlin',
  'links:',
  '  dashboard: "https://grafana.example/d/abc/memory?var-service=$service&from=$from_ms&to=$to_ms"',
  '  runbook: https://wiki.example/runbooks/$service',
  'services:',
  '  aw-b:',
  '    links:',
  '      runbook: "https://wiki.example/teams/batch/${service}?from=$from&to=$to"',
  '',
].join('\n');

let prom: RunningPrometheus;
let h: BotHarness;
let dir: string;
const logLines: string[] = [];

beforeAll(async () => {
  // 24 h scenarios: a 6 h report and the digest's 24 h both have data.
  const specs = ['one-diurnal-16w-24h', 'all-diurnal-16w-24h'].map((id) => SCENARIOS.find((s) => s.id === id)!.spec);
  prom = await startPrometheus({ families: familiesFor(specs) });
  dir = await mkdtemp(join(tmpdir(), 'pymem-links-'));
  const configPath = join(dir, 'pymem.yaml');
  await writeFile(configPath, CONFIG);
  h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW, env: { PYMEM_CONFIG: configPath }, logStream: { write: (line) => void logLines.push(line) } });
}, 180_000);

afterAll(async () => {
  await h?.stop();
  await prom?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function linkButtons(message: StandInMessage, blockId: string): Button[] {
  const block = message.blocks.find((b) => b['block_id'] === blockId) as ActionsBlock | undefined;
  expect(block?.type, `block ${blockId}`).toBe('actions');
  return block!.elements as Button[];
}

/** The incident is attached to its message right after chat.postMessage answers. */
async function incidentOf(messageTs: string) {
  for (let i = 0; i < 100; i++) {
    const incident = await h.store.findIncidentByMessage(CHANNEL, messageTs);
    if (incident) return incident;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no incident for message ${messageTs}`);
}

/** Errors the bot logged after a given point (a second acknowledgement of one request would be one). */
function errorsSince(count: number): string[] {
  return logLines.slice(count).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

/** Clicks a link button and proves that the click was acknowledged and changed nothing. */
async function clickChangesNothing(message: StandInMessage, actionId: string): Promise<void> {
  const since = h.slack.mark();
  const calls = h.slack.calls().length;
  const logs = logLines.length;
  const incident = await h.store.findIncidentByMessage(CHANNEL, message.ts);
  const res = await h.click(message, { type: 'button', action_id: actionId });
  expect(res.status).toBe(200);
  expect(res.body).toBe('');
  // Anything the click set off would show within a moment: a reply, an update, a Web API call.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await h.bot.reports.idle();
  expect(h.slack.messages(CHANNEL).filter((m) => m.ts > since)).toEqual([]);
  expect(h.slack.message(CHANNEL, message.ts)!.edits).toBe(message.edits);
  expect(h.slack.calls().slice(calls).map((c) => c.method)).toEqual([]);
  if (incident) expect((await h.store.getIncident(incident.id))!.version).toBe(incident.version);
  expect(errorsSince(logs)).toEqual([]);
}

describe('links under a report', () => {
  let report: StandInMessage;

  it('a posted report carries a button per link, with the URLs for its service and window', async () => {
    const since = h.slack.mark();
    expect((await h.command('ow-b')).status).toBe(200);
    report = await h.slack.waitForMessage((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes('"text":"ow-b — '), { after: since, timeoutMs: 60_000 });
    const incident = await incidentOf(report.ts);
    const window = incident.report.diagnosis.window;
    const [startMs, endMs] = [Date.parse(window.start), Date.parse(window.end)];
    expect(endMs - startMs).toBe(6 * 3_600_000);
    const buttons = linkButtons(report, 'links');
    expect(buttons.map((b) => [b.action_id, b.text.text, b.url])).toEqual([
      ['link:dashboard', 'Dashboard', `https://grafana.example/d/abc/memory?var-service=ow-b&from=${startMs}&to=${endMs}`],
      ['link:runbook', 'Runbook', 'https://wiki.example/runbooks/ow-b'],
    ]);
    expect(incident.report.links).toEqual({ dashboard: buttons[0]!.url, runbook: buttons[1]!.url });
    // The footer is in Berlin time; the stand-in accepted the message (it refuses invalid Block Kit).
    expect(JSON.stringify(report.blocks)).toMatch(/GMT\+1|CET/);
  }, 90_000);

  it('a click on a link button is acknowledged with 200 and changes nothing', async () => {
    await clickChangesNothing(report, 'link:dashboard');
    await clickChangesNothing(report, 'link:runbook');
  }, 30_000);

  it('a tick redraws the report with the same links', async () => {
    await h.click(report, { type: 'checkboxes', action_id: 'checklist:find-worker', selected: ['find-worker'] });
    for (let i = 0; i < 100 && h.slack.message(CHANNEL, report.ts)!.edits === report.edits; i++) await new Promise((r) => setTimeout(r, 50));
    const redrawn = h.slack.message(CHANNEL, report.ts)!;
    expect(redrawn.edits).toBeGreaterThan(report.edits);
    expect(linkButtons(redrawn, 'links').map((b) => b.url)).toEqual(linkButtons(report, 'links').map((b) => b.url));
  }, 30_000);
});

describe('links in the digest', () => {
  it('each grower has its own links over the digest window, per-service templates included, and a click on one changes nothing', async () => {
    const since = h.slack.mark();
    const outcomes = await h.bot.digests.runChannels(new Map([[CHANNEL, ['ow-b', 'aw-b']]]), '2026-03-02T12:00:00.000Z', NOW);
    expect(outcomes).toMatchObject([{ channelId: CHANNEL, outcome: 'posted' }]);
    const digest = await h.slack.waitForMessage((m) => JSON.stringify(m.blocks).includes('Memory digest'), { after: since, timeoutMs: 30_000 });
    const [start, end] = [NOW - 24 * 3_600_000, NOW];
    const utc = (ms: number) => encodeURIComponent(new Date(ms).toISOString().replace('.000Z', 'Z'));
    expect(linkButtons(digest, 'digest_links_ow-b').map((b) => [b.action_id, b.url])).toEqual([
      ['link:dashboard:ow-b', `https://grafana.example/d/abc/memory?var-service=ow-b&from=${start}&to=${end}`],
      ['link:runbook:ow-b', 'https://wiki.example/runbooks/ow-b'],
    ]);
    expect(linkButtons(digest, 'digest_links_aw-b').map((b) => b.url)).toEqual([
      `https://grafana.example/d/abc/memory?var-service=aw-b&from=${start}&to=${end}`,
      `https://wiki.example/teams/batch/aw-b?from=${utc(start)}&to=${utc(end)}`,
    ]);
    await clickChangesNothing(digest, 'link:runbook:aw-b');
  }, 90_000);
});
