/**
 * Bot replicas as real processes (the built dist/src/main.js) on one database, for the tests that
 * check work is done exactly once across replicas (digests, scheduled re-checks).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface ReplicaSettings {
  readonly id: string;
  readonly databaseUrl: string;
  readonly slackApiUrl: string;
  readonly prometheusUrl: string;
  /** More environment for this replica (digest schedule, lease). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts one replica in HTTP mode on a free port; its stderr is drained, not shown. */
export function startReplica(settings: ReplicaSettings): ChildProcess {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env['PATH'] ?? '',
      SLACK_BOT_TOKEN: 'xoxb-replica-test',
      SLACK_SIGNING_SECRET: 'replica-secret',
      SLACK_API_URL: settings.slackApiUrl,
      PROMETHEUS_URL: settings.prometheusUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: settings.databaseUrl,
      PYMEM_REPLICA_ID: settings.id,
      LOG_LEVEL: 'warn',
      ...settings.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', () => undefined);
  return child;
}

/** SIGTERM to each (SIGKILL after 10 s), resolved once all have exited. */
export async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
}
