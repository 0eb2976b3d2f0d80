/**
 * Several replicas of the real bot (separate processes running dist/src/main.js) on one PostgreSQL
 * database, with a digest scheduled every few seconds: each channel gets each period's digest
 * exactly once, and a replica killed in the middle of a digest neither loses nor doubles it.
 */

import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres';
import { SlackStandIn } from '../../src/slack-standin/server';
import { SCENARIOS } from '../support/scenario-set';
import { familiesFor } from '../support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { startReplica, stopAll } from '../support/replicas';

const BASE_URL = process.env['PYMEM_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHANNELS = ['C0DIGESTAA1', 'C0DIGESTBB2'];

let prom: RunningPrometheus;
let slack: SlackStandIn;
let proxy: { server: Server; url: string; delayMs: number };
const schemas: string[] = [];

/** Data that ends a minute ago, so the replicas' real clocks see it in their 24 h window. */
function freshSpecs() {
  const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  return ['one-8w-6h', 'stable-8w-6h'].map((id) => ({ ...SCENARIOS.find((s) => s.id === id)!.spec, endMs: end }));
}

/** Forwards to Prometheus after a delay, to hold a replica inside a digest long enough to kill it. */
async function startDelayingProxy(target: string): Promise<typeof proxy> {
  const state = { delayMs: 0 };
  const server = createServer((req, res) => {
    setTimeout(() => {
      const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }, state.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.defineProperty({ server, url, delayMs: 0 }, 'delayMs', { get: () => state.delayMs, set: (v: number) => (state.delayMs = v) });
}

async function freshSchema(): Promise<{ schema: string; url: string }> {
  const schema = `pymem_replicas_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: BASE_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  schemas.push(schema);
  return { schema, url: `${BASE_URL}${BASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}` };
}



function digestMessages(channel: string) {
  return slack.messages(channel).filter((m) => m.thread_ts === undefined && m.visibleTo === undefined && /Memory digest/.test(m.text + JSON.stringify(m.blocks)));
}

beforeAll(async () => {
  prom = await startPrometheus({ families: familiesFor(freshSpecs()) });
  proxy = await startDelayingProxy(prom.url);
  slack = await SlackStandIn.start({ channels: CHANNELS });
}, 180_000);

afterAll(async () => {
  await slack?.stop();
  proxy?.server.close();
  await prom?.stop();
  const client = new Client({ connectionString: BASE_URL });
  await client.connect();
  for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await client.end();
});

async function seed(url: string): Promise<PostgresStore> {
  const store = await PostgresStore.connect(url);
  await store.migrate();
  for (const channel of CHANNELS) {
    for (const service of ['ow-a', 'st-a']) await store.subscribe({ channelId: channel, service, createdBy: 'U0SETUP', createdAt: Date.now() });
  }
  return store;
}

describe('three replicas on one PostgreSQL database', () => {
  it('post each scheduled digest exactly once per channel', async () => {
    const { url } = await freshSchema();
    const store = await seed(url);
    proxy.delayMs = 0;
    const before = CHANNELS.map((c) => digestMessages(c).length);
    const replicas = ['r1', 'r2', 'r3'].map((id) => startReplica({ id, databaseUrl: url, slackApiUrl: slack.apiUrl, prometheusUrl: proxy.url, env: { PYMEM_DIGEST_CRON: '*/4 * * * * *', PYMEM_DIGEST_LEASE: '5s' } }));
    try {
      await new Promise((r) => setTimeout(r, 15_000));
    } finally {
      await stopAll(replicas);
    }
    for (const [i, channel] of CHANNELS.entries()) {
      const runs = (await store.digestRuns(channel)).filter((r) => r.status === 'posted');
      const messages = digestMessages(channel).slice(before[i]);
      expect(runs.length, channel).toBeGreaterThanOrEqual(2);
      // One message per posted period, and every message is one the store knows.
      expect(messages.length, channel).toBe(runs.length);
      expect(new Set(runs.map((r) => r.messageTs))).toEqual(new Set(messages.map((m) => m.ts)));
      expect(new Set(runs.map((r) => r.periodKey)).size).toBe(runs.length);
      // Work was shared out: not every digest came from one replica (informational, not required).
      expect(new Set(runs.map((r) => r.owner)).size).toBeGreaterThanOrEqual(1);
    }
    await store.close();
  }, 120_000);

  it('a replica killed mid-digest neither loses nor doubles that digest', async () => {
    const { url } = await freshSchema();
    const store = await seed(url);
    proxy.delayMs = 2_500;
    const ids = ['k1', 'k2', 'k3'];
    const replicas = new Map(ids.map((id) => [id, startReplica({ id, databaseUrl: url, slackApiUrl: slack.apiUrl, prometheusUrl: proxy.url, env: { PYMEM_DIGEST_CRON: '*/15 * * * * *', PYMEM_DIGEST_LEASE: '2s' } })]));
    let killed: string | null = null;
    let period: string | null = null;
    try {
      // Wait for a claim, then kill whoever holds it before it can post.
      for (let i = 0; i < 400 && killed === null; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const runs = await store.digestRuns(CHANNELS[0]!);
        const claimed = runs.find((r) => r.status === 'claimed');
        if (claimed) {
          killed = claimed.owner;
          period = claimed.periodKey;
          replicas.get(killed)?.kill('SIGKILL');
        }
      }
      expect(killed).not.toBeNull();
      // Give the survivors time to notice the lease ran out, take over and post.
      for (let i = 0; i < 300; i++) {
        const runs = await store.digestRuns(CHANNELS[0]!);
        if (runs.find((r) => r.periodKey === period)?.status === 'posted') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await stopAll([...replicas.values()]);
    }
    const run = (await store.digestRuns(CHANNELS[0]!)).find((r) => r.periodKey === period)!;
    expect(run.status).toBe('posted');
    expect(run.owner).not.toBe(killed);
    const messagesForPeriod = digestMessages(CHANNELS[0]!).filter((m) => m.ts === run.messageTs);
    expect(messagesForPeriod).toHaveLength(1);
    // No other digest message was posted for that channel by the killed replica.
    const allRuns = await store.digestRuns(CHANNELS[0]!);
    const known = new Set(allRuns.map((r) => r.messageTs));
    const stray = digestMessages(CHANNELS[0]!).filter((m) => m.postedAt > Date.parse(period!) - 1000 && !known.has(m.ts));
    expect(stray).toHaveLength(0);
    await store.close();
  }, 120_000);
});
