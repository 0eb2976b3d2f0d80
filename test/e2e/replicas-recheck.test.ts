/**
 * Scheduled re-checks ("Check again in 1 h", issue 13) with three replicas of the real bot (separate
 * processes running dist/src/main.js) on one PostgreSQL database: each due check runs exactly once,
 * posting one result in its report's thread. The checks are stored before the replicas start, as
 * after a restart: the sweep on start finds them.
 */

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres';
import { SlackStandIn } from '../../src/slack-standin/server';
import { SCENARIOS } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { startReplica, stopAll } from '../support/replicas';
import { makeNewIncident } from '../support/store-suite';

const BASE_URL = process.env['PYMEM_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHANNEL = 'C0RECHECK01';

let prom: RunningPrometheus;
let slack: SlackStandIn;
let schema: string;

/** Data that ends a minute ago, so the replicas' real clocks see it in their window. */
function freshSpecs() {
  const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  return ['one-8w-6h', 'stable-8w-6h'].map((id) => ({ ...SCENARIOS.find((s) => s.id === id)!.spec, endMs: end }));
}

beforeAll(async () => {
  prom = await startPrometheus({ families: familiesFor(freshSpecs()) });
  slack = await SlackStandIn.start({ channels: [CHANNEL] });
  schema = `pymem_recheck_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: BASE_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
}, 180_000);

afterAll(async () => {
  await slack?.stop();
  await prom?.stop();
  const client = new Client({ connectionString: BASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});



describe('scheduled re-checks with three replicas on one PostgreSQL database', () => {
  it('run each due check exactly once', async () => {
    const url = `${BASE_URL}${BASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const store = await PostgresStore.connect(url);
    await store.migrate();
    const now = Date.now();
    const threads: { incidentId: string; ts: string }[] = [];
    for (const [i, service] of ['ow-a', 'st-a', 'ow-a'].entries()) {
      const incident = await store.createIncident(makeNewIncident({ channelId: CHANNEL, service, createdAt: now - 2 * 3_600_000, endMs: now - 2 * 3_600_000 }));
      const ts = `${Math.floor(now / 1000) - 7200}.00010${i}`;
      await store.attachMessage(incident.id, ts);
      await store.scheduleCheck({ id: `recheck:test-${i}`, incidentId: incident.id, dueAt: now - 1000, requestedBy: 'U0ALICE', createdAt: now - 3_600_000 });
      threads.push({ incidentId: incident.id, ts });
    }
    // Not due for an hour: no replica may run it.
    await store.scheduleCheck({ id: 'recheck:later', incidentId: threads[0]!.incidentId, dueAt: now + 3_600_000, requestedBy: 'U0BOB', createdAt: now });

    const replicas = ['v1', 'v2', 'v3'].map((id) =>
      // Re-checks are claimed like digests: a 2 s lease, looked for every second.
      startReplica({ id, databaseUrl: url, slackApiUrl: slack.apiUrl, prometheusUrl: prom.url, env: { PYMEM_DIGEST_LEASE: '2s' } }),
    );
    try {
      for (let i = 0; i < 300; i++) {
        const statuses = (await Promise.all(threads.map((t) => store.scheduledChecks(t.incidentId)))).flat().filter((c) => c.id !== 'recheck:later').map((c) => c.status);
        if (statuses.every((s) => s === 'done' || s === 'failed')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      // Leave time for a second (wrong) run to show itself.
      await new Promise((r) => setTimeout(r, 4_000));
    } finally {
      await stopAll(replicas);
    }
    for (const [i, thread] of threads.entries()) {
      const checks = await store.scheduledChecks(thread.incidentId);
      const mine = checks.find((c) => c.id === `recheck:test-${i}`)!;
      expect(mine.status, `check ${i}`).toBe('done');
      expect(mine.attempts, `check ${i}`).toBe(1);
      expect(['v1', 'v2', 'v3']).toContain(mine.owner);
      // Exactly one reply in the report's thread, and it is the verification.
      const replies = slack.messages(CHANNEL).filter((m) => m.thread_ts === thread.ts);
      expect(replies, `thread ${i}`).toHaveLength(1);
      expect(JSON.stringify(replies[0]!.blocks)).toContain('fix verification');
      expect(JSON.stringify(replies[0]!.blocks)).toContain('Scheduled re-check');
      expect((await store.latestVerification(thread.incidentId))?.requestedBy).toBe('schedule');
    }
    expect((await store.scheduledChecks(threads[0]!.incidentId)).find((c) => c.id === 'recheck:later')?.status).toBe('scheduled');
    await store.close();
  }, 120_000);
});
