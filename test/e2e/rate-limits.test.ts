/**
 * Slack rate limits end to end: the stand-in answers chat.update in one channel with 429 and
 * Retry-After for a stretch while responders tick. Every tick is saved, the report in another
 * channel goes out during the stretch, the final message matches the store once the stretch ends,
 * and a restart in the middle still converges.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKLIST_STEP_IDS } from '../../src/domain/checklist';
import { checklistActionId } from '../../src/slack/blocks';
import { SlackStandIn } from '../../src/slack-standin/server';
import type { StandInMessage } from '../../src/slack-standin/workspace';
import { SCENARIOS, SCENARIO_END_MS } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { CHANNEL, QUIET_CHANNEL, showsStoredState, startBotHarness, type BotHarness } from '../support/bot-harness';

const NOW = SCENARIO_END_MS;
/** Short, so a call that keeps meeting 429s finally fails within the test. */
const ENV = { PYMEM_SLACK_RETRY_DEADLINE: '2s' };
/**
 * Long enough that a report held up by the limited channel's wait would visibly come after it
 * (it is Slack's own clock the assertion compares with, not pymem's speed).
 */
const LONG_RETRY_AFTER_S = 15;

let prom: RunningPrometheus;
let slack: SlackStandIn;

beforeAll(async () => {
  prom = await startPrometheus({ families: familiesFor(['one-8w-6h', 'stable-8w-6h'].map((id) => SCENARIOS.find((s) => s.id === id)!.spec)) });
  slack = await SlackStandIn.start({ channels: [CHANNEL, QUIET_CHANNEL] });
}, 120_000);

afterAll(async () => {
  await slack?.stop();
  await prom?.stop();
});

