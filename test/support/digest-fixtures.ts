/**
 * Digest services and runners wired to in-memory fakes, one runner per replica, all sharing one
 * database and one Slack workspace as replicas of one deployment do. The clock is Date.now, so a test
 * that fakes timers (Date included) moves every replica's time at once.
 */

import { ChannelCheck } from '../../src/bot/channel-check';
import { DigestRunner, type DigestSettings } from '../../src/digest/digest-runner';
import { DigestService, DIGEST_WINDOW_MS, type DigestDeps } from '../../src/digest/digest-service';
import type { AnalysisEngine } from '../../src/analysis/engine';
import { silentLogger } from './app-fixtures';
import { FakeAnalysisEngine } from './fakes/fake-analysis-engine';
import { FakeSlackGateway } from './fakes/fake-slack-gateway';
import { InMemoryStore, MemoryDatabase } from './fakes/in-memory-store';
import { RecordingTelemetry } from './fakes/recording-telemetry';

export const DAILY = { cron: '0 8 * * *', timeZone: 'UTC' } as const;
export const LEASE_MS = 5 * 60_000;

export function digestService(engine: AnalysisEngine, store: InMemoryStore, extra: Partial<DigestDeps> = {}): DigestService {
  return new DigestService({ engine, timeZone: 'UTC', store, logger: silentLogger, concurrency: 4, serviceTimeoutMs: 30_000, windowMs: DIGEST_WINDOW_MS, ...extra });
}

/** A deployment: one database, one Slack, one engine; `replica(name)` adds a runner. */
export async function digestDeployment(options: { readonly settings?: Partial<DigestSettings>; readonly digest?: Partial<DigestDeps> } = {}) {
  const database = new MemoryDatabase();
  const store = new InMemoryStore(database);
  await store.migrate();
  const slack = new FakeSlackGateway();
  const engine = new FakeAnalysisEngine();
  const telemetry = new RecordingTelemetry();
  const replica = (replicaId: string) => {
    const own = new InMemoryStore(database);
    void own.migrate();
    const digest = digestService(engine, own, { telemetry, ...options.digest });
    return new DigestRunner({
      digest,
      store: own,
      slack,
      channels: new ChannelCheck({ slack, logger: silentLogger, now: () => Date.now() }),
      logger: silentLogger,
      clock: () => Date.now(),
      settings: { schedule: DAILY, channels: {}, leaseMs: LEASE_MS, replicaId, ...options.settings },
      telemetry,
    });
  };
  const subscribe = (channelId: string, ...services: string[]) =>
    Promise.all(services.map((service) => store.subscribe({ channelId, service, createdBy: 'U0ALICE', createdAt: Date.now() })));
  return { database, store, slack, engine, telemetry, replica, subscribe };
}
