/**
 * Verifying a fix end to end against a real Prometheus (backfilled with promtool): a leak that a
 * deploy stopped at a known time. The command line gives `fixed` after it, `not-fixed` with `since`
 * before it, `too-early` shortly after it; in Slack, "Verify fix" posts the result and chart in the
 * report's thread and the header shows the verdict, and "Check again in 1 h" runs after a restart.
 */

import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { diurnal, leak, type ScenarioSpec } from '../../src/simulation/model';
import { VERIFY_ACTIONS } from '../../src/slack/verify-blocks';
import { INCIDENT_ACTION_IDS } from '../../src/slack/blocks';
import { SlackStandIn } from '../../src/slack-standin/server';
import { CHANNEL, QUIET_CHANNEL, reportOf, startBotHarness, type BotHarness } from '../support/bot-harness';
import { familiesFor } from '../support/scenario-metrics';
import { SCENARIO_END_MS } from '../support/scenario-set';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { makeNewIncident } from '../support/store-suite';

const H = 3_600_000;
const MIN = 60_000;
/** The deploy that fixed the leak. */
const FIX_MS = SCENARIO_END_MS - 2 * H;
const iso = (ms: number): string => new Date(ms).toISOString();
const ARTIFACTS = join(__dirname, '..', '.artifacts');

const leaking = leak(24);
const FIXED: ScenarioSpec = {
  service: 'fixed-api',
  endMs: SCENARIO_END_MS,
  windowMs: 6 * H,
  scrapeMs: 15_000,
  seed: 131,
  instances: 2,
  workersPerInstance: 4,
  baseMiB: 260,
  noiseMiB: 3,
  sawtooth: { amplitudeMiB: 8, periodMs: 19 * MIN },
  warmup: { MiB: 35, tauMs: 4 * MIN },
  traffic: diurnal(120, 0.5),
  lifecycle: { deploysAtMs: [FIX_MS] },
  // Processes started by the deploy run the fixed code.
  terms: [{ slots: 'all', term: (ctx) => (ctx.worker.bornMs < FIX_MS ? leaking(ctx) : 0) }],
};

let prom: RunningPrometheus;

beforeAll(async () => {
  prom = await startPrometheus({ families: familiesFor([FIXED]) });
}, 180_000);

afterAll(async () => {
  await prom?.stop();
});

async function verifyJson(args: readonly string[], nowMs = SCENARIO_END_MS): Promise<{ code: number; doc: Record<string, unknown>; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['verify', 'fixed-api', '--prometheus', prom.url, '--json', ...args], {}, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), now: () => nowMs });
  return { code, doc: JSON.parse(stdout) as Record<string, unknown>, stderr };
}

describe('pymem verify against Prometheus', () => {
  it('after the fix: fixed, with the deploy found by itself and the JSON as documented', async () => {
    const { code, doc } = await verifyJson(['--end', iso(SCENARIO_END_MS)]);
    expect(code).toBe(0);
    expect(doc).toMatchObject({ status: 'verified', service: 'fixed-api', sinceOrigin: 'deploy', verdict: 'fixed', needsMoreMinutes: null });
    expect(Math.abs(Date.parse(doc['since'] as string) - FIX_MS)).toBeLessThanOrEqual(60_000);
    const before = doc['before'] as { pattern: string; growthMiBPerHour: number; workers: { grew: boolean }[] };
    const after = doc['after'] as { pattern: string; growthMiBPerHour: number; workers: { grew: boolean }[] };
    // 8 workers x 24 MiB/h.
    expect(before.growthMiBPerHour).toBeGreaterThan(150);
    expect(before.growthMiBPerHour).toBeLessThan(230);
    expect(Math.abs(after.growthMiBPerHour)).toBeLessThan(20);
    expect(before.workers.filter((w) => w.grew)).toHaveLength(8);
    expect(after.workers.filter((w) => w.grew)).toHaveLength(0);
    expect(before.pattern).toBe('all-workers-growing');
    expect(doc['confidence']).toBeGreaterThan(0.9);
    const given = await verifyJson(['--end', iso(SCENARIO_END_MS), '--since', iso(FIX_MS)]);
    expect(given.doc).toMatchObject({ verdict: 'fixed', sinceOrigin: 'given', since: iso(FIX_MS) });
  });

  it('with `since` before the fix, while the leak still ran: not fixed', async () => {
    const { code, doc } = await verifyJson(['--end', iso(FIX_MS + 15 * MIN), '--since', iso(FIX_MS - 2 * H), '--window', '4h']);
    expect(code).toBe(0);
    expect(doc['verdict']).toBe('not-fixed');
  });

  it('shortly after the fix: too early, with how much longer to wait', async () => {
    for (const minutes of [10, 20]) {
      const { code, doc } = await verifyJson(['--end', iso(FIX_MS + minutes * MIN), '--since', iso(FIX_MS)]);
      expect(code).toBe(0);
      expect(doc['verdict'], `${minutes} min after`).toBe('too-early');
      expect(doc['needsMoreMinutes']).toBeGreaterThan(0);
      expect(doc['summary']).toMatch(/needs about \d+ min more/);
    }
  });

  it('writes the before/after chart', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'verify-fixed-api.png');
    const { code } = await verifyJson(['--end', iso(SCENARIO_END_MS), '--png', file]);
    expect(code).toBe(0);
  });
});