async function postReport(h: BotHarness, service: string, channel = CHANNEL): Promise<StandInMessage> {
  const since = slack.mark();
  await h.command(service, { channel });
  return slack.waitForMessage((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes(`"text":"${service} — `), {
    after: since,
    channel,
    timeoutMs: 60_000,
  });
}

/** The incident is tied to its message right after chat.postMessage answers. */
async function incidentOf(h: BotHarness, ts: string, channel = CHANNEL) {
  await until('the report is recorded', async () => (await h.store.findIncidentByMessage(channel, ts)) !== null);
  return (await h.store.findIncidentByMessage(channel, ts))!;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function metrics(h: BotHarness): Promise<string> {
  return (await fetch(`http://127.0.0.1:${h.bot.port}/metrics`)).text();
}

/** Report messages waiting for an update retry, as /metrics exports it (each test's bot has posted one report). */
async function updatesWaiting(h: BotHarness): Promise<number> {
  const value = /^pymem_report_updates_waiting (\S+)$/m.exec(await metrics(h))?.[1];
  if (value === undefined) throw new Error('/metrics has no pymem_report_updates_waiting');
  return Number(value);
}

describe('chat.update rate-limited in one channel for a stretch', () => {
  it('saves every tick, posts a report in another channel during the wait, and ends with the stored state', async () => {
    const h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW, slack, env: { PYMEM_SLACK_RETRY_DEADLINE: '60s' } });
    try {
      const report = await postReport(h, 'ow-a');
      const incident = await incidentOf(h, report.ts);
      const stretch = slack.rateLimit('chat.update', { channel: CHANNEL, retryAfterSeconds: LONG_RETRY_AFTER_S });

      const clicks = CHECKLIST_STEP_IDS.map((step, i) =>
        h.click(report, { type: 'checkboxes', action_id: checklistActionId(step), selected: i === 2 ? [] : [step] }, { user: `U0TICKER${i}` }),
      );
      expect((await Promise.all(clicks)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      // Every tick is in the store at once, whatever Slack does with the updates.
      await until('all five ticks are stored', async () => (await h.store.tickEvents(incident.id)).length === 5);
      await until('an update into the limited channel was refused', () => stretch.answered > 0);
      const refused = slack.callsTo('chat.update').find((c) => c.response?.status === 429)!;

      // A report in another channel is not held up by that channel's wait: Slack receives it before
      // the Retry-After it gave the limited channel has run out.
      const other = await postReport(h, 'st-a', QUIET_CHANNEL);
      const otherPost = slack.callsTo('chat.postMessage').find((c) => c.args['channel'] === QUIET_CHANNEL && c.response?.status === 200)!;
      expect(otherPost.at - refused.at).toBeLessThan(LONG_RETRY_AFTER_S * 1000);
      expect(slack.callsTo('chat.update').filter((c) => c.args['channel'] === CHANNEL && c.seq > refused.seq && c.seq < otherPost.seq)).toEqual([]);
      expect(other.ts).toBeDefined();
      expect(await showsStoredState(h.store, slack, CHANNEL, report.ts)).toBe(false);

      stretch.lift();
      // The update waits out the Retry-After and goes through: the message shows what the store holds.
      await until('the message shows the stored state', () => showsStoredState(h.store, slack, CHANNEL, report.ts), 90_000);
      expect(JSON.stringify(slack.message(CHANNEL, report.ts)!.blocks)).toContain('4/5 done');
      await until('the store knows Slack shows the latest version', async () => {
        const now = (await h.store.getIncident(incident.id))!;
        return now.renderedVersion === now.version;
      });
      expect(await metrics(h)).toMatch(/pymem_slack_rate_limited_total\{method="chat.update"\} [1-9]/);
    } finally {
      await h.stop();
      slack.clearFaults();
    }
  }, 150_000);

  it('counts an update still limited at its deadline as a rate limit, and tries it again later', async () => {
    const h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW, slack, env: ENV });
    try {
      const report = await postReport(h, 'ow-a');
      const incident = await incidentOf(h, report.ts);
      const stretch = slack.rateLimit('chat.update', { channel: CHANNEL, retryAfterSeconds: 1 });
      await h.click(report, { type: 'checkboxes', action_id: checklistActionId('find-worker'), selected: ['find-worker'] }, { user: 'U0LIMITED' });
      await until('the failed update is waiting for a retry', async () => (await updatesWaiting(h)) === 1);
      const counted = await metrics(h);
      expect(counted).toMatch(/pymem_slack_api_errors_total\{method="chat.update",code="ratelimited"\} [1-9]/);
      expect(counted).not.toMatch(/pymem_slack_api_errors_total\{method="chat.update",code="transport"\}/);
      expect((await h.store.tickEvents(incident.id)).map((t) => t.userId)).toEqual(['U0LIMITED']);
      stretch.lift();
      await until('the retry brings the message up to date', () => showsStoredState(h.store, slack, CHANNEL, report.ts));
    } finally {
      await h.stop();
      slack.clearFaults();
    }
  }, 120_000);

  it('re-renders after a restart a message whose last update failed', async () => {
    let h = await startBotHarness({ prometheusUrl: prom.url, nowMs: NOW, slack, env: ENV });
    try {
      const report = await postReport(h, 'ow-a');
      const incident = await incidentOf(h, report.ts);
      const stretch = slack.rateLimit('chat.update', { channel: CHANNEL, retryAfterSeconds: 1 });
      await h.click(report, { type: 'checkboxes', action_id: checklistActionId('find-worker'), selected: ['find-worker'] }, { user: 'U0BEFORE1' });
      await until('the failed update is waiting for a retry', async () => (await updatesWaiting(h)) === 1);

      // The process that knew about the retry goes away; only the store remembers.
      h = await h.restart();
      const stored = (await h.store.getIncident(incident.id))!;
      expect(stored.renderedVersion).toBeLessThan(stored.version);
      expect(await showsStoredState(h.store, slack, CHANNEL, report.ts)).toBe(false);
      const answeredBefore = stretch.answered;
      // The new process finds it at start-up and tries (while still limited)...
      await until('the new process tried the update', () => stretch.answered > answeredBefore);
      stretch.lift();
      // ...and gets it through once the stretch is over.
      await until('the message shows the stored state', () => showsStoredState(h.store, slack, CHANNEL, report.ts));
      expect(JSON.stringify(slack.message(CHANNEL, report.ts)!.blocks)).toContain('Done by <@U0BEFORE1>');
    } finally {
      await h.stop();
      slack.clearFaults();
    }
  }, 120_000);
});
