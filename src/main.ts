/** `npm start`: the bot; with no Slack tokens set, the local playground. */

import { loadBotConfig, secretsOf, shutdownDeadlineMs, type BotConfig } from './config/bot';
import { processEnv, startSettings, type StartSettings } from './config/env';
import { ConfigError } from './config/load';
import { createLogger } from './logging';
import { openStore } from './store/open';
import { startBot } from './app';

async function main(): Promise<number> {
  const env = processEnv();
  let config: BotConfig;
  try {
    config = loadBotConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pymem: ${error.message}\n`);
      return 3;
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, { secrets: secretsOf(config) });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection (kept running)'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting so the supervisor restarts pymem');
    process.exit(1);
  });
  if (!config.slack) {
    const start = startSettings(env);
    // In a production deployment a missing token is a mistake, not a wish for the playground.
    if (start.production && !start.playgroundForced) {
      process.stderr.write('pymem: SLACK_BOT_TOKEN is not set (NODE_ENV=production, so the local playground stays off; set PYMEM_PLAYGROUND=true to run it anyway)\n');
      return 3;
    }
    return startLocalPlayground(config, start);
  }
  const store = await openStore(config.database);
  const bot = await startBot(config, { store, logger });
  logger.info({ port: bot.port, mode: config.slack.appToken ? 'socket' : 'http', database: config.database.kind, replica: config.digest.replicaId }, 'pymem is running');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, drainMs: config.shutdownDrainMs, graceMs: config.shutdownGraceMs },
      'shutting down: not ready any more, still serving for the drain period, then finishing what is in progress',
    );
    // A hard deadline in case something refuses to stop.
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, shutdownDeadlineMs(config)).unref();
    void bot
      .stop(config.shutdownGraceMs, config.shutdownDrainMs)
      .then(() => store.close())
      .then(
        () => {
          logger.info('stopped cleanly');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return 0;
}

/**
 * No Slack tokens: the real bot runs against the built-in Slack stand-in and a local page that
 * looks like a channel, with the demo services (or PROMETHEUS_URL when set). Never both modes.
 */
async function startLocalPlayground(config: BotConfig, start: StartSettings): Promise<number> {
  const { startPlayground } = await import('./playground/playground.js');
  const { playgroundHost } = await import('./playground/host-policy.js');
  const host = playgroundHost(start.hostSet ? config.host : null, start.playgroundPublic);
  if (!host.ok) {
    process.stderr.write(`pymem: ${host.message}\n`);
    return 2;
  }
  const port = start.portSet ? config.port : undefined;
  const playground = await startPlayground({
    host: host.host,
    ...(port !== undefined ? { port } : {}),
    prometheusUrl: config.demo ? null : (config.app.prometheus?.url ?? null),
    ...(config.database.kind === 'sqlite' && start.databaseSet ? { databasePath: config.database.path } : {}),
    env: start.playgroundEnv,
  });
  const source = config.app.prometheus && !config.demo ? `Prometheus at ${config.app.prometheus.url}` : 'the built-in demo services';
  process.stdout.write(`pymem playground (no Slack tokens set, so Slack is simulated; data from ${source}): open ${playground.url}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void playground.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`pymem: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
