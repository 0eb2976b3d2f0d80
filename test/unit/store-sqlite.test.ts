import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_PRUNE_EVERY, DELIVERY_RETENTION_MS } from '../../src/store/rows';
import { SqliteStore } from '../../src/store/sqlite';
import { BetterSqlite3, type SqliteConnection } from '../../src/store/sqlite-driver';
import { StoreError, type Store } from '../../src/store/store';
import { describeStoreContract, makeNewIncident, racingTicks, stateFrom } from '../support/store-suite';
import { describeVerifyStoreContract } from '../support/verify-store-suite';
import { describeInstallationStoreContract } from '../support/installation-store-suite';

const root = mkdtempSync(join(tmpdir(), 'pymem-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A database path under a directory that does not exist yet. */
function freshPath(): string {
  counter += 1;
  return join(root, `case-${counter}`, 'nested', 'pymem.db');
}

/** A store on a fresh file; reopening opens the same file again, as a restart would. */
function sqliteHarness(path: string = freshPath()) {
  const opened: Store[] = [SqliteStore.open(path)];
  return {
    store: opened[0]!,
    reopen: async () => {
      const store = SqliteStore.open(path);
      opened.push(store);
      return store;
    },
    cleanup: async () => {
      for (const store of opened) await store.close();
    },
  };
}

describeStoreContract('SQLite file', async () => sqliteHarness());

describeInstallationStoreContract('SQLite file', async () => sqliteHarness());

describeVerifyStoreContract('SQLite file', async () => {
  const path = freshPath();
  return {
    ...sqliteHarness(path),
    exec: async (sql: string) => {
      const db = new BetterSqlite3(path);
      db.exec(sql);
      db.close();
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

function storeErrorSync(open: () => unknown): StoreError {
  try {
    open();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError, got none');
}

/** Undoes migration 3 on a migrated database: what a version 2 release left behind (report_json moved to the end). */
/** Undoes migrations 6 and 7 (installations, the workspace of subscriptions and incidents): what the single-workspace release left behind. */
function backToVersion5(db: SqliteConnection): void {
  db.exec(`
    DROP TABLE installations;
    ALTER TABLE subscriptions DROP COLUMN team_id;
    ALTER TABLE subscriptions DROP COLUMN enterprise_id;
    ALTER TABLE incidents DROP COLUMN team_id;
    ALTER TABLE incidents DROP COLUMN enterprise_id;
    DELETE FROM schema_migrations WHERE version IN (6, 7);
  `);
}

/** Undoes migration 5 (resolve columns, incident events): what a release before issue 13 left behind. */
function backToVersion3(db: SqliteConnection): void {
  backToVersion5(db);
  db.exec(`
    DROP TABLE incident_events;
    DROP INDEX incidents_open;
    DROP INDEX incidents_resolved;
    DROP INDEX incidents_by_service;
    ALTER TABLE incidents DROP COLUMN resolved_by;
    ALTER TABLE incidents DROP COLUMN resolved_at;
    DELETE FROM schema_migrations WHERE version = 5;
  `);
}

function backToVersion2(db: SqliteConnection): void {
  backToVersion3(db);
  db.exec(`
    DROP INDEX incidents_stale;
    ALTER TABLE incidents DROP COLUMN rendered_version;
    ALTER TABLE incidents ADD COLUMN report_json TEXT NOT NULL DEFAULT '';
    UPDATE incidents SET report_json = (SELECT report_json FROM incident_reports WHERE incident_id = incidents.id);
    DROP TABLE incident_reports;
    ALTER TABLE subscriptions DROP COLUMN paused_at;
    ALTER TABLE subscriptions DROP COLUMN paused_reason;
    DELETE FROM schema_migrations WHERE version = 3;
  `);
}

describe('SqliteStore', () => {
  const toClose: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    for (const c of toClose.splice(0)) await c.close();
  });
  function open(path: string, options?: Parameters<typeof SqliteStore.open>[1]): SqliteStore {
    const store = SqliteStore.open(path, options);
    toClose.push(store);
    return store;
  }
  function raw(path: string): SqliteConnection {
    const db = new BetterSqlite3(path);
    toClose.push(db);
    return db;
  }

  it('creates the file and its parent directories, in WAL mode, with the schema recorded once', async () => {
    const path = freshPath();
    expect(existsSync(join(path, '..'))).toBe(false);
    const store = open(path, { now: () => 1_700_000_000_000 });
    await store.migrate();
    await store.migrate();
    expect(existsSync(path)).toBe(true);

    const db = raw(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all()).toEqual([
      { version: 1, applied_at: 1_700_000_000_000 },
      { version: 2, applied_at: 1_700_000_000_000 },
      { version: 3, applied_at: 1_700_000_000_000 },
      { version: 4, applied_at: 1_700_000_000_000 },
      { version: 5, applied_at: 1_700_000_000_000 },
      { version: 6, applied_at: 1_700_000_000_000 },
      { version: 7, applied_at: 1_700_000_000_000 },
    ]);
  });

  it('upgrades a single-workspace database (version 5) in place, keeping its incidents and subscriptions for that one workspace', async () => {
    const path = freshPath();
    const old = open(path);
    await old.migrate();
    const incident = await old.createIncident(makeNewIncident());
    await old.attachMessage(incident.id, '1741097100.000100');
    await old.subscribe({ channelId: 'C0DIGEST', service: 'checkout-api', createdBy: 'U0ALICE', createdAt: 1 });
    await old.close();
    const db = raw(path);
    backToVersion5(db);
    expect(db.prepare('SELECT channel_id, service FROM subscriptions').all()).toEqual([{ channel_id: 'C0DIGEST', service: 'checkout-api' }]);

    const store = open(path);
    await expect(store.installations()).rejects.toThrow(/migrate\(\)/);
    await store.migrate();
    expect(await store.getIncident(incident.id)).toStrictEqual({ ...incident, messageTs: '1741097100.000100', teamId: '', enterpriseId: '' });
    expect((await store.openIncidents([incident.channelId], 10)).total).toBe(1);
    expect(await store.allSubscriptions()).toStrictEqual([
      { channelId: 'C0DIGEST', service: 'checkout-api', createdBy: 'U0ALICE', createdAt: 1, pausedAt: null, pausedReason: null, teamId: '', enterpriseId: '' },
    ]);
    expect(await store.installations()).toEqual([]);
  });

  it('upgrades a version 3 database in place: its incidents open, with no events, and resolvable', async () => {
    const path = freshPath();
    const old = open(path);
    await old.migrate();
    const incident = await old.createIncident(makeNewIncident());
    await old.attachMessage(incident.id, '1741097100.000100');
    await old.close();
    const db = raw(path);
    backToVersion3(db);

    const store = open(path, { now: () => 1_800_000_000_000 });
    await expect(store.getIncident(incident.id)).rejects.toThrow(/migrate\(\)/);
    await store.migrate();
    await store.migrate();
    expect(await store.getIncident(incident.id)).toStrictEqual({ ...incident, messageTs: '1741097100.000100', resolution: null });
    expect(await store.incidentEvents(incident.id)).toStrictEqual([]);
    expect((await store.openIncidents([incident.channelId], 10)).total).toBe(1);
    expect((await store.resolveIncident(incident.id, 'U0ALICE', 5)).applied).toBe(true);
    expect(db.prepare('SELECT version, applied_at FROM schema_migrations WHERE version = 5').get()).toEqual({ version: 5, applied_at: 1_800_000_000_000 });
  });

  it('upgrades a version 1 database in place, keeping its incidents', async () => {
    const path = freshPath();
    const old = open(path);
    await old.migrate();
    const incident = await old.createIncident(makeNewIncident());
    await old.close();
    // Back to what a version 1 release left behind.
    const db = raw(path);
    backToVersion2(db);
    db.exec(`DROP TABLE subscriptions; DROP TABLE digest_runs; DELETE FROM schema_migrations WHERE version = 2`);

    const store = open(path, { now: () => 1_800_000_000_000 });
    await expect(store.subscriptions('C0DIGEST')).rejects.toThrow(/migrate\(\)/);
    await store.migrate();
    expect(await store.getIncident(incident.id)).toStrictEqual(incident);
    expect(await store.subscribe({ channelId: 'C0DIGEST', service: 'checkout-api', createdBy: 'U0ALICE', createdAt: 1 })).toBe('added');
    expect(db.prepare('SELECT version, applied_at FROM schema_migrations WHERE version = 2').get()).toEqual({ version: 2, applied_at: 1_800_000_000_000 });
  });

  it('upgrades a version 2 database taking every posted message as up to date', async () => {
    const path = freshPath();
    const old = open(path);
    await old.migrate();
    const incident = await old.createIncident(makeNewIncident());
    await old.attachMessage(incident.id, '1741097100.000100');
    await old.recordTick({ incidentId: incident.id, stepId: 'find-worker', userId: 'U0ALICE', checked: true, at: 1, requestKey: 'req-1' });
    await old.subscribe({ channelId: 'C0DIGEST', service: 'checkout-api', createdBy: 'U0ALICE', createdAt: 1 });
    await old.close();
    // Back to what a version 2 release left behind.
    const db = raw(path);
    backToVersion2(db);

    const store = open(path);
    await store.migrate();
    // Nothing to redraw: the old release showed every tick it stored (or never knew otherwise).
    expect(await store.getIncident(incident.id)).toMatchObject({ version: 1, renderedVersion: 1 });
    expect(await store.staleIncidents(10)).toEqual([]);
    expect(await store.subscriptions('C0DIGEST')).toMatchObject([{ service: 'checkout-api', pausedAt: null, pausedReason: null }]);
  });

  it('rejects a digest status outside claimed, posted and failed', async () => {
    const path = freshPath();
    await open(path).migrate();
    const insert = raw(path).prepare(
      `INSERT INTO digest_runs (channel_id, period_key, status, owner, claimed_at, lease_until) VALUES ('C0DIGEST', '2026-03-02T08:00:00.000Z', ?, 'replica-a', 1, 2)`,
    );
    expect(() => insert.run('skipped')).toThrow(/CHECK constraint failed/);
    expect(insert.run('claimed').changes).toBe(1);
  });

  it('works in memory', async () => {
    const store = open(':memory:');
    await store.migrate();
    const incident = await store.createIncident(makeNewIncident());
    expect(await store.getIncident(incident.id)).toStrictEqual(incident);
  });

  it('says to migrate when the schema is missing', async () => {
    const error = await storeError(open(freshPath()).getIncident('inc-1'));
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/migrate\(\)/);
  });

  it('keeps two connections to one file consistent (as two processes would be)', async () => {
    const path = freshPath();
    const a = open(path);
    const b = open(path);
    await Promise.all([a.migrate(), b.migrate()]);
    const { id } = await a.createIncident(makeNewIncident());
    expect((await b.getIncident(id))?.version).toBe(0);

    const events = racingTicks(id, 40);
    const versions: number[] = [];
    for (let i = 0; i < events.length; i += 2) {
      const [ra, rb] = await Promise.all([a.recordTick(events[i]!), b.recordTick(events[i + 1]!)]);
      versions.push(ra.version, rb.version);
      // Each connection sees the other's commits at once.
      expect((await b.getIncident(id))?.version).toBe(i + 2);
      expect((await a.getIncident(id))?.version).toBe(i + 2);
    }
    expect(versions).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // A redelivery that lands on the other process is still a duplicate.
    expect(await b.recordTick(events[0]!)).toEqual({ applied: false, version: 40 });
    expect(await a.recordTick(events[1]!)).toEqual({ applied: false, version: 40 });

    const expected = stateFrom(events);
    expect(await a.checklistState(id)).toEqual(expected);
    expect(await b.checklistState(id)).toEqual(expected);
    expect(await a.tickEvents(id)).toEqual(events);
    expect(await b.tickEvents(id)).toEqual(events);
  });

  it('reports a locked database as unavailable after the busy timeout, keeping the driver error', async () => {
    const path = freshPath();
    const store = open(path, { busyTimeoutMs: 50 });
    await store.migrate();
    const { id } = await store.createIncident(makeNewIncident());
    const other = raw(path);
    other.exec('BEGIN IMMEDIATE'); // another process holds the write lock

    const error = await storeError(store.recordTick({ incidentId: id, stepId: 'find-worker', userId: 'U0ALICE', checked: true, at: 1, requestKey: 'req-1' }));
    expect(error.code).toBe('unavailable');
    expect(error.cause).toBeInstanceOf(BetterSqlite3.SqliteError);
    expect((error.cause as InstanceType<typeof BetterSqlite3.SqliteError>).code).toMatch(/^SQLITE_BUSY/);
    // Reads still work in WAL mode while another connection writes.
    expect((await store.getIncident(id))?.version).toBe(0);

    other.exec('ROLLBACK');
    expect(await store.recordTick({ incidentId: id, stepId: 'find-worker', userId: 'U0ALICE', checked: true, at: 1, requestKey: 'req-1' })).toEqual({
      applied: true,
      version: 1,
    });
  });

  it('reports a report_json that is not JSON, or not a report, as corrupt', async () => {
    const path = freshPath();
    const store = open(path);
    await store.migrate();
    const broken = await store.createIncident(makeNewIncident());
    const foreign = await store.createIncident(makeNewIncident());
    await store.attachMessage(broken.id, '1741097100.000300');
    const db = raw(path);
    db.prepare('UPDATE incident_reports SET report_json = ? WHERE incident_id = ?').run('{"diagnosis": {"pattern": "stable"', broken.id);
    db.prepare('UPDATE incident_reports SET report_json = ? WHERE incident_id = ?').run(JSON.stringify({ diagnosis: {}, checklist: [] }), foreign.id);

    const notJson = await storeError(store.getIncident(broken.id));
    expect(notJson.code).toBe('corrupt');
    expect(notJson.message).toContain(broken.id);
    expect(notJson.cause).toBeInstanceOf(SyntaxError);
    expect((await storeError(store.findIncidentByMessage(broken.channelId, '1741097100.000300'))).code).toBe('corrupt');
    expect((await storeError(store.getIncident(foreign.id))).code).toBe('corrupt');
  });

  it('reports a digest summary that is not JSON as corrupt, wherever the run is read', async () => {
    const path = freshPath();
    const store = open(path);
    await store.migrate();
    const periodKey = '2026-03-02T08:00:00.000Z';
    await store.claimDigest('C0DIGEST', periodKey, 'replica-a', 1000, 60_000);
    await store.finishDigest('C0DIGEST', periodKey, 'replica-a', { status: 'posted', messageTs: '1772438400.000100', summary: { services: 1 }, at: 2000 });
    raw(path).prepare('UPDATE digest_runs SET summary_json = ? WHERE period_key = ?').run('{"services": 1', periodKey);

    const error = await storeError(store.digestRuns('C0DIGEST'));
    expect(error.code).toBe('corrupt');
    expect(error.message).toContain(periodKey);
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect((await storeError(store.previousDigest('C0DIGEST', '2026-03-03T08:00:00.000Z'))).code).toBe('corrupt');
    expect((await storeError(store.claimDigest('C0DIGEST', periodKey, 'replica-b', 3000, 60_000))).code).toBe('corrupt');
  });

  it('gives a digest to one of two connections to one file (as two processes would be)', async () => {
    const path = freshPath();
    const a = open(path);
    const b = open(path);
    await Promise.all([a.migrate(), b.migrate()]);
    const periodKey = '2026-03-02T08:00:00.000Z';
    const [ra, rb] = await Promise.all([a.claimDigest('C0DIGEST', periodKey, 'replica-a', 1000, 60_000), b.claimDigest('C0DIGEST', periodKey, 'replica-b', 1000, 60_000)]);
    expect([ra.claimed, rb.claimed]).toEqual([true, false]);
    expect(rb.claimed ? null : rb.run.owner).toBe('replica-a');
    // Replica A dies; B takes over once the lease ran out, and A's late finish is refused.
    expect(await b.claimDigest('C0DIGEST', periodKey, 'replica-b', 61_001, 60_000)).toEqual({ claimed: true, takenOver: true });
    expect(await a.finishDigest('C0DIGEST', periodKey, 'replica-a', { status: 'posted', messageTs: '1.000000', summary: null, at: 61_002 })).toBe(false);
    expect((await a.digestRuns('C0DIGEST')).map((r) => [r.owner, r.status])).toEqual([['replica-b', 'claimed']]);
  });

  it('reports a tick row with an unknown step as corrupt', async () => {
    const path = freshPath();
    const store = open(path);
    await store.migrate();
    const { id } = await store.createIncident(makeNewIncident());
    raw(path).prepare(`INSERT INTO tick_events (incident_id, step_id, user_id, checked, at, request_key) VALUES (?, 'no-such-step', 'U0X', 1, 1, 'req-x')`).run(id);
    expect((await storeError(store.tickEvents(id))).code).toBe('corrupt');
    expect((await storeError(store.checklistState(id))).code).toBe('corrupt');
  });

  it('prunes delivery keys older than the retention so the table stays bounded', async () => {
    const path = freshPath();
    const store = open(path);
    await store.migrate();
    const t0 = 1_700_000_000_000;
    expect(await store.claimDelivery('evt-old', t0)).toBe(true); // claim 0 prunes (nothing yet)
    const later = t0 + DELIVERY_RETENTION_MS + 1;
    for (let i = 1; i < DELIVERY_PRUNE_EVERY; i++) await store.claimDelivery(`evt-${i}`, later);
    const count = raw(path).prepare('SELECT count(*) FROM deliveries').pluck();
    expect(count.get()).toBe(DELIVERY_PRUNE_EVERY);
    expect(await store.claimDelivery('evt-old', later)).toBe(true); // claim 1000 pruned the old key first
    expect(count.get()).toBe(DELIVERY_PRUNE_EVERY);
    expect(await store.claimDelivery('evt-1', later)).toBe(false); // recent keys are kept
  });

  it('refuses a path it cannot create as unavailable', () => {
    const file = join(root, `not-a-dir-${++counter}`);
    writeFileSync(file, 'x');
    const error = storeErrorSync(() => SqliteStore.open(join(file, 'pymem.db')));
    expect(error.code).toBe('unavailable');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('refuses a file that is not a database as corrupt', () => {
    const file = join(root, `not-a-db-${++counter}.db`);
    writeFileSync(file, 'this is not an SQLite database, just a long enough line of text '.repeat(20));
    const error = storeErrorSync(() => SqliteStore.open(file));
    expect(error.code).toBe('corrupt');
  });
});
