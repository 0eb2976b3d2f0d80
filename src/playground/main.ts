/**
 * `node dist/src/playground/main.js [--port 3030] [--host 127.0.0.1] [--prometheus <url>] [--db <file>] [--log-level warn]`:
 * the playground from the command line. Ctrl-C stops it cleanly.
 */

import { parseArgs } from 'node:util';
import { playgroundEnv, processEnv, type Env } from '../config/env';
import { DEFAULT_PLAYGROUND_DATABASE, startPlayground, type PlaygroundOptions } from './playground';

const USAGE = 'usage: playground [--port <n>] [--host <addr>] [--prometheus <url>] [--db <sqlite file>] [--log-level <level>]';

function options(argv: readonly string[], env: Env): PlaygroundOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      prometheus: { type: 'string' },
      db: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port: expected 0 to 65535, got ${JSON.stringify(values.port)}`);
  }
  // Analysis settings (PYMEM_TZ, PYMEM_CONFIG, ...) come through; the Slack and database wiring is the playground's own.
  return {
    ...(port !== undefined ? { port } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    prometheusUrl: values.prometheus ?? null,
    databasePath: values.db ?? DEFAULT_PLAYGROUND_DATABASE,
    ...(values['log-level'] !== undefined ? { logLevel: values['log-level'] } : {}),
    env: playgroundEnv(env),
  };
}

async function main(): Promise<void> {
  let parsed: PlaygroundOptions;
  try {
    parsed = options(process.argv.slice(2), processEnv());
  } catch (error) {
    process.stderr.write(`playground: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const playground = await startPlayground(parsed);
  const source = parsed.prometheusUrl ? `Prometheus at ${parsed.prometheusUrl}` : 'built-in demo services';
  process.stdout.write(`pymem playground: open ${playground.url} (${source}; Ctrl-C to stop)\n`);
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    playground.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`playground: unclean stop: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`playground: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