describe('verifying from Slack', () => {
  let slack: SlackStandIn;
  let dbDir: string;
  let h: BotHarness;

  beforeAll(async () => {
    slack = await SlackStandIn.start({ channels: [CHANNEL, QUIET_CHANNEL] });
    dbDir = await mkdtemp(join(tmpdir(), 'pymem-verify-'));
    h = await startBotHarness({ prometheusUrl: prom.url, nowMs: SCENARIO_END_MS, slack, dbDir });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
    await slack?.stop();
    await rm(dbDir, { recursive: true, force: true });
  });

  it('Verify fix posts the verdict and chart in the thread, the header shows it, and a re-check runs once after a restart', async () => {
    await h.command('fixed-api');
    const report = await slack.waitForMessage((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes('"text":"fixed-api — '), { timeoutMs: 60_000 });
    expect(JSON.stringify(report.blocks)).toContain(`"action_id":"${VERIFY_ACTIONS.verify}"`);
    const mark = slack.mark();
    const clicked = await h.click(report, { type: 'button', action_id: VERIFY_ACTIONS.verify });
    expect(clicked.status).toBe(200);
    const result = await slack.waitForMessage((m) => m.thread_ts === report.ts && JSON.stringify(m.blocks).includes('fix verification'), { after: mark, timeoutMs: 60_000 });
    const json = JSON.stringify(result.blocks);
    expect(json).toContain('"text":"fixed-api — fix verification: fixed"');
    expect(json).toContain('"type":"image"');
    // The old processes seen for a scrape after the deploy are not counted as workers after it.
    expect(json).toContain('8 of 8 workers grew');
    expect(json).toContain('0 of 8 workers grew');
    expect(json).toContain(`"action_id":"${VERIFY_ACTIONS.recheck}"`);
    // The report's header shows the verdict once the redraw went out.
    for (let i = 0; i < 100 && !JSON.stringify(reportOf(slack, 'fixed-api')?.blocks).includes('· fixed'); i++) await new Promise((r) => setTimeout(r, 100));
    const header = (reportOf(slack, 'fixed-api')?.blocks[0] ?? null) as { text?: { text?: string } } | null;
    expect(header?.text?.text).toMatch(/^fixed-api — .* · fixed$/);
    const incident = (await h.store.findIncidentByMessage(CHANNEL, report.ts))!;
    expect((await h.store.latestVerification(incident.id))?.verdict).toBe('fixed');
    await writeFile(join(ARTIFACTS, 'verify-thread-message.json'), JSON.stringify(result.blocks, null, 2)).catch(() => undefined);

    // "Check again in 1 h", then pymem restarts with the clock past the due time.
    const mark2 = slack.mark();
    await h.click(result, { type: 'button', action_id: VERIFY_ACTIONS.recheck }, { user: 'U0ALICE' });
    await slack.waitForMessage((m) => m.visibleTo === 'U0ALICE' && (m.text + JSON.stringify(m.blocks)).includes('will verify `fixed-api` again at 13:00 UTC'), { after: mark2, timeoutMs: 30_000 });
    const [scheduled] = await h.store.scheduledChecks(incident.id);
    expect(scheduled).toMatchObject({ status: 'scheduled', requestedBy: 'U0ALICE' });
    expect(scheduled!.dueAt).toBeGreaterThanOrEqual(SCENARIO_END_MS + H);
    await h.stop();
    const mark3 = slack.mark();
    h = await startBotHarness({ prometheusUrl: prom.url, nowMs: SCENARIO_END_MS + H + 2 * MIN, slack, dbDir });
    const rechecked = await slack.waitForMessage((m) => m.thread_ts === report.ts && JSON.stringify(m.blocks).includes('Scheduled re-check'), { after: mark3, timeoutMs: 60_000 });
    expect(JSON.stringify(rechecked.blocks)).toContain('fix verification: fixed');
    for (let i = 0; i < 50 && (await h.store.scheduledChecks(incident.id))[0]?.status !== 'done'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await h.store.scheduledChecks(incident.id)).map((c) => c.status)).toEqual(['done']);
    expect((await h.store.latestVerification(incident.id))?.requestedBy).toBe('schedule');

    // The incident's exported timeline lists both verifications, by whom (pymem for the scheduled one).
    const mark4 = slack.mark();
    await h.click(reportOf(slack, 'fixed-api')!, { type: 'button', action_id: INCIDENT_ACTION_IDS.timeline }, { user: 'U0ALICE' });
    const exported = await slack.waitForMessage((m) => m.source === 'files.completeUploadExternal' && m.thread_ts === report.ts, { after: mark4, timeoutMs: 30_000 });
    const markdown = slack.fileContent(exported.files[0]!.id)!.bytes.toString('utf8');
    const verified = markdown.split('\n').filter((line) => line.includes('Fix verified'));
    expect(verified).toHaveLength(2);
    expect(verified[0]).toContain('@U0RESPONDER');
    expect(verified[0]).toContain('Fixed: the growth of');
    expect(verified[1]).toContain('@pymem (scheduled re-check)');
  }, 180_000);

  it('/pymem verify without a report in the channel says how to get one', async () => {
    const mark = slack.mark();
    await h.command('verify search-api since 10:00', { user: 'U0BOB' });
    const notice = await slack.waitForMessage((m) => m.visibleTo === 'U0BOB' && (m.text + JSON.stringify(m.blocks)).includes('no pymem report for `search-api`'), { after: mark, timeoutMs: 30_000 });
    expect(notice.text).toContain('Run /pymem search-api first');
  }, 60_000);

  it('Slack refusing the thread reply: the requester gets the answer and what to do', async () => {
    const mark = slack.mark();
    slack.failNext('chat.postMessage', { error: 'msg_too_long' });
    await h.command('verify fixed-api', { user: 'U0DAVE' });
    const notice = await slack.waitForMessage((m) => m.visibleTo === 'U0DAVE' && (m.text + JSON.stringify(m.blocks)).includes('could not post it in the report'), { after: mark, timeoutMs: 60_000 });
    expect(JSON.stringify(notice.blocks)).toContain('msg_too_long');
    expect(notice.text).toContain('The answer was: Fixed:');
  }, 60_000);

  it('the metrics backend down: the requester is told, nothing is posted in the thread', async () => {
    const deadDir = await mkdtemp(join(tmpdir(), 'pymem-verify-dead-'));
    const dead = await startBotHarness({ prometheusUrl: 'http://127.0.0.1:9', nowMs: SCENARIO_END_MS, slack, dbDir: deadDir });
    try {
      const incident = await dead.store.createIncident(makeNewIncident({ service: 'fixed-api', channelId: CHANNEL, createdAt: SCENARIO_END_MS - H }));
      await dead.store.attachMessage(incident.id, '1772445600.000900');
      const mark = slack.mark();
      await dead.command('verify fixed-api since 10:00', { user: 'U0ERIN' });
      const notice = await slack.waitForMessage((m) => m.visibleTo === 'U0ERIN' && (m.text + JSON.stringify(m.blocks)).includes('could not verify the fix for'), { after: mark, timeoutMs: 60_000 });
      expect(notice.text).toMatch(/pymem could not verify the fix for fixed-api: .*try again in a minute/);
      expect(slack.messages(CHANNEL).filter((m) => m.thread_ts === '1772445600.000900')).toHaveLength(0);
    } finally {
      await dead.stop();
      await rm(deadDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('/pymem verify with since before the fix posts not-fixed… or too-early, never fixed', async () => {
    const mark = slack.mark();
    const report = reportOf(slack, 'fixed-api')!;
    await h.command(`verify fixed-api since ${iso(FIX_MS - 3 * H)}`, { user: 'U0CAROL' });
    const result = await slack.waitForMessage((m) => m.thread_ts === report.ts && JSON.stringify(m.blocks).includes('fix verification'), { after: mark, timeoutMs: 60_000 });
    expect(JSON.stringify(result.blocks)).not.toContain('fix verification: fixed"');
    expect(JSON.stringify(result.blocks)).toContain('Verified for <@U0CAROL>');
  }, 60_000);
});
