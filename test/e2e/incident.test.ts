/**
 * Issue 13 end to end, on both stores: a report, ticks by two people, an untick, a re-run, Resolve
 * (after its confirmation) and the timeline exported as a Markdown file in the thread, listing every
 * event in order with the right people; `/pymem timeline` and the CLI say the same; the Home tab shows
 * the open incident to people in the channel and drops it once resolved. Signed requests into the real
 * Bolt app, the Slack stand-in validating every block, a real Prometheus, an SQLite file and PostgreSQL.
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import type { ChecklistStepId } from '../../src/domain/checklist';
import { ACTION_IDS, checklistActionId, INCIDENT_ACTION_IDS } from '../../src/slack/blocks';
import { SlackStandIn } from '../../src/slack-standin/server';
import { eventCallbackBody, postToBot } from '../../src/slack-standin/signed-requests';
import type { StandInMessage } from '../../src/slack-standin/workspace';
import type { IncidentRecord } from '../../src/store/store';
import { validateBlocks } from '../../src/slack-standin/block-validation';
import { blockText, CHANNEL, QUIET_CHANNEL, SIGNING_SECRET, startBotHarness, TEAM, type BotHarness } from '../support/bot-harness';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { familiesFor } from '../support/scenario-metrics';
import { SCENARIOS, SCENARIO_END_MS } from '../support/scenario-set';

const ARTIFACTS = join(__dirname, '..', '.artifacts');
const PG_URL = process.env['PYMEM_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const NOW = SCENARIO_END_MS;
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const OUTSIDER = 'U0OUTSIDER';

let prom: RunningPrometheus;
const schemas: string[] = [];

beforeAll(async () => {
  prom = await startPrometheus({ families: familiesFor([SCENARIOS.find((s) => s.id === 'one-8w-6h')!.spec]) });
}, 180_000);

afterAll(async () => {
  await prom?.stop();
  if (schemas.length > 0) {
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
});

async function postgresUrl(): Promise<string> {
  const schema = `pymem_incident_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  schemas.push(schema);
  return `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

describe.each([
  ['SQLite file', async (): Promise<Record<string, string>> => ({})],
  ['PostgreSQL', async (): Promise<Record<string, string>> => ({ DATABASE_URL: await postgresUrl() })],
])('incidents on %s', (name, envFor) => {
  const slug = name.startsWith('SQLite') ? 'sqlite' : 'postgres';
  let h: BotHarness;
  let slack: SlackStandIn;
  let databaseUrl: string;

  beforeAll(async () => {
    slack = await SlackStandIn.start({
      channels: [
        { id: CHANNEL, members: [ALICE, BOB] },
        { id: QUIET_CHANNEL, members: [ALICE, OUTSIDER] },
      ],
    });
    const env: Record<string, string> = { PYMEM_TZ: 'Europe/Berlin', ...(await envFor()) };
    h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW, slack, env });
    databaseUrl = env['DATABASE_URL'] ?? h.dbPath;
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
    await slack?.stop();
  });

  /**
   * Waits until `done` holds for the report's incident and Slack shows the incident's latest version
   * with no refresh running (an edit alone may be an earlier refresh arriving late).
   */
  async function settledWhen(report: StandInMessage, done: (incident: IncidentRecord, ticks: number) => boolean): Promise<StandInMessage> {
    for (let i = 0; i < 600; i++) {
      const incident = await h.store.findIncidentByMessage(CHANNEL, report.ts);
      if (incident && done(incident, (await h.store.tickEvents(incident.id)).length) && incident.renderedVersion >= incident.version) {
        await h.bot.reports.idle();
        const again = (await h.store.getIncident(incident.id))!;
        if (again.renderedVersion >= again.version) return slack.message(CHANNEL, report.ts)!;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the report never showed the stored state');
  }

  async function tick(report: StandInMessage, step: ChecklistStepId, checked: boolean, user: string): Promise<StandInMessage> {
    const incident = (await h.store.findIncidentByMessage(CHANNEL, report.ts))!;
    const before = (await h.store.tickEvents(incident.id)).length;
    const res = await h.click(slack.message(CHANNEL, report.ts)!, { type: 'checkboxes', action_id: checklistActionId(step), selected: checked ? [step] : [] }, { user });
    expect(res.status).toBe(200);
    return settledWhen(report, (_incident, ticks) => ticks > before);
  }

  /** Opens the Home tab as `user` and returns what was published. */
  async function openHome(user: string): Promise<NonNullable<ReturnType<SlackStandIn['homeView']>>> {
    const before = slack.homeView(user)?.publishes ?? 0;
    const body = eventCallbackBody({ teamId: TEAM, event: { type: 'app_home_opened', user, channel: 'D0HOMETAB1', tab: 'home' } });
    const res = await postToBot(h.eventsUrl, body, { signingSecret: SIGNING_SECRET });
    expect(res.status).toBe(200);
    for (let i = 0; i < 200; i++) {
      const home = slack.homeView(user);
      if (home && home.publishes > before) return home;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no Home tab was published for ${user}`);
  }

  async function timelineFile(since: string, reportTs: string): Promise<{ message: StandInMessage; markdown: string }> {
    const message = await slack.waitForMessage((m) => m.source === 'files.completeUploadExternal' && m.thread_ts === reportTs, { after: since, timeoutMs: 30_000 });
    const file = message.files[0]!;
    expect(file.name).toMatch(/^ow-a-timeline-\d{8}-\d{4}\.md$/);
    expect(file.mimetype).toBe('text/markdown');
    return { message, markdown: slack.fileContent(file.id)!.bytes.toString('utf8') };
  }

  it('records ticks, a re-run and the resolve, shows them on the report and exports them in order', async () => {
    const since = slack.mark();
    await h.command('ow-a', { user: ALICE });
    let report = await slack.waitForMessage((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes('"text":"ow-a — '), { after: since, timeoutMs: 60_000 });
    report = await settledWhen(report, () => true);
    expect(JSON.stringify(report.blocks)).toContain(INCIDENT_ACTION_IDS.resolve);

    report = await tick(report, 'find-worker', true, ALICE);
    report = await tick(report, 'worker-changes', true, BOB);
    report = await tick(report, 'find-worker', false, BOB);
    expect(blockText(report, 'status_find-worker')).toContain(`Reopened by <@${BOB}>`);

    const beforeRerun = slack.mark();
    await h.click(report, { type: 'button', action_id: ACTION_IDS.rerun }, { user: BOB });
    await slack.waitForMessage((m) => m.thread_ts === report.ts && m.source === 'chat.postMessage', { after: beforeRerun, timeoutMs: 60_000 });
    const incident = (await h.store.findIncidentByMessage(CHANNEL, report.ts))!;
    for (let i = 0; i < 100 && (await h.store.incidentEvents(incident.id)).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await h.store.incidentEvents(incident.id)).toMatchObject([{ kind: 'rerun', userId: BOB, detail: { windowMs: 6 * 3_600_000, pattern: 'one-worker-growing' } }]);

    // The Home tab of someone in the channel lists the open incident; of someone outside it, nothing.
    const home = await openHome(ALICE);
    expect(validateBlocks(home.view['blocks'], { maxBlocks: 100 })).toEqual([]);
    const homeText = JSON.stringify(home.view['blocks']);
    expect(homeText).toContain('|ow-a>* — one worker growing');
    expect(homeText).toContain(`<#${CHANNEL}> · checklist 1/5 done · opened`);
    expect(homeText).toContain(`/archives/${CHANNEL}/p${report.ts.replace('.', '')}`);
    const outside = await openHome(OUTSIDER);
    expect(JSON.stringify(outside.view['blocks'])).toContain('No open incidents');

    // Resolve (Slack shows the confirmation; the click arrives once it is confirmed).
    const beforeResolve = report;
    await h.click(report, { type: 'button', action_id: INCIDENT_ACTION_IDS.resolve }, { user: ALICE });
    report = await settledWhen(report, (i) => i.resolution !== null);
    expect(validateBlocks(report.blocks)).toEqual([]);
    expect(report.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Resolved: ow-a — one worker growing' } });
    expect(blockText(report, 'resolution')).toContain(`Resolved* by <@${ALICE}>`);
    expect(JSON.stringify(report.blocks)).not.toContain(INCIDENT_ACTION_IDS.resolve);
    const resolution = (await h.store.getIncident(incident.id))!.resolution;
    expect(resolution?.userId).toBe(ALICE);

    // A second Resolve from a message drawn before the first: the first one stands, and the clicker is told.
    const ephemeralSince = slack.mark();
    await h.click(beforeResolve, { type: 'button', action_id: INCIDENT_ACTION_IDS.resolve }, { user: BOB });
    const told = await slack.waitForMessage((m) => m.visibleTo === BOB && m.text.includes('already resolved'), { after: ephemeralSince, timeoutMs: 30_000 });
    expect(told.text).toContain(`<@${ALICE}>`);
    expect((await h.store.getIncident(incident.id))!.resolution).toStrictEqual(resolution);

    // Ticks after the resolve are still recorded; the header still says resolved.
    report = await tick(report, 'allocation-paths', true, BOB);
    expect(report.blocks[0]).toMatchObject({ text: { text: 'Resolved: ow-a — one worker growing' } });
    expect(blockText(report, 'checklist_header')).toContain('2/5 done');

    // The resolved incident is gone from the Home tab.
    expect(JSON.stringify((await openHome(ALICE)).view['blocks'])).toContain('No open incidents');

    // Export timeline: a Markdown file in the report's thread with every event, in order, by the right people.
    const beforeExport = slack.mark();
    await h.click(report, { type: 'button', action_id: INCIDENT_ACTION_IDS.timeline }, { user: BOB });
    const { message, markdown } = await timelineFile(beforeExport, report.ts);
    // Kept for a person to look at: the exported timeline and the Home tab.
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, `incident-timeline-${slug}.md`), markdown);
    writeFileSync(join(ARTIFACTS, `incident-home-${slug}.json`), JSON.stringify(home.view, null, 2));
    expect(message.text).toContain(`exported by <@${BOB}>`);
    const rows = markdown.split('\n').filter((l) => /^\| \d{4}-/.test(l));
    const whoWhat = rows.map((row) => {
      const cells = row.split(' | ');
      return `${cells[2]} ${cells[3]!.split(' ').slice(0, 2).join(' ')}`;
    });
    expect(whoWhat).toEqual([
      `@${ALICE} Report posted`,
      `@${ALICE} Ticked “Find`,
      `@${BOB} Ticked “Check`,
      `@${BOB} Unticked “Find`,
      `@${BOB} Re-run over`,
      `@${ALICE} Incident resolved`,
      `@${BOB} Ticked “Inspect`,
    ]);
    // Times in UTC and the configured zone, increasing.
    expect(rows[0]).toMatch(/^\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\+1 \|/);
    const utc = rows.map((r) => r.slice(2, 21));
    expect([...utc].sort()).toEqual(utc);
    expect(markdown).toContain('- **Pattern:** `one-worker-growing` (one worker growing)');
    expect(markdown).toContain(`- **Status:** Resolved by @${ALICE}`);
    expect(markdown).toContain('## Findings at the time of the report');
    expect(markdown).toContain(`/archives/${CHANNEL}/p${report.ts.replace('.', '')}`);

    // `/pymem timeline ow-a` in the channel: the same timeline, in the same thread.
    const beforeCommand = slack.mark();
    const ack = await h.command('timeline ow-a', { user: ALICE });
    expect(ack.status).toBe(200);
    const fromCommand = await timelineFile(beforeCommand, report.ts);
    expect(fromCommand.markdown.split('\n').filter((l) => /^\| \d{4}-/.test(l))).toEqual(rows);

    // The command line reads the same database.
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), now: () => NOW };
    const env = { DATABASE_URL: databaseUrl, PYMEM_TZ: 'Europe/Berlin' };
    expect(await main(['timeline', CHANNEL, report.ts, '--json'], env, io)).toBe(0);
    const json = JSON.parse(out.join('')) as { incident: { status: string }; events: { kind: string; user: string }[] };
    expect(json.incident.status).toBe('resolved');
    expect(json.events.map((e) => `${e.kind} ${e.user}`)).toEqual([
      `reported ${ALICE}`,
      `ticked ${ALICE}`,
      `ticked ${BOB}`,
      `unticked ${BOB}`,
      `rerun ${BOB}`,
      `resolved ${ALICE}`,
      `ticked ${BOB}`,
    ]);
    expect(await main(['timeline', CHANNEL, '1772452800.999999'], env, io)).toBe(5);
    expect(err.join('')).toContain('no pymem report is recorded for message 1772452800.999999');
  }, 240_000);

  it('notes the resolved incident in the channel’s next digest, and not in the one after', async () => {
    const endMs = NOW + 10 * 60_000;
    const first = await h.bot.digests.runChannels(new Map([[CHANNEL, ['ow-a']]]), new Date(endMs).toISOString(), endMs);
    expect(first).toMatchObject([{ outcome: 'posted' }]);
    const digest = slack.message(CHANNEL, (first[0] as { ts: string }).ts)!;
    expect(validateBlocks(digest.blocks)).toEqual([]);
    expect(JSON.stringify(digest.blocks)).toContain(`Resolved since the last digest: \`ow-a\` (by <@${ALICE}>`);
    const nextEnd = endMs + 86_400_000;
    const second = await h.bot.digests.runChannels(new Map([[CHANNEL, ['ow-a']]]), new Date(nextEnd).toISOString(), nextEnd);
    expect(second).toMatchObject([{ outcome: 'posted' }]);
    expect(JSON.stringify(slack.message(CHANNEL, (second[0] as { ts: string }).ts)!.blocks)).not.toContain('Resolved since');
  }, 120_000);

  it('tells the clicker when Slack refuses the timeline file, and posts nothing half-done', async () => {
    const report = slack.messages(CHANNEL).find((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes('"text":"Resolved: ow-a — '))!;
    const since = slack.mark();
    slack.failNext('files.completeUploadExternal', { error: 'not_in_channel' });
    await h.click(report, { type: 'button', action_id: INCIDENT_ACTION_IDS.timeline }, { user: ALICE });
    const told = await slack.waitForMessage((m) => m.visibleTo === ALICE && m.text.includes('could not post the timeline'), { after: since, timeoutMs: 30_000 });
    expect(JSON.stringify(told.blocks)).toContain('Slack answered `not_in_channel`');
    expect(JSON.stringify(told.blocks)).toContain(`pymem timeline ${CHANNEL} ${report.ts}`);
    expect(slack.messages(CHANNEL).filter((m) => m.ts > since && m.source === 'files.completeUploadExternal')).toEqual([]);
  }, 60_000);

  it('asks for a service when /pymem timeline cannot tell which incident, and says when there is none', async () => {
    const since = slack.mark();
    await h.command('timeline', { user: ALICE });
    const none = await slack.waitForMessage((m) => m.visibleTo === ALICE && m.text.includes('no open incident'), { after: since, timeoutMs: 30_000 });
    expect(none.text).toContain('/pymem timeline <service>');
    await h.command('timeline nothing-here', { user: ALICE });
    await slack.waitForMessage((m) => m.visibleTo === ALICE && m.text.includes('no pymem report on nothing-here'), { after: since, timeoutMs: 30_000 });
  }, 60_000);
});
