/**
 * The whole bot on loopback for end-to-end tests: a real Prometheus with backfilled scenarios,
 * the Slack stand-in, the real Bolt app with its HTTP receiver, and an SQLite file.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type RunningBot } from '../../src/app';
import { loadBotConfig, secretsOf } from '../../src/config/bot';
import { createLogger } from '../../src/logging';
import { openStore } from '../../src/store/open';
import type { Store } from '../../src/store/store';
import { SlackStandIn } from '../../src/slack-standin/server';
import type { StandInMessage } from '../../src/slack-standin/workspace';
import { blockActionPayload, blockActionsBody, newTriggerId, postToBot, slashCommandBody, type ActionClick } from '../../src/slack-standin/signed-requests';

export const SIGNING_SECRET = 'test-signing-secret';
export const CHANNEL = 'C0INCIDENT1';
export const TEAM = 'T0TESTTEAM';
/** A second channel, for digests that should say little. */
export const QUIET_CHANNEL = 'C0QUIETCH1';

export interface BotHarness {
  readonly slack: SlackStandIn;
  readonly bot: RunningBot;
  readonly store: Store;
  readonly eventsUrl: string;
  readonly dbPath: string;
  command(
    text: string,
    options?: { user?: string; triggerId?: string; retryNum?: number; timestampSeconds?: number; signingSecret?: string; channel?: string; channelName?: string },
  ): Promise<CommandResult>;
  click(message: StandInMessage, click: ActionClick, options?: { user?: string; triggerId?: string; actionTs?: string; retryNum?: number }): Promise<{ status: number; body: string; ms: number }>;
  restart(): Promise<BotHarness>;
  stop(): Promise<void>;
}

export interface CommandResult {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
  readonly triggerId: string;
  readonly body_raw: string;
}

export interface HarnessOptions {
  readonly prometheusUrl: string;
  /** Fixed "now" for analyses, so backfilled data is inside the window. */
  readonly nowMs: number;
  readonly env?: Record<string, string>;
  readonly slack?: SlackStandIn;
  readonly dbDir?: string;
  /** Where the bot's logs go (debug level, secrets scrubbed as in production); silent when absent. */
  readonly logStream?: { write(line: string): void };
}

export async function startBotHarness(options: HarnessOptions): Promise<BotHarness> {
  const slack = options.slack ?? (await SlackStandIn.start({ channels: [CHANNEL, QUIET_CHANNEL] }));
  const dbDir = options.dbDir ?? (await mkdtemp(join(tmpdir(), 'pymem-bot-')));
  const dbPath = join(dbDir, 'pymem.sqlite');
  const config = loadBotConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PROMETHEUS_URL: options.prometheusUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: dbPath,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const store = await openStore(config.database);
  const started = Date.now();
  const bot = await startBot(config, {
    store,
    logger: options.logStream ? createLogger('debug', { secrets: secretsOf(config), destination: options.logStream }) : createLogger(config.logLevel),
    clock: () => options.nowMs + (Date.now() - started),
  });
  const eventsUrl = `http://127.0.0.1:${bot.port}/slack/events`;

  const harness: BotHarness = {
    slack,
    bot,
    store,
    eventsUrl,
    dbPath,
    async command(text, o = {}) {
      const user = o.user ?? 'U0RESPONDER';
      const channel = o.channel ?? CHANNEL;
      const triggerId = o.triggerId ?? newTriggerId();
      const body = slashCommandBody({
        command: '/pymem',
        text,
        user_id: user,
        channel_id: channel,
        ...(o.channelName !== undefined ? { channel_name: o.channelName } : {}),
        team_id: TEAM,
        trigger_id: triggerId,
        response_url: slack.createResponseUrl(channel, user),
      });
      const result = await postToBot(eventsUrl, body, {
        signingSecret: o.signingSecret ?? SIGNING_SECRET,
        ...(o.timestampSeconds !== undefined ? { timestampSeconds: o.timestampSeconds } : {}),
        ...(o.retryNum !== undefined ? { retryNum: o.retryNum, retryReason: 'http_timeout' } : {}),
      });
      return { ...result, triggerId, body_raw: body };
    },
    async click(message, click, o = {}) {
      const user = o.user ?? 'U0RESPONDER';
      const payload = blockActionPayload({
        message,
        user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: TEAM },
        click,
        responseUrl: slack.createResponseUrl(message.channel, user, { messageTs: message.ts }),
        teamId: TEAM,
        ...(o.triggerId !== undefined ? { triggerId: o.triggerId } : {}),
        ...(o.actionTs !== undefined ? { actionTs: o.actionTs } : {}),
      });
      return postToBot(eventsUrl, blockActionsBody(payload), {
        signingSecret: SIGNING_SECRET,
        ...(o.retryNum !== undefined ? { retryNum: o.retryNum, retryReason: 'http_timeout' } : {}),
      });
    },
    async restart() {
      await bot.stop();
      await store.close();
      return startBotHarness({ ...options, slack, dbDir });
    },
    async stop() {
      await bot.stop();
      await store.close();
      if (!options.slack) await slack.stop();
      if (!options.dbDir) await rm(dbDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The report message the bot posted for a service (not a thread reply). */
export function reportOf(slack: SlackStandIn, service: string, channel = CHANNEL): StandInMessage | undefined {
  return slack.messages(channel).find((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes(`"text":"${service} — `));
}

/** Whether a report message shows exactly the checklist the store holds for its incident. */
export async function showsStoredState(store: Store, slack: SlackStandIn, channel: string, messageTs: string): Promise<boolean> {
  const incident = await store.findIncidentByMessage(channel, messageTs);
  const message = slack.message(channel, messageTs);
  if (!incident || !message) return false;
  const state = await store.checklistState(incident.id);
  for (const step of incident.report.checklist) {
    const block = JSON.stringify(message.blocks.find((b) => (b as { block_id?: string }).block_id === `step_${step.id}`) ?? null);
    const status = JSON.stringify(message.blocks.find((b) => (b as { block_id?: string }).block_id === `status_${step.id}`) ?? null);
    const stored = state[step.id];
    if (block.includes('initial_options') !== (stored?.checked ?? false)) return false;
    if (stored !== undefined && !status.includes(`<@${stored.userId}>`)) return false;
  }
  return true;
}

/** The text of one block by its block_id, for assertions. */
export function blockText(message: StandInMessage, blockId: string): string {
  return JSON.stringify(message.blocks.find((b) => (b as { block_id?: string }).block_id === blockId) ?? null);
}
