/**
 * The Store contract and the multi-replica behaviour against a real PostgreSQL on loopback.
 * Each harness works in its own random schema, dropped afterwards, so runs never see each other.
 * PYMEM_TEST_DATABASE_URL points the tests at another server.
 */

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres';
import { StoreError, type Store } from '../../src/store/store';
import { describeStoreContract, makeNewIncident, racingTicks, stateFrom } from '../support/store-suite';
import { describeVerifyStoreContract } from '../support/verify-store-suite';
import { describeInstallationStoreContract } from '../support/installation-store-suite';

const DATABASE_URL = process.env['PYMEM_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

function freshSchema(): string {
  return `pymem_test_${randomBytes(6).toString('hex')}`;
}

/** A plain connection for arranging and inspecting what the store wrote, outside the store. */
let admin: Client;

beforeAll(async () => {
  admin = new Client({ connectionString: DATABASE_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`These tests need PostgreSQL at ${DATABASE_URL} (set PYMEM_TEST_DATABASE_URL to use another server).`, { cause: error });
  }
});

afterAll(async () => {
  await admin?.end();
});

async function dropSchema(schema: string): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

/** A store in a fresh schema, dropped afterwards; reopening connects to the same schema again. */
async function postgresHarness(schema: string = freshSchema()) {
  const opened: Store[] = [await PostgresStore.connect(DATABASE_URL, { schema })];
  return {
    store: opened[0]!,
    reopen: async () => {
      const store = await PostgresStore.connect(DATABASE_URL, { schema });
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
      await dropSchema(schema);
    },
  };
}

describeStoreContract('PostgreSQL', () => postgresHarness());

describeInstallationStoreContract('PostgreSQL', () => postgresHarness());

describeVerifyStoreContract('PostgreSQL', async () => {
  const schema = freshSchema();
  return {
    ...(await postgresHarness(schema)),
    exec: async (sql: string) => {
      await admin.query(`SET search_path TO ${schema}; ${sql} RESET search_path;`);
    },
  };
});

async function storeError(promise: Promise<unknown>): Promise<StoreError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof StoreError)) throw new Error(`expected a StoreError, got ${String(error)}`, { cause: error });
  return error;
}

