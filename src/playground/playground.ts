/**
 * A local playground: try pymem without Slack. Starts the Slack stand-in, the real bot pointed at
 * it (Bolt's HTTP receiver, a generated signing secret and token, the SQLite store), and a small
 * web page that looks like a Slack channel. Everything the page does reaches the bot as a signed
 * Slack request to its own /slack/events.
 */

import { randomBytes } from 'node:crypto';
import { startBot, metricsSourceFor, type RunningBot } from '../app';
import { loadBotConfig } from '../config/bot';
import { createLogger } from '../logging';
import { SlackStandIn } from '../slack-standin/server';
import { openStore } from '../store/open';
import type { Store } from '../store/store';
import { DemoWorld } from './demo-world';
import { CHANNEL_IDS, PLAYGROUND_TEAM, USER_IDS } from './directory';
import { SlackBridge } from './slack-bridge';
import { startWebServer, type PlaygroundWebServer } from './web-server';

export interface PlaygroundOptions {
  /** Interface the page is served on; '127.0.0.1' by default. The stand-in and the bot always stay on loopback. */
  readonly host?: string;
  /** Port of the page. Unset: 3030, or a free port when 3030 is busy. 0: a free port. */
  readonly port?: number;
  /** Prometheus to read from; null or unset: the built-in demo services. */
  readonly prometheusUrl?: string | null;
  /** SQLite file for reports, checklist state and subscriptions; './data/playground.sqlite' by default. */
  readonly databasePath?: string;
  /** pino level for the bot's log; 'warn' by default. */
  readonly logLevel?: string;
  /** More settings for the bot, as environment variables (PYMEM_TZ, PYMEM_CONFIG, ...). The Slack wiring is the playground's own. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunningPlayground {
  /** The page, e.g. `http://127.0.0.1:3030`. */
  readonly url: string;
  /** Closes the web server, the bot, the store and the stand-in. Safe to call twice. */
  stop(): Promise<void>;
}

export const DEFAULT_PLAYGROUND_PORT = 3030;
export const DEFAULT_PLAYGROUND_DATABASE = './data/playground.sqlite';
/** Bolt's start-up auth.test answers within milliseconds from the stand-in on loopback. */
const AUTH_TEST_WAIT_MS = 5_000;

/** Starts the stand-in, the bot and the page; on any failure, closes what it had started and rethrows. */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<RunningPlayground> {
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    const problems: unknown[] = [];
    // Reverse order: nothing talks to something already closed.
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => problems.push(error));
    }
    cleanups.length = 0;
    if (problems.length > 0) throw new AggregateError(problems, `stopping the playground: ${problems.map(String).join('; ')}`);
  };

  try {
    // A fresh token and signing secret per run: nothing outside this process can sign requests for this bot.
    const token = `xoxb-playground-${randomBytes(12).toString('hex')}`;
    const signingSecret = randomBytes(32).toString('hex');
    const standIn = await SlackStandIn.start({
      host: '127.0.0.1',
      port: 0,
      tokens: [token],
      // Everyone is in every channel, as the page lets anyone post anywhere; the Home tab lists the
      // incidents of the channels its reader is in (users.conversations).
      channels: CHANNEL_IDS.map((id) => ({ id, members: USER_IDS })),
      botName: 'pymem',
      teamId: PLAYGROUND_TEAM.id,
      teamName: PLAYGROUND_TEAM.name,
      teamDomain: PLAYGROUND_TEAM.domain,
    });
    cleanups.push(() => standIn.stop());

    const prometheusUrl = options.prometheusUrl ?? null;
    const config = loadBotConfig({
      ...options.env,
      SLACK_BOT_TOKEN: token,
      SLACK_SIGNING_SECRET: signingSecret,
      // HTTP mode: the page's requests go to the bot's /slack/events, as Slack's would.
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: standIn.apiUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: options.databasePath ?? DEFAULT_PLAYGROUND_DATABASE,
      LOG_LEVEL: options.logLevel ?? options.env?.['LOG_LEVEL'] ?? 'warn',
      ...(prometheusUrl !== null ? { PROMETHEUS_URL: prometheusUrl, PYMEM_DEMO: 'false' } : { PYMEM_DEMO: 'true' }),
    });
    const logger = createLogger(config.logLevel).child({ component: 'playground' });

    const store: Store = await openStore(config.database);
    cleanups.push(() => store.close());

    // On the demo services the bot reads through the playground's demo world (its clock can be moved
    // on and fixes deployed, from the page); on Prometheus the bot builds its own source in its
    // analysis threads, and this one only answers the page's questions.
    const world = prometheusUrl === null ? new DemoWorld() : null;
    const source = world?.source ?? metricsSourceFor(config);
    const bot: RunningBot = await startBot(config, { store, logger, ...(world ? { source: world.source, clock: world.now } : {}) });
    cleanups.push(() => bot.stop());
    // Bolt checks its token with auth.test as soon as the App exists, outside any promise we hold.
    // Wait for that answer: stopping the stand-in while it is in flight would leave Bolt with an
    // unhandled rejection after the stand-in is gone (and it confirms the wiring works).
    await standIn.waitFor((call) => call.method === 'auth.test', { timeoutMs: AUTH_TEST_WAIT_MS }).catch(() => {
      logger.debug('no auth.test from Bolt yet; carrying on');
    });

    const bridge = new SlackBridge({ standIn, eventsUrl: `http://127.0.0.1:${bot.port}/slack/events`, signingSecret, logger });
    const web: PlaygroundWebServer = await startWebServer(
      {
        standIn,
        bridge,
        store,
        runDigest: (channels, periodKey, endMs) => bot.digests.runChannels(channels, periodKey, endMs),
        knownServices: () => source.knownServices(),
        sourceDescription: source.description,
        clock: world?.now ?? Date.now,
        world,
        logger,
      },
      {
        host: options.host ?? '127.0.0.1',
        port: options.port ?? DEFAULT_PLAYGROUND_PORT,
        fallbackToFreePort: options.port === undefined,
      },
    );
    cleanups.push(() => web.close());
    logger.info({ url: web.url, source: source.description, database: config.database.kind }, 'pymem playground is running');

    let stopped: Promise<void> | undefined;
    return {
      url: web.url,
      stop() {
        stopped ??= closeAll();
        return stopped;
      },
    };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}
