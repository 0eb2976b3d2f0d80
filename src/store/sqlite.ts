/**
 * The default Store: one SQLite file, driven synchronously by better-sqlite3 behind the async interface.
 * Every call runs to completion (transactions included) before it returns, so no transaction is ever
 * held open across an `await`; several processes may share the file (WAL mode, busy timeout).
 */

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { ChecklistState } from '../domain/checklist-state';
import type { StoredReport } from '../domain/report';
import {
  DELIVERY_PRUNE_EVERY,
  DELIVERY_RETENTION_MS,
  newIncidentRecord,
  RowReader,
  SELECT_DIGEST_RUN,
  SELECT_INCIDENT,
  SELECT_INCIDENT_EVENT,
  SELECT_RESOLVED,
  SELECT_SUBSCRIPTION,
  summaryToJson,
  type ColumnTypes,
} from './rows';
import {
  StoreError,
  type ClaimResult,
  type DigestRun,
  type IncidentEvent,
  type IncidentRecord,
  type NewIncident,
  type OpenIncidents,
  type ResolvedIncident,
  type ResolveResult,
  type Store,
  type StoredSubscription,
  type Subscription,
  type TickEvent,
  type TickResult,
  type NewScheduledCheck,
  type ScheduledCheck,
  type VerificationRecord,
  type InstallationKey,
  type StoredInstallation,
} from './store';
import { MAX_CHECK_ATTEMPTS, SELECT_SCHEDULED_CHECK, SELECT_VERIFICATION, VerifyRowReader, resultToJson, verificationTablesSql } from './verify-rows';
import { WORKSPACE_COLUMNS_SQL, INSTALLATION_COLUMNS, InstallationRowReader, installationKeyOf, installationTableSql, installationValues, SELECT_INSTALLATION } from './installation-rows';
import { BetterSqlite3, type SqliteConnection } from './sqlite-driver';

export interface SqliteStoreOptions {
  /** Clock for bookkeeping columns (schema_migrations.applied_at), ms since epoch. */
  readonly now?: () => number;
  /** How long a statement waits for another connection's write lock before failing as 'unavailable', in ms. */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

interface Migration {
  readonly version: number;
  readonly sql: string;
}

/** Append only: a released migration is never edited, a change is a new version. */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE incidents (
        id          TEXT PRIMARY KEY,
        channel_id  TEXT NOT NULL,
        message_ts  TEXT,
        service     TEXT NOT NULL,
        window_ms   INTEGER NOT NULL,
        end_ms      INTEGER NOT NULL,
        report_json TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        version     INTEGER NOT NULL DEFAULT 0,
        UNIQUE (channel_id, message_ts)
      ) STRICT;

      CREATE TABLE tick_events (
        -- AUTOINCREMENT: ids are never reused, so "latest by id" stays true even after deletes.
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        step_id     TEXT NOT NULL,
        user_id     TEXT NOT NULL,
        checked     INTEGER NOT NULL CHECK (checked IN (0, 1)),
        at          INTEGER NOT NULL,
        request_key TEXT NOT NULL UNIQUE
      ) STRICT;
      CREATE INDEX tick_events_by_step ON tick_events (incident_id, step_id, id);

