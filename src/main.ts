/** `npm start`: the bot (or, with no Slack tokens, the local playground). */

import { loadBotConfig, secretsOf, type BotConfig } from './config/bot';
import { ConfigError } from './config/load';
import { createLogger } from './logging';
import { openStore } from './store/open';
import { startBot } from './app';

async function main(): Promise<number> {
  let config: BotConfig;
  try {
    config = loadBotConfig(process.env);
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
    process.stderr.write(
      'pymem: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode) are not set; see the README for creating the Slack app from manifest.yml\n',
    );
    return 3;
  }
  const store = await openStore(config.database);
  const bot = await startBot(config, { store, logger });
  logger.info({ port: bot.port, mode: config.slack.appToken ? 'socket' : 'http', database: config.database.kind, replica: config.digest.replicaId }, 'pymem is running');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: no new work, finishing what is in progress');
    // A hard deadline in case something refuses to stop.
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 10_000).unref();
    void bot
      .stop(config.shutdownGraceMs)
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

main().then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`pymem: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