describe('PostgresStore', () => {
  const schemas: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const schema of schemas.splice(0)) await dropSchema(schema);
  });

  /** A schema that does not exist yet, dropped after the test. */
  function newSchema(): string {
    const schema = freshSchema();
    schemas.push(schema);
    return schema;
  }
  async function connect(schema: string, options: { poolSize?: number; now?: () => number } = {}, url = DATABASE_URL): Promise<PostgresStore> {
    const store = await PostgresStore.connect(url, { schema, ...options });
    stores.push(store);
    return store;
  }
  /** Several replicas' stores on one schema, each with its own pool. */
  async function replicas(schema: string, count: number): Promise<PostgresStore[]> {
    return Promise.all(Array.from({ length: count }, () => connect(schema)));
  }

  it('applies each migration once when 3 replicas start at once on a fresh schema', async () => {
    const schema = newSchema();
    const stores = await replicas(schema, 3);
    await Promise.all(stores.map((s) => s.migrate()));
    await Promise.all(stores.map((s) => s.migrate()));
    const { rows } = await admin.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
    expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }, { version: 6 }, { version: 7 }]);
    const { id } = await stores[0]!.createIncident(makeNewIncident());
    expect((await stores[2]!.getIncident(id))?.id).toBe(id);
  });

  it('keeps its tables in its own schema and records when each migration was applied', async () => {
    const schema = newSchema();
    const store = await connect(schema, { now: () => 1_700_000_000_000 });
    await store.migrate();
    const { rows } = await admin.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [schema]);
    expect(rows.map((r: { table_name: string }) => r.table_name)).toEqual(['deliveries', 'digest_runs', 'incident_events', 'incident_reports', 'incidents', 'installations', 'scheduled_checks', 'schema_migrations', 'subscriptions', 'tick_events', 'verifications']);
    const applied = await admin.query(`SELECT version, applied_at::text FROM ${schema}.schema_migrations ORDER BY version`);
    expect(applied.rows).toEqual([
      { version: 1, applied_at: '1700000000000' },
      { version: 2, applied_at: '1700000000000' },
      { version: 3, applied_at: '1700000000000' },
      { version: 4, applied_at: '1700000000000' },
      { version: 5, applied_at: '1700000000000' },
      { version: 6, applied_at: '1700000000000' },
      { version: 7, applied_at: '1700000000000' },
    ]);
  });

  it('reports a connection terminated inside a transaction as unavailable, and keeps working', async () => {
    const schema = newSchema();
    const appName = `pymem-store-${randomBytes(4).toString('hex')}`;
    const store = await connect(schema, {}, `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}application_name=${appName}`);
    await store.migrate();
    const { id } = await store.createIncident(makeNewIncident());
    // Another transaction holds the incident, so the tick waits inside its own transaction...
    const locker = new Client({ connectionString: DATABASE_URL });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`SELECT 1 FROM ${schema}.incidents WHERE id = $1 FOR UPDATE`, [id]);
    const tick = store.recordTick({ incidentId: id, stepId: 'find-worker', userId: 'U0ALICE', checked: true, at: 1, requestKey: 'req-1' }).then(
      () => null,
      (e: unknown) => e,
    );
    // ...where the server drops it. Without a listener on the checked-out connection this crashed the process.
    for (let terminated = 0; terminated === 0; ) {
      const { rows } = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [appName]);
      terminated = rows.length;
      await new Promise((r) => setTimeout(r, 20));
    }
    await locker.query('COMMIT');
    await locker.end();
    const error = await tick;
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('unavailable');
    // The pool opens a new connection; the retry (same request key) is applied once.
    expect(await store.recordTick({ incidentId: id, stepId: 'find-worker', userId: 'U0ALICE', checked: true, at: 1, requestKey: 'req-1' })).toEqual({ applied: true, version: 1 });
  });

  it('keeps two replicas (two pools) consistent while their ticks interleave', async () => {
    const schema = newSchema();
    const [a, b] = await replicas(schema, 2);
    await Promise.all([a!.migrate(), b!.migrate()]);
    const { id } = await a!.createIncident(makeNewIncident());

    const events = racingTicks(id, 40);
    // Each replica's half races on the other's, and the same requests are redelivered to the other replica.
    const results = await Promise.all(
      events.flatMap((event, i) => {
        const [mine, other] = i % 2 === 0 ? [a!, b!] : [b!, a!];
        return [mine.recordTick(event).then((r) => ({ ...r, key: event.requestKey })), other.recordTick(event).then((r) => ({ ...r, key: event.requestKey }))];
      }),
    );
    const applied = results.filter((r) => r.applied);
    // Every request applied exactly once, on whichever replica got there first, each with its own version.
    expect(applied.map((r) => r.key).sort()).toEqual(events.map((e) => e.requestKey).sort());
    expect(applied.map((r) => r.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await a!.getIncident(id))?.version).toBe(40);
    expect((await b!.getIncident(id))?.version).toBe(40);
    // A duplicate reports the version it found, which is never older than its original's.
    const versionOf = new Map(applied.map((r) => [r.key, r.version]));
    for (const r of results.filter((x) => !x.applied)) expect(r.version).toBeGreaterThanOrEqual(versionOf.get(r.key)!);

    // The event order (by id) is the order the versions were handed out in.
    const stored = await b!.tickEvents(id);
    expect(stored.map((e) => versionOf.get(e.requestKey))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const expected = stateFrom(stored);
    expect(await a!.checklistState(id)).toEqual(expected);
    expect(await b!.checklistState(id)).toEqual(expected);
    expect(await a!.tickEvents(id)).toEqual(stored);
  });

  it('gives a digest to exactly one of 3 replicas claiming at once, and an abandoned one to exactly one taker', async () => {
    const schema = newSchema();
    const stores = await replicas(schema, 3);
    await Promise.all(stores.map((s) => s.migrate()));
    const periodKey = '2026-03-02T08:00:00.000Z';
    const now = Date.parse(periodKey);
    for (let round = 0; round < 5; round++) {
      const channel = `C0ROUND${round}`;
      const first = await Promise.all(stores.map((s, i) => s.claimDigest(channel, periodKey, `replica-${i}`, now, 60_000)));
      expect(first.filter((r) => r.claimed)).toEqual([{ claimed: true, takenOver: false }]);
      // The winner dies; after its lease every survivor tries to take over, and one does.
      const retry = await Promise.all(stores.map((s, i) => s.claimDigest(channel, periodKey, `replica-${i}-again`, now + 60_001, 60_000)));
      expect(retry.filter((r) => r.claimed)).toEqual([{ claimed: true, takenOver: true }]);
      const [run] = await stores[0]!.digestRuns(channel);
      expect(run).toMatchObject({ status: 'claimed', claimedAt: now + 60_001, leaseUntil: now + 120_001 });
      expect(run!.owner).toBe(`replica-${retry.findIndex((r) => r.claimed)}-again`);
    }
  });

  it('orders period keys by code point even in a database whose default collation is a locale', async () => {
    // Compared as text: with punctuation ignored, '…T08:00:00Z' would sort after '…T08:00:00.500Z'.
    const schema = newSchema();
    const store = await connect(schema);
    await store.migrate();
    const keys = ['2026-03-02T08:00:00.500Z', '2026-03-02T08:00:00Z', '2026-03-02T08:00:01Z'];
    for (const key of keys) {
      await store.claimDigest('C0DIGEST', key, 'replica-a', 1, 60_000);
      await store.finishDigest('C0DIGEST', key, 'replica-a', { status: 'posted', messageTs: null, summary: key, at: 2 });
    }
    expect((await store.digestRuns('C0DIGEST')).map((r) => r.periodKey)).toEqual([...keys].sort());
    const collations = await admin.query(
      `SELECT column_name, collation_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'digest_runs' AND column_name IN ('channel_id', 'period_key') ORDER BY column_name`,
      [schema],
    );
    expect(collations.rows).toEqual([
      { column_name: 'channel_id', collation_name: 'C' },
      { column_name: 'period_key', collation_name: 'C' },
    ]);
  });

  it('reports a server it cannot reach as unavailable, without the password', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const url = 'postgres://pymem:s3cret-pa55word@127.0.0.1:1/test';
    const error = await storeError(PostgresStore.connect(url, { schema: newSchema() }));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).toContain('pymem:***@');
    expect(error.message).not.toContain('s3cret');
    expect(error.cause).toBeInstanceOf(Error);
    expect(String(error.stack)).not.toContain('s3cret');

    // libpq-style URLs may carry the password as a parameter instead.
    const inQuery = await storeError(PostgresStore.connect('postgres://pymem@127.0.0.1:1/test?password=s3cret-pa55word&sslpassword=an0ther-s3cret'));
    expect(inQuery.code).toBe('unavailable');
    expect(inQuery.message).not.toMatch(/s3cret/);
  });

  it('reports a missing database as unavailable', async () => {
    const url = new URL(DATABASE_URL);
    url.pathname = `/pymem_no_such_db_${randomBytes(4).toString('hex')}`;
    const error = await storeError(PostgresStore.connect(url.toString()));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/3D000/);
  });

  it('says to migrate when the schema has no tables yet', async () => {
    const store = await connect(newSchema());
    const error = await storeError(store.getIncident('inc-1'));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/migrate\(\)/);
  });

  it('reports a report_json or summary_json that is not JSON as corrupt', async () => {
    const schema = newSchema();
    const store = await connect(schema);
    await store.migrate();
    const broken = await store.createIncident(makeNewIncident());
    await admin.query(`UPDATE ${schema}.incident_reports SET report_json = $1 WHERE incident_id = $2`, ['{"diagnosis": {"pattern": "stable"', broken.id]);
    const notJson = await storeError(store.getIncident(broken.id));
    expect(notJson.code).toBe('corrupt');
    expect(notJson.message).toContain(broken.id);
    expect(notJson.cause).toBeInstanceOf(SyntaxError);

    const periodKey = '2026-03-02T08:00:00.000Z';
    await store.claimDigest('C0DIGEST', periodKey, 'replica-a', 1000, 60_000);
    await store.finishDigest('C0DIGEST', periodKey, 'replica-a', { status: 'posted', messageTs: '1.000000', summary: { services: 1 }, at: 2000 });
    await admin.query(`UPDATE ${schema}.digest_runs SET summary_json = '{"services": 1'`);
    expect((await storeError(store.digestRuns('C0DIGEST'))).code).toBe('corrupt');
    expect((await storeError(store.previousDigest('C0DIGEST', '2026-03-03T08:00:00.000Z'))).code).toBe('corrupt');
  });

  it('recovers when the server drops its idle connections', async () => {
    const schema = newSchema();
    const applicationName = `pymem-test-${randomBytes(4).toString('hex')}`;
    const url = new URL(DATABASE_URL);
    url.searchParams.set('application_name', applicationName);
    const store = await connect(schema, { poolSize: 2 }, url.toString());
    await store.migrate();
    const { id } = await store.createIncident(makeNewIncident());

    // What a server restart or failover does to a replica's pool.
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [applicationName]);
    expect(killed.rowCount).toBeGreaterThan(0);
    // A call may land on a connection whose death the pool has not noticed yet; that one call fails as unavailable.
    const first = await store.getIncident(id).then(
      (incident) => incident?.id,
      (error: unknown) => (error instanceof StoreError ? error.code : error),
    );
    expect([id, 'unavailable']).toContain(first);
    expect((await store.getIncident(id))?.id).toBe(id);
    await store.ping();
  });

  it('closes its pool: the server sees its connections go', async () => {
    const applicationName = `pymem-test-${randomBytes(4).toString('hex')}`;
    const url = new URL(DATABASE_URL);
    url.searchParams.set('application_name', applicationName);
    const store = await connect(newSchema(), {}, url.toString());
    await store.migrate();
    const count = async (): Promise<number> =>
      Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`, [applicationName])).rows[0].n);
    expect(await count()).toBeGreaterThan(0);
    await store.close();
    await expect.poll(count).toBe(0);
    expect((await storeError(store.ping())).message).toMatch(/closed/);
  });
});