      CREATE TABLE deliveries (
        key TEXT PRIMARY KEY,
        at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX deliveries_by_at ON deliveries (at);
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE subscriptions (
        channel_id TEXT NOT NULL,
        service    TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (channel_id, service)
      ) STRICT;

      -- One row per channel and scheduled period: the row is the claim (see Store.claimDigest).
      CREATE TABLE digest_runs (
        channel_id   TEXT NOT NULL,
        -- ISO 8601 UTC, so text order is time order (previousDigest relies on it).
        period_key   TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'failed')),
        owner        TEXT NOT NULL,
        claimed_at   INTEGER NOT NULL,
        lease_until  INTEGER NOT NULL,
        message_ts   TEXT,
        summary_json TEXT,
        finished_at  INTEGER,
        PRIMARY KEY (channel_id, period_key)
      ) STRICT;
    `,
  },
  {
    version: 3,
    sql: `
      -- The report (tens of KB of JSON) moves out of incidents: every tick, every update recorded and
      -- every attached message rewrote the whole row, report included.
      CREATE TABLE incident_reports (
        incident_id TEXT PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
        report_json TEXT NOT NULL
      ) STRICT;
      INSERT INTO incident_reports (incident_id, report_json) SELECT id, report_json FROM incidents;
      ALTER TABLE incidents DROP COLUMN report_json;

      -- The version Slack shows: below version, the last update did not arrive and the message is drawn again.
      ALTER TABLE incidents ADD COLUMN rendered_version INTEGER NOT NULL DEFAULT 0;
      UPDATE incidents SET rendered_version = version;
      CREATE INDEX incidents_stale ON incidents (created_at) WHERE message_ts IS NOT NULL AND rendered_version < version;

      -- A channel pymem cannot post in (archived, not invited) has its digests paused, not retried every day.
      ALTER TABLE subscriptions ADD COLUMN paused_at INTEGER;
      ALTER TABLE subscriptions ADD COLUMN paused_reason TEXT;
    `,
  },
  // Fix verifications and scheduled re-checks (issue 13).
  { version: 4, sql: verificationTablesSql('sqlite') },
  {
    // 5, not 4: the verifications table of issue 13's verify part takes 4. Versions need not be
    // contiguous; each is applied once, in the order of this list.
    version: 5,
    sql: `
      -- Resolve: who and when, on the incident itself (the first resolve stands).
      ALTER TABLE incidents ADD COLUMN resolved_by TEXT;
      ALTER TABLE incidents ADD COLUMN resolved_at INTEGER;
      CREATE INDEX incidents_open ON incidents (channel_id, created_at) WHERE message_ts IS NOT NULL AND resolved_at IS NULL;
      CREATE INDEX incidents_resolved ON incidents (channel_id, resolved_at) WHERE resolved_at IS NOT NULL;
      CREATE INDEX incidents_by_service ON incidents (channel_id, service, created_at);

      -- What happened to an incident besides ticks (re-runs), for its timeline.
      CREATE TABLE incident_events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        kind        TEXT NOT NULL CHECK (kind IN ('rerun')),
        user_id     TEXT NOT NULL,
        at          INTEGER NOT NULL,
        request_key TEXT NOT NULL UNIQUE,
        detail_json TEXT NOT NULL
      ) STRICT;
      CREATE INDEX incident_events_by_incident ON incident_events (incident_id, id);
    `,
  },
  // Installations of the app in OAuth mode (issue 14).
  { version: 6, sql: installationTableSql('sqlite') },
  // The workspace of each subscription and incident (issue 14): their Slack calls use its installation's token.
  { version: 7, sql: WORKSPACE_COLUMNS_SQL },
];

const resolutionRow = z.object({ version: z.number().int(), resolved_by: z.string().nullable(), resolved_at: z.number().nullable() });

/** better-sqlite3 returns INTEGER columns as numbers; tick_events.checked is stored as 0 or 1. */
const COLUMN_TYPES: ColumnTypes = {
  millis: z.number(),
  checked: z.union([z.literal(0), z.literal(1)]).transform((checked) => checked === 1),
};

function prepareStatements(db: SqliteConnection) {
  return {
    insertIncident: db.prepare<[{ id: string; channelId: string; service: string; windowMs: number; endMs: number; createdBy: string; createdAt: number; teamId: string; enterpriseId: string }]>(
      `INSERT INTO incidents (id, channel_id, message_ts, service, window_ms, end_ms, created_by, created_at, version, team_id, enterprise_id)
       VALUES (@id, @channelId, NULL, @service, @windowMs, @endMs, @createdBy, @createdAt, 0, @teamId, @enterpriseId)`,
    ),
    insertReport: db.prepare<[string, string]>(`INSERT INTO incident_reports (incident_id, report_json) VALUES (?, ?)`),
    attachMessage: db.prepare<[string, string]>(`UPDATE incidents SET message_ts = ? WHERE id = ?`),
    replaceReport: db.prepare<[string, string]>(`UPDATE incident_reports SET report_json = ? WHERE incident_id = ?`),
    markRendered: db.prepare<[number, string]>(`UPDATE incidents SET rendered_version = max(rendered_version, ?) WHERE id = ?`),
    staleIncidents: db.prepare<[number]>(`${SELECT_INCIDENT} WHERE message_ts IS NOT NULL AND rendered_version < version ORDER BY created_at DESC, id LIMIT ?`),
    incidentById: db.prepare<[string]>(`${SELECT_INCIDENT} WHERE id = ?`),
    incidentByMessage: db.prepare<[string, string]>(`${SELECT_INCIDENT} WHERE channel_id = ? AND message_ts = ?`),
    incidentVersion: db.prepare<[string], unknown>(`SELECT version FROM incidents WHERE id = ?`).pluck(),
    insertTick: db.prepare<
      [{ incidentId: string; stepId: string; userId: string; checked: 0 | 1; at: number; requestKey: string }]
    >(
      `INSERT INTO tick_events (incident_id, step_id, user_id, checked, at, request_key)
       VALUES (@incidentId, @stepId, @userId, @checked, @at, @requestKey)
       ON CONFLICT (request_key) DO NOTHING`,
    ),
    bumpVersion: db.prepare<[string], unknown>(`UPDATE incidents SET version = version + 1 WHERE id = ? RETURNING version`).pluck(),
    tickEvents: db.prepare<[string]>(
      `SELECT incident_id, step_id, user_id, checked, at, request_key FROM tick_events WHERE incident_id = ? ORDER BY id`,
    ),
    // By event id, not by `at`: replicas' clocks differ, the id order is the order the database applied them.
    latestPerStep: db.prepare<[string]>(
      `SELECT step_id, user_id, checked, at FROM tick_events
       WHERE id IN (SELECT max(id) FROM tick_events WHERE incident_id = ? GROUP BY step_id)`,
    ),
    // ON CONFLICT DO NOTHING rather than INSERT OR IGNORE: only a duplicate key is ignored, not other violations.
    claimDelivery: db.prepare<[string, number]>(`INSERT INTO deliveries (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`),
    pruneDeliveries: db.prepare<[number]>(`DELETE FROM deliveries WHERE at < ?`),
    subscribe: db.prepare<[{ channelId: string; service: string; createdBy: string; createdAt: number; teamId: string; enterpriseId: string }]>(
      `INSERT INTO subscriptions (channel_id, service, created_by, created_at, team_id, enterprise_id) VALUES (@channelId, @service, @createdBy, @createdAt, @teamId, @enterpriseId)
       ON CONFLICT (channel_id, service) DO NOTHING`,
    ),
    unsubscribe: db.prepare<[string, string]>(`DELETE FROM subscriptions WHERE channel_id = ? AND service = ?`),
    subscriptions: db.prepare<[string]>(`${SELECT_SUBSCRIPTION} WHERE channel_id = ? ORDER BY service`),
    allSubscriptions: db.prepare<[]>(`${SELECT_SUBSCRIPTION} ORDER BY channel_id, service`),
    pauseChannel: db.prepare<[number, string, string]>(`UPDATE subscriptions SET paused_at = ?, paused_reason = ? WHERE channel_id = ? AND paused_at IS NULL`),
    resumeChannel: db.prepare<[string]>(`UPDATE subscriptions SET paused_at = NULL, paused_reason = NULL WHERE channel_id = ? AND paused_at IS NOT NULL`),
    digestRun: db.prepare<[string, string]>(`${SELECT_DIGEST_RUN} WHERE channel_id = ? AND period_key = ?`),
    insertDigestRun: db.prepare<[{ channelId: string; periodKey: string; owner: string; now: number; leaseUntil: number }]>(
      `INSERT INTO digest_runs (channel_id, period_key, status, owner, claimed_at, lease_until, message_ts, summary_json, finished_at)
       VALUES (@channelId, @periodKey, 'claimed', @owner, @now, @leaseUntil, NULL, NULL, NULL)`,
    ),
    // A retried run starts clean: whatever the failed attempt recorded is no longer true.
    takeOverDigestRun: db.prepare<[{ channelId: string; periodKey: string; owner: string; now: number; leaseUntil: number }]>(
      `UPDATE digest_runs
       SET status = 'claimed', owner = @owner, claimed_at = @now, lease_until = @leaseUntil, message_ts = NULL, summary_json = NULL, finished_at = NULL
       WHERE channel_id = @channelId AND period_key = @periodKey`,
    ),
    renewDigestClaim: db.prepare<[number, string, string, string]>(
      `UPDATE digest_runs SET lease_until = ? WHERE channel_id = ? AND period_key = ? AND owner = ? AND status = 'claimed'`,
    ),
    finishDigest: db.prepare<
      [{ channelId: string; periodKey: string; owner: string; status: 'posted' | 'failed'; messageTs: string | null; summaryJson: string | null; at: number }]
    >(
      `UPDATE digest_runs SET status = @status, message_ts = @messageTs, summary_json = @summaryJson, finished_at = @at
       WHERE channel_id = @channelId AND period_key = @periodKey AND owner = @owner AND status = 'claimed'`,
    ),
    // period_key is ISO 8601 UTC text: comparing and ordering it as text is comparing times.
    previousDigest: db.prepare<[string, string]>(
      `${SELECT_DIGEST_RUN} WHERE channel_id = ? AND status = 'posted' AND period_key < ? ORDER BY period_key DESC LIMIT 1`,
    ),
    digestRuns: db.prepare<[string]>(`${SELECT_DIGEST_RUN} WHERE channel_id = ? ORDER BY period_key`),
    ping: db.prepare<[]>(`SELECT 1`).pluck(),
    incidentResolution: db.prepare<[string]>(`SELECT version, resolved_by, resolved_at FROM incidents WHERE id = ?`),
    resolve: db.prepare<[string, number, string], unknown>(
      `UPDATE incidents SET resolved_by = ?, resolved_at = ?, version = version + 1 WHERE id = ? RETURNING version`,
    ).pluck(),
    insertIncidentEvent: db.prepare<[{ incidentId: string; kind: string; userId: string; at: number; requestKey: string; detailJson: string }]>(
      `INSERT INTO incident_events (incident_id, kind, user_id, at, request_key, detail_json)
       VALUES (@incidentId, @kind, @userId, @at, @requestKey, @detailJson)
       ON CONFLICT (request_key) DO NOTHING`,
    ),
    incidentEvents: db.prepare<[string]>(`${SELECT_INCIDENT_EVENT} WHERE incident_id = ? ORDER BY id`),
    // The channel list arrives as one JSON array: one statement for any number of channels.
    openIncidents: db.prepare<[string, number]>(
      `${SELECT_INCIDENT} WHERE channel_id IN (SELECT value FROM json_each(?)) AND message_ts IS NOT NULL AND resolved_at IS NULL
       ORDER BY created_at DESC, id LIMIT ?`,
    ),
    countOpenIncidents: db
      .prepare<[string], unknown>(
        `SELECT count(*) FROM incidents WHERE channel_id IN (SELECT value FROM json_each(?)) AND message_ts IS NOT NULL AND resolved_at IS NULL`,
      )
      .pluck(),
    channelsWithOpenIncidents: db
      .prepare<[], unknown>(`SELECT DISTINCT channel_id FROM incidents WHERE message_ts IS NOT NULL AND resolved_at IS NULL ORDER BY channel_id`)
      .pluck(),
    latestIncident: db.prepare<[string, string]>(
      `${SELECT_INCIDENT} WHERE channel_id = ? AND service = ? AND message_ts IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1`,
    ),
    resolvedBetween: db.prepare<[string, number, number]>(
      `${SELECT_RESOLVED} WHERE channel_id = ? AND resolved_at >= ? AND resolved_at < ? AND resolved_by IS NOT NULL ORDER BY resolved_at, id`,
    ),
  };
}

interface DigestClaim {
  readonly channelId: string;
  readonly periodKey: string;
  readonly owner: string;
  readonly now: number;
  readonly leaseMs: number;
}

type Statements = ReturnType<typeof prepareStatements> & {
  /** The incident and its report, as one transaction. */
  readonly createIncident: (incident: NewIncident) => void;
  /** The whole of recordTick, as one IMMEDIATE transaction. */
  readonly recordTick: (event: TickEvent) => TickResult;
  /** The whole of claimDigest, as one IMMEDIATE transaction. */
  readonly claimDigest: (claim: DigestClaim) => ClaimResult;
  /** The whole of resolveIncident, as one IMMEDIATE transaction. */
  readonly resolveIncident: (incidentId: string, userId: string, at: number) => ResolveResult;
  /** The whole of recordIncidentEvent, as one IMMEDIATE transaction. */
  readonly recordIncidentEvent: (event: IncidentEvent) => boolean;
};

/** SQLite-backed Store; open with `SqliteStore.open(path)`, then `migrate()`. */
export class SqliteStore implements Store {
  #statements: Statements | undefined;
  #closed = false;
  #claims = 0;
  readonly #rows: RowReader;
  readonly #verifyRows: VerifyRowReader;
  readonly #installationRows: InstallationRowReader;

  private constructor(
    private readonly db: SqliteConnection,
    private readonly where: string,
    private readonly now: () => number,
  ) {
    this.#rows = new RowReader(where, COLUMN_TYPES);
    this.#verifyRows = new VerifyRowReader(where, COLUMN_TYPES);
    this.#installationRows = new InstallationRowReader(where, COLUMN_TYPES);
  }

  /** Opens (creating it and its parent directory if needed) the database at `path`; `':memory:'` for a private in-memory one. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const inMemory = path === ':memory:' || path === '';
    const where = inMemory ? 'in-memory SQLite store' : `SQLite store at ${resolve(path)}`;
    let db: SqliteConnection | undefined;
    try {
      if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
      db = new BetterSqlite3(path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
      // Readers never block the writer and vice versa; several processes can share the file.
      // (An in-memory database answers 'memory'; that is fine, nothing else can open it.)
      db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL skips the fsync on every commit (0.4 ms each here, on the event loop, for
      // every claim, incident and tick) and syncs at checkpoints instead. A crash of pymem loses
      // nothing; a power cut may lose the last commits, never the file's consistency.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      return new SqliteStore(db, where, options.now ?? Date.now);
    } catch (error) {
      db?.close();
      throw toStoreError(error, where, 'opening the database');
    }
  }

  async migrate(): Promise<void> {
    this.guard('migrating the schema', () => {
      this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`);
      const isApplied = this.db.prepare<[number], unknown>(`SELECT 1 FROM schema_migrations WHERE version = ?`).pluck();
      const markApplied = this.db.prepare<[number, number]>(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`);
      for (const migration of MIGRATIONS) {
        // IMMEDIATE takes the write lock first, so two processes starting together apply each migration once.
        this.db
          .transaction(() => {
            if (isApplied.get(migration.version) !== undefined) return;
            this.db.exec(migration.sql);
            markApplied.run(migration.version, this.now());
          })
          .immediate();
      }
    });
  }

  async claimDelivery(key: string, at: number): Promise<boolean> {
    return this.guard('claiming a delivery', () => {
      const s = this.statements();
      if (this.#claims++ % DELIVERY_PRUNE_EVERY === 0) s.pruneDeliveries.run(at - DELIVERY_RETENTION_MS);
      return s.claimDelivery.run(key, at).changes === 1;
    });
  }

  async createIncident(incident: NewIncident): Promise<IncidentRecord> {
    return this.guard(`creating incident ${incident.id}`, () => {
      this.statements().createIncident(incident);
      return newIncidentRecord(incident);
    });
  }

  async attachMessage(incidentId: string, messageTs: string): Promise<void> {
    this.guard(`attaching message ${messageTs} to incident ${incidentId}`, () => {
      if (this.statements().attachMessage.run(messageTs, incidentId).changes === 0) {
        throw new StoreError('not-found', `${this.where}: no incident ${incidentId} to attach message ${messageTs} to.`);
      }
    });
  }

  /** Leaves `version` alone: it counts checklist changes, not report edits. */
  async replaceReport(incidentId: string, report: StoredReport): Promise<void> {
    this.guard(`replacing the report of incident ${incidentId}`, () => {
      if (this.statements().replaceReport.run(JSON.stringify(report), incidentId).changes === 0) {
        throw new StoreError('not-found', `${this.where}: no incident ${incidentId} whose report to replace.`);
      }
    });
  }

  async markRendered(incidentId: string, version: number): Promise<void> {
    this.guard(`marking version ${version} of incident ${incidentId} as shown`, () => {
      this.statements().markRendered.run(version, incidentId);
    });
  }

  async staleIncidents(limit: number): Promise<IncidentRecord[]> {
    return this.guard('finding messages whose last update did not reach Slack', () =>
      this.statements()
        .staleIncidents.all(limit)
        .map((row) => this.#rows.incident(row)),
    );
  }

  async getIncident(id: string): Promise<IncidentRecord | null> {
    return this.guard(`reading incident ${id}`, () => {
      const row = this.statements().incidentById.get(id);
      return row === undefined ? null : this.#rows.incident(row);
    });
  }

  async findIncidentByMessage(channelId: string, messageTs: string): Promise<IncidentRecord | null> {
    return this.guard(`finding the incident of message ${messageTs} in ${channelId}`, () => {
      const row = this.statements().incidentByMessage.get(channelId, messageTs);
      return row === undefined ? null : this.#rows.incident(row);
    });
  }

  async recordTick(event: TickEvent): Promise<TickResult> {
    return this.guard(`recording a tick on incident ${event.incidentId}`, () => this.statements().recordTick(event));
  }

  async tickEvents(incidentId: string): Promise<TickEvent[]> {
    return this.guard(`reading the ticks of incident ${incidentId}`, () =>
      this.statements()
        .tickEvents.all(incidentId)
        .map((row) => this.#rows.tickEvent(row, incidentId)),
    );
  }

  async checklistState(incidentId: string): Promise<ChecklistState> {
    return this.guard(`reading the checklist of incident ${incidentId}`, () =>
      this.#rows.checklistState(this.statements().latestPerStep.all(incidentId), incidentId),
    );
  }

  async subscribe(subscription: Subscription): Promise<'added' | 'exists'> {
    return this.guard(`subscribing ${subscription.channelId} to ${subscription.service}`, () =>
      this.statements().subscribe.run({
        channelId: subscription.channelId,
        service: subscription.service,
        createdBy: subscription.createdBy,
        createdAt: subscription.createdAt,
        teamId: subscription.teamId ?? '',
        enterpriseId: subscription.enterpriseId ?? '',
      }).changes === 1
        ? 'added'
        : 'exists',
    );
  }

  async unsubscribe(channelId: string, service: string): Promise<'removed' | 'absent'> {
    return this.guard(`unsubscribing ${channelId} from ${service}`, () =>
      this.statements().unsubscribe.run(channelId, service).changes === 1 ? 'removed' : 'absent',
    );
  }

  async pauseChannel(channelId: string, reason: string, at: number): Promise<number> {
    return this.guard(`pausing the digests of ${channelId}`, () => this.statements().pauseChannel.run(at, reason, channelId).changes);
  }

  async resumeChannel(channelId: string): Promise<number> {
    return this.guard(`resuming the digests of ${channelId}`, () => this.statements().resumeChannel.run(channelId).changes);
  }

  async subscriptions(channelId: string): Promise<StoredSubscription[]> {
    return this.guard(`reading the subscriptions of ${channelId}`, () =>
      this.statements()
        .subscriptions.all(channelId)
        .map((row) => this.#rows.subscription(row)),
    );
  }

  async allSubscriptions(): Promise<StoredSubscription[]> {
    return this.guard('reading all subscriptions', () =>
      this.statements()
        .allSubscriptions.all()
        .map((row) => this.#rows.subscription(row)),
    );
  }

  async claimDigest(channelId: string, periodKey: string, owner: string, now: number, leaseMs: number): Promise<ClaimResult> {
    return this.guard(`claiming the ${periodKey} digest of ${channelId} for ${owner}`, () =>
      this.statements().claimDigest({ channelId, periodKey, owner, now, leaseMs }),
    );
  }

  async renewDigestClaim(channelId: string, periodKey: string, owner: string, leaseUntil: number): Promise<boolean> {
    return this.guard(`renewing ${owner}'s claim on the ${periodKey} digest of ${channelId}`, () =>
      this.statements().renewDigestClaim.run(leaseUntil, channelId, periodKey, owner).changes === 1,
    );
  }

  async finishDigest(
    channelId: string,
    periodKey: string,
    owner: string,
    outcome: { status: 'posted' | 'failed'; messageTs: string | null; summary: unknown; at: number },
  ): Promise<boolean> {
    const summaryJson = summaryToJson(outcome.summary);
    return this.guard(`marking the ${periodKey} digest of ${channelId} ${outcome.status}`, () =>
      this.statements().finishDigest.run({ channelId, periodKey, owner, status: outcome.status, messageTs: outcome.messageTs, summaryJson, at: outcome.at })
        .changes === 1,
    );
  }

  async previousDigest(channelId: string, beforePeriodKey: string): Promise<DigestRun | null> {
    return this.guard(`reading the digest of ${channelId} before ${beforePeriodKey}`, () => {
      const row = this.statements().previousDigest.get(channelId, beforePeriodKey);
      return row === undefined ? null : this.#rows.digestRun(row);
    });
  }

  async digestRuns(channelId: string): Promise<DigestRun[]> {
    return this.guard(`reading the digest runs of ${channelId}`, () =>
      this.statements()
        .digestRuns.all(channelId)
        .map((row) => this.#rows.digestRun(row)),
    );
  }

  async ping(): Promise<void> {
    this.guard('pinging the database', () => {
      this.statements().ping.get();
    });
  }

  /** Closes the connection; idempotent. Every later call rejects with StoreError('unavailable'). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.db.close();
  }

  async resolveIncident(incidentId: string, userId: string, at: number): Promise<ResolveResult> {
    return this.guard(`resolving incident ${incidentId}`, () => this.statements().resolveIncident(incidentId, userId, at));
  }

  async recordIncidentEvent(event: IncidentEvent): Promise<boolean> {
    return this.guard(`recording a ${event.kind} of incident ${event.incidentId}`, () => this.statements().recordIncidentEvent(event));
  }

  async incidentEvents(incidentId: string): Promise<IncidentEvent[]> {
    return this.guard(`reading the events of incident ${incidentId}`, () =>
      this.statements()
        .incidentEvents.all(incidentId)
        .map((row) => this.#rows.incidentEvent(row, incidentId)),
    );
  }

  async openIncidents(channelIds: readonly string[], limit: number): Promise<OpenIncidents> {
    if (channelIds.length === 0) return { incidents: [], total: 0 };
    return this.guard(`reading the open incidents of ${channelIds.length} channels`, () => {
      const s = this.statements();
      const ids = JSON.stringify(channelIds);
      const incidents = s.openIncidents.all(ids, limit).map((row) => this.#rows.incident(row));
      const total = this.#rows.parse(z.number().int(), s.countOpenIncidents.get(ids), 'a count of open incidents');
      return { incidents, total };
    });
  }

  async channelsWithOpenIncidents(): Promise<string[]> {
    return this.guard('finding channels with open incidents', () =>
      this.statements()
        .channelsWithOpenIncidents.all()
        .map((value) => this.#rows.parse(z.string(), value, 'a channel id')),
    );
  }

  async latestIncident(channelId: string, service: string): Promise<IncidentRecord | null> {
    return this.guard(`finding the latest incident of ${service} in ${channelId}`, () => {
      const row = this.statements().latestIncident.get(channelId, service);
      return row === undefined ? null : this.#rows.incident(row);
    });
  }

  async resolvedBetween(channelId: string, sinceMs: number, untilMs: number): Promise<ResolvedIncident[]> {
    return this.guard(`reading the incidents of ${channelId} resolved since ${new Date(sinceMs).toISOString()}`, () =>
      this.statements()
        .resolvedBetween.all(channelId, sinceMs, untilMs)
        .map((row) => this.#rows.resolvedIncident(row)),
    );
  }

  async recordVerification(record: VerificationRecord): Promise<void> {
    const json = resultToJson(record.result);
    this.guard(`recording a verification of incident ${record.incidentId}`, () => {
      const bump = this.db.prepare(`UPDATE incidents SET version = version + 1 WHERE id = ?`);
      const insert = this.db.prepare(`INSERT INTO verifications (incident_id, since, verdict, result_json, requested_by, at) VALUES (?, ?, ?, ?, ?, ?)`);
      // The version goes up as for a tick: the header shows the verdict, and a redraw that did not reach
      // Slack is found by the sweep (rendered_version < version), after a restart too.
      this.db
        .transaction(() => {
          if (bump.run(record.incidentId).changes !== 1) throw new StoreError('not-found', `${this.where}: no incident ${record.incidentId}; the verification was not recorded.`);
          insert.run(record.incidentId, record.since, record.verdict, json, record.requestedBy, record.at);
        })
        .immediate();
    });
  }

  async latestVerification(incidentId: string): Promise<VerificationRecord | null> {
    return this.guard(`reading the latest verification of incident ${incidentId}`, () => {
      const row: unknown = this.db.prepare(`${SELECT_VERIFICATION} WHERE incident_id = ? ORDER BY at DESC, id DESC LIMIT 1`).get(incidentId);
      return row === undefined ? null : this.#verifyRows.verification(row);
    });
  }

  async scheduleCheck(check: NewScheduledCheck): Promise<'added' | 'exists'> {
    return this.guard(`scheduling check ${check.id} of incident ${check.incidentId}`, () => {
      const result = this.db
        .prepare(
          `INSERT INTO scheduled_checks (id, incident_id, due_at, requested_by, created_at, status, owner, lease_until, attempts, finished_at)
           VALUES (?, ?, ?, ?, ?, 'scheduled', NULL, NULL, 0, NULL) ON CONFLICT (id) DO NOTHING`,
        )
        .run(check.id, check.incidentId, check.dueAt, check.requestedBy, check.createdAt);
      return result.changes === 1 ? 'added' : 'exists';
    });
  }

  async claimDueChecks(owner: string, now: number, leaseMs: number, limit: number): Promise<ScheduledCheck[]> {
    return this.guard(`claiming due checks for ${owner}`, () => {
      const due = this.db.prepare<[number, number, number, number]>(
        `SELECT id FROM scheduled_checks
         WHERE attempts < ? AND ((status = 'scheduled' AND due_at <= ?) OR (status = 'claimed' AND lease_until < ?))
         ORDER BY due_at, id LIMIT ?`,
      );
      const claim = this.db.prepare<[string, number, string]>(
        `UPDATE scheduled_checks SET status = 'claimed', owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?`,
      );
      const read = this.db.prepare<[string]>(`${SELECT_SCHEDULED_CHECK} WHERE id = ?`);
      // IMMEDIATE: the write lock first, so two processes sharing the file never both read a row as due.
      const tx = this.db.transaction((): unknown[] => {
        const ids = due.pluck().all(MAX_CHECK_ATTEMPTS, now, now, limit) as string[];
        for (const id of ids) claim.run(owner, now + leaseMs, id);
        return ids.map((id) => read.get(id));
      });
      return tx.immediate().map((row) => this.#verifyRows.check(row));
    });
  }

  async renewCheckClaim(id: string, owner: string, leaseUntil: number): Promise<boolean> {
    return this.guard(`renewing ${owner}'s claim on check ${id}`, () => {
      return this.db.prepare(`UPDATE scheduled_checks SET lease_until = ? WHERE id = ? AND owner = ? AND status = 'claimed'`).run(leaseUntil, id, owner).changes === 1;
    });
  }

  async finishCheck(id: string, owner: string, outcome: { readonly status: 'done' | 'failed'; readonly at: number }): Promise<boolean> {
    return this.guard(`marking check ${id} ${outcome.status}`, () => {
      return (
        this.db
          .prepare(`UPDATE scheduled_checks SET status = ?, finished_at = ? WHERE id = ? AND owner = ? AND status = 'claimed'`)
          .run(outcome.status, outcome.at, id, owner).changes === 1
      );
    });
  }

  async verifications(incidentId: string): Promise<VerificationRecord[]> {
    return this.guard(`reading the verifications of incident ${incidentId}`, () =>
      this.db
        .prepare(`${SELECT_VERIFICATION} WHERE incident_id = ? ORDER BY at, id`)
        .all(incidentId)
        .map((row) => this.#verifyRows.verification(row)),
    );
  }

  async scheduledChecks(incidentId: string): Promise<ScheduledCheck[]> {
    return this.guard(`reading the scheduled checks of incident ${incidentId}`, () => {
      return this.db
        .prepare(`${SELECT_SCHEDULED_CHECK} WHERE incident_id = ? ORDER BY due_at, id`)
        .all(incidentId)
        .map((row) => this.#verifyRows.check(row));
    });
  }

  async saveInstallation(installation: StoredInstallation): Promise<void> {
    this.guard(`saving the installation of ${installation.teamId ?? installation.enterpriseId}`, () => {
      this.db
        .prepare(`INSERT OR REPLACE INTO installations (${INSTALLATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(...installationValues(installation, (b) => (b ? 1 : 0)));
    });
  }

  async fetchInstallation(key: InstallationKey): Promise<StoredInstallation | null> {
    const id = installationKeyOf(key);
    return this.guard(`reading the installation ${id}`, () => {
      const row = this.db.prepare(`${SELECT_INSTALLATION} WHERE installation_key = ?`).get(id);
      return row === undefined ? null : this.#installationRows.installation(row);
    });
  }

  async deleteInstallation(key: InstallationKey): Promise<boolean> {
    const id = installationKeyOf(key);
    return this.guard(`deleting the installation ${id}`, () => this.db.prepare(`DELETE FROM installations WHERE installation_key = ?`).run(id).changes === 1);
  }

  async installations(): Promise<StoredInstallation[]> {
    return this.guard('listing the installations', () =>
      this.db
        .prepare(`${SELECT_INSTALLATION} ORDER BY installation_key`)
        .all()
        .map((row) => this.#installationRows.installation(row)),
    );
  }

  /** Prepared once, on first use after the schema exists. */
  private statements(): Statements {
    if (this.#statements === undefined) {
      const s = prepareStatements(this.db);
      // IMMEDIATE: in WAL mode a deferred transaction that reads, then writes after another connection
      // committed fails at once with SQLITE_BUSY_SNAPSHOT; taking the write lock up front waits instead.
      const tx = this.db.transaction((event: TickEvent): TickResult => {
        const current = s.incidentVersion.get(event.incidentId);
        if (current === undefined) {
          throw new StoreError('not-found', `${this.where}: no incident ${event.incidentId}; the tick on ${event.stepId} was not recorded.`);
        }
        const inserted = s.insertTick.run({
          incidentId: event.incidentId,
          stepId: event.stepId,
          userId: event.userId,
          checked: event.checked ? 1 : 0,
          at: event.at,
          requestKey: event.requestKey,
        });
        if (inserted.changes === 0) return { applied: false, version: this.parseVersion(current, event.incidentId) };
        return { applied: true, version: this.parseVersion(s.bumpVersion.get(event.incidentId), event.incidentId) };
      });
      // Read, decide, write under the write lock: two processes claiming at once never both win.
      const claimTx = this.db.transaction((claim: DigestClaim): ClaimResult => {
        const row = s.digestRun.get(claim.channelId, claim.periodKey);
        const params = { channelId: claim.channelId, periodKey: claim.periodKey, owner: claim.owner, now: claim.now, leaseUntil: claim.now + claim.leaseMs };
        if (row === undefined) {
          s.insertDigestRun.run(params);
          return { claimed: true, takenOver: false };
        }
        const run = this.#rows.digestRun(row);
        // A claim whose holder stopped renewing before posting is abandoned; a failed run may be retried.
        if (run.status === 'failed' || (run.status === 'claimed' && run.leaseUntil < claim.now)) {
          s.takeOverDigestRun.run(params);
          return { claimed: true, takenOver: true };
        }
        return { claimed: false, run };
      });
      const createTx = this.db.transaction((incident: NewIncident): void => {
        s.insertIncident.run({
          id: incident.id,
          channelId: incident.channelId,
          service: incident.service,
          windowMs: incident.windowMs,
          endMs: incident.endMs,
          createdBy: incident.createdBy,
          createdAt: incident.createdAt,
          teamId: incident.teamId ?? '',
          enterpriseId: incident.enterpriseId ?? '',
        });
        s.insertReport.run(incident.id, JSON.stringify(incident.report));
      });
      const resolveTx = this.db.transaction((incidentId: string, userId: string, at: number): ResolveResult => {
        const row = s.incidentResolution.get(incidentId);
        if (row === undefined) throw new StoreError('not-found', `${this.where}: no incident ${incidentId} to resolve.`);
        const current = this.#rows.parse(resolutionRow, row, `the resolution of incident ${incidentId}`);
        if (current.resolved_by !== null && current.resolved_at !== null) {
          return { applied: false, resolution: { userId: current.resolved_by, at: current.resolved_at }, version: current.version };
        }
        return { applied: true, resolution: { userId, at }, version: this.parseVersion(s.resolve.get(userId, at, incidentId), incidentId) };
      });
      const eventTx = this.db.transaction((event: IncidentEvent): boolean => {
        if (s.incidentVersion.get(event.incidentId) === undefined) {
          throw new StoreError('not-found', `${this.where}: no incident ${event.incidentId}; its ${event.kind} event was not recorded.`);
        }
        const inserted = s.insertIncidentEvent.run({
          incidentId: event.incidentId,
          kind: event.kind,
          userId: event.userId,
          at: event.at,
          requestKey: event.requestKey,
          detailJson: JSON.stringify(event.detail),
        });
        return inserted.changes === 1;
      });
      this.#statements = {
        ...s,
        createIncident: (incident) => createTx.immediate(incident),
        recordTick: (event) => tx.immediate(event),
        claimDigest: (claim) => claimTx.immediate(claim),
        resolveIncident: (incidentId, userId, at) => resolveTx.immediate(incidentId, userId, at),
        recordIncidentEvent: (event) => eventTx.immediate(event),
      };
    }
    return this.#statements;
  }

  /** Runs one synchronous database step, turning closed-store and driver errors into StoreErrors. */
  private guard<T>(what: string, step: () => T): T {
    if (this.#closed) throw new StoreError('unavailable', `${this.where}: ${what} failed: the store is closed.`);
    try {
      return step();
    } catch (error) {
      throw toStoreError(error, this.where, what);
    }
  }

  private parseVersion(value: unknown, incidentId: string): number {
    return this.#rows.parse(z.number().int(), value, `the version of incident ${incidentId}`);
  }
}

/** Maps driver and file-system failures to the store's error codes, keeping the original as `cause`. */
function toStoreError(error: unknown, where: string, what: string): unknown {
  if (error instanceof StoreError) return error;
  if (error instanceof BetterSqlite3.SqliteError) {
    const code = error.code;
    const text = `${where}: ${what} failed: ${error.message} (${code})`;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new StoreError('unavailable', `${text}; another process held the database lock past the busy timeout. Retry, or look for a stuck process.`, {
        cause: error,
      });
    }
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
      return new StoreError('corrupt', `${text}; restore the database from a backup or point the store at a new file.`, { cause: error });
    }
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
      return new StoreError('conflict', `${text}.`, { cause: error });
    }
    // An older release's database not migrated yet: a table or a column (from a later migration) is missing.
    if (/no such (table|column)|has no column named/i.test(error.message)) {
      return new StoreError('unavailable', `${text}; call migrate() before using the store.`, { cause: error });
    }
    // CANTOPEN, IOERR, READONLY, FULL, PERM, ...: the file cannot be used right now.
    return new StoreError('unavailable', `${text}; check the path, its permissions and free disk space.`, { cause: error });
  }
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && /^E[A-Z]+$/.test(error.code)) {
    // node:fs errors (EACCES, ENOTDIR, EROFS, ...) while creating the directory.
    return new StoreError('unavailable', `${where}: ${what} failed: ${error.message}; check the path and its permissions.`, { cause: error });
  }
  return error;
}
