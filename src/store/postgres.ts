/**
 * The Store for several replicas: PostgreSQL through a `pg.Pool`. Every multi-statement operation is
 * one transaction on one pooled connection; the database, not this process, decides who wins a race
 * (row locks, ON CONFLICT, advisory locks), so any number of replicas may share the database.
 */

import { WORKSPACE_COLUMNS_SQL, INSTALLATION_COLUMNS, InstallationRowReader, installationKeyOf, installationTableSql, installationValues, SELECT_INSTALLATION } from './installation-rows';
import { DatabaseError, escapeIdentifier, Pool, type PoolClient } from 'pg';
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

export interface PostgresStoreOptions {
  /**
   * Schema holding the tables, created if missing and put first on every pooled connection's
   * search_path; by default whatever the server's search_path picks (usually `public`).
   * Lower-case letters, digits and `_`.
   */
  readonly schema?: string;
  /** Most connections the pool opens at once. */
  readonly poolSize?: number;
  /** Clock for bookkeeping columns (schema_migrations.applied_at), ms since epoch. */
  readonly now?: () => number;
}

const DEFAULT_POOL_SIZE = 10;
/** A server that does not answer within this long counts as unavailable rather than hanging a Slack request, in ms. */
const CONNECT_TIMEOUT_MS = 10_000;
/** First key of every advisory lock this store takes ('pmem' in ASCII); the second key names the schema. */
const ADVISORY_LOCK_CLASS = 0x706d656d;
/** How often claimDigest retries when the row it lost to disappears before it can read it (only if deleted by hand). */
const CLAIM_ATTEMPTS = 3;

interface Migration {
  readonly version: number;
  readonly sql: string;
}

/**
 * Append only: a released migration is never edited, a change is a new version. Same tables as the
 * SQLite store; JSON stays TEXT because jsonb reorders keys and the contract promises byte-identical
 * round trips. Times are ms since epoch in BIGINT.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE incidents (
        id          TEXT PRIMARY KEY,
        channel_id  TEXT NOT NULL,
        message_ts  TEXT,
        service     TEXT NOT NULL,
        window_ms   BIGINT NOT NULL,
        end_ms      BIGINT NOT NULL,
        report_json TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  BIGINT NOT NULL,
        version     INTEGER NOT NULL DEFAULT 0,
        UNIQUE (channel_id, message_ts)
      );

      CREATE TABLE tick_events (
        -- Identity values are never reused, so "latest by id" stays true even after deletes.
        id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        step_id     TEXT NOT NULL,
        user_id     TEXT NOT NULL,
        checked     BOOLEAN NOT NULL,
        at          BIGINT NOT NULL,
        request_key TEXT NOT NULL UNIQUE
      );
      CREATE INDEX tick_events_by_step ON tick_events (incident_id, step_id, id);

      CREATE TABLE deliveries (
        key TEXT PRIMARY KEY,
        at  BIGINT NOT NULL
      );
      CREATE INDEX deliveries_by_at ON deliveries (at);
    `,
  },
  {
    version: 2,
    // COLLATE "C": order and compare by code point like SQLite does, whatever locale the database was
    // created with (a locale collation ignores punctuation, which would misorder ISO 8601 period keys).
    sql: `
      CREATE TABLE subscriptions (
        channel_id TEXT COLLATE "C" NOT NULL,
        service    TEXT COLLATE "C" NOT NULL,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (channel_id, service)
      );

      -- One row per channel and scheduled period: the row is the claim (see Store.claimDigest).
      CREATE TABLE digest_runs (
        channel_id   TEXT COLLATE "C" NOT NULL,
        -- ISO 8601 UTC, so text order is time order (previousDigest relies on it).
        period_key   TEXT COLLATE "C" NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'failed')),
        owner        TEXT NOT NULL,
        claimed_at   BIGINT NOT NULL,
        lease_until  BIGINT NOT NULL,
        message_ts   TEXT,
        summary_json TEXT,
        finished_at  BIGINT,
        PRIMARY KEY (channel_id, period_key)
      );
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
      );
      INSERT INTO incident_reports (incident_id, report_json) SELECT id, report_json FROM incidents;
      ALTER TABLE incidents DROP COLUMN report_json;

      -- The version Slack shows: below version, the last update did not arrive and the message is drawn again.
      ALTER TABLE incidents ADD COLUMN rendered_version INTEGER NOT NULL DEFAULT 0;
      UPDATE incidents SET rendered_version = version;
      CREATE INDEX incidents_stale ON incidents (created_at) WHERE message_ts IS NOT NULL AND rendered_version < version;

      -- A channel pymem cannot post in (archived, not invited) has its digests paused, not retried every day.
      ALTER TABLE subscriptions ADD COLUMN paused_at BIGINT;
      ALTER TABLE subscriptions ADD COLUMN paused_reason TEXT;
    `,
  },
  // Fix verifications and scheduled re-checks (issue 13).
  { version: 4, sql: verificationTablesSql('postgres') },
  {
    // 5, not 4: the verifications table of issue 13's verify part takes 4. Versions need not be
    // contiguous; each is applied once, in the order of this list.
    version: 5,
    sql: `
      -- Resolve: who and when, on the incident itself (the first resolve stands).
      ALTER TABLE incidents ADD COLUMN resolved_by TEXT;
      ALTER TABLE incidents ADD COLUMN resolved_at BIGINT;
      CREATE INDEX incidents_open ON incidents (channel_id, created_at) WHERE message_ts IS NOT NULL AND resolved_at IS NULL;
      CREATE INDEX incidents_resolved ON incidents (channel_id, resolved_at) WHERE resolved_at IS NOT NULL;
      CREATE INDEX incidents_by_service ON incidents (channel_id, service, created_at);

      -- What happened to an incident besides ticks (re-runs), for its timeline.
      CREATE TABLE incident_events (
        id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        kind        TEXT NOT NULL CHECK (kind IN ('rerun')),
        user_id     TEXT NOT NULL,
        at          BIGINT NOT NULL,
        request_key TEXT NOT NULL UNIQUE,
        detail_json TEXT NOT NULL
      );
      CREATE INDEX incident_events_by_incident ON incident_events (incident_id, id);
    `,
  },
  // Installations of the app in OAuth mode (issue 14).
  { version: 6, sql: installationTableSql('postgres') },
  // The workspace of each subscription and incident (issue 14): their Slack calls use its installation's token.
  { version: 7, sql: WORKSPACE_COLUMNS_SQL },
];

/** BIGINT arrives as a decimal string (it may exceed 2^53); anything beyond a safe integer is not ours. */
const millis = z
  .string()
  .regex(/^-?\d+$/)
  .transform(Number)
  .pipe(z.int());

const COLUMN_TYPES: ColumnTypes = { millis, checked: z.boolean() };

const versionRow = z.object({ version: z.int() });
const migrationRow = z.object({ version: z.int() });
const claimRow = z.object({ inserted: z.boolean() });
const resolutionRow = z.object({ version: z.int(), resolved_by: z.string().nullable(), resolved_at: millis.nullable() });
const countRow = z.object({ count: millis });
const channelRow = z.object({ channel_id: z.string() });

/** Serialises schema changes per schema (the one search_path picks): the lock lasts until the transaction ends. */
const LOCK_CURRENT_SCHEMA = `SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS}, hashtext(coalesce(current_schema(), '')))`;
/** The same lock for a schema named by $1, which need not exist yet. */
const LOCK_NAMED_SCHEMA = `SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS}, hashtext($1))`;

/** PostgreSQL-backed Store; `await PostgresStore.connect(url)`, then `migrate()`. */
export class PostgresStore implements Store {
  #closed = false;
  #claims = 0;
  readonly #rows: RowReader;
  readonly #verifyRows: VerifyRowReader;
  readonly #installationRows: InstallationRowReader;

  private constructor(
    private readonly pool: Pool,
    private readonly where: string,
    /** Passwords from the URL, scrubbed from every message we build. */
    private readonly secrets: readonly string[],
    private readonly now: () => number,
  ) {
    this.#rows = new RowReader(where, COLUMN_TYPES);
    this.#verifyRows = new VerifyRowReader(where, COLUMN_TYPES);
    this.#installationRows = new InstallationRowReader(where, COLUMN_TYPES);
  }

  /**
   * Opens a pool on `url` (a postgres:// URL), creates `options.schema` if it is missing, and checks
   * the server answers. Rejects with StoreError('unavailable') when it cannot; the message never
   * contains the URL's password.
   */
  static async connect(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const { schema } = options;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new RangeError(`PostgreSQL schema ${JSON.stringify(schema)}: use 1 to 63 lower-case letters, digits or "_", starting with a letter or "_".`);
    }
    const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`PostgreSQL pool size ${poolSize}: use a whole number of at least 1.`);

    const { described, secrets } = describeUrl(url);
    const where = `PostgreSQL store at ${described}${schema === undefined ? '' : ` (schema ${schema})`}`;
    const pool = new Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // Awaited before the pool hands the connection out, so no query ever runs on another schema.
      // (A startup `options=-c search_path=...` would be lost whenever the URL carries its own `options`.)
      ...(schema === undefined
        ? {}
        : {
            onConnect: async (client) => {
              await client.query(`SET search_path TO ${escapeIdentifier(schema)}`);
            },
          }),
    });
    // An idle connection the server drops (restart, failover, pg_terminate_backend) is reported here; the
    // pool has already discarded it and the next call opens a new one or fails with 'unavailable' itself.
    // Without a listener the 'error' event would crash the process.
    pool.on('error', () => undefined);

    const store = new PostgresStore(pool, where, secrets, options.now ?? Date.now);
    try {
      if (schema === undefined) {
        await store.ping();
      } else {
        await store.createSchema(schema);
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return store;
  }

  async migrate(): Promise<void> {
    await this.transaction('migrating the schema', async (client) => {
      // Several replicas start at once: the lock (held until COMMIT) lets one apply what is missing while
      // the others wait, then find nothing left to do. Keyed by schema, so separate schemas don't wait.
      await client.query(LOCK_CURRENT_SCHEMA);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`);
      const applied = new Set(
        (await client.query(`SELECT version FROM schema_migrations`)).rows.map((row) => this.#rows.parse(migrationRow, row, 'a schema migration').version),
      );
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, [migration.version, this.now()]);
      }
    });
  }

  async claimDelivery(key: string, at: number): Promise<boolean> {
    return this.run('claiming a delivery', async (pool) => {
      if (this.#claims++ % DELIVERY_PRUNE_EVERY === 0) await pool.query(`DELETE FROM deliveries WHERE at < $1`, [at - DELIVERY_RETENTION_MS]);
      // ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit or roll back, so exactly one caller inserts.
      const result = await pool.query(`INSERT INTO deliveries (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [key, at]);
      return result.rowCount === 1;
    });
  }

  async createIncident(incident: NewIncident): Promise<IncidentRecord> {
    return this.transaction(`creating incident ${incident.id}`, async (client) => {
      await client.query(
        `INSERT INTO incidents (id, channel_id, message_ts, service, window_ms, end_ms, created_by, created_at, version, team_id, enterprise_id)
         VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, 0, $8, $9)`,
        [incident.id, incident.channelId, incident.service, incident.windowMs, incident.endMs, incident.createdBy, incident.createdAt, incident.teamId ?? '', incident.enterpriseId ?? ''],
      );
      await client.query(`INSERT INTO incident_reports (incident_id, report_json) VALUES ($1, $2)`, [incident.id, JSON.stringify(incident.report)]);
      return newIncidentRecord(incident);
    });
  }

  async attachMessage(incidentId: string, messageTs: string): Promise<void> {
    await this.run(`attaching message ${messageTs} to incident ${incidentId}`, async (pool) => {
      const result = await pool.query(`UPDATE incidents SET message_ts = $1 WHERE id = $2`, [messageTs, incidentId]);
      if (result.rowCount === 0) throw new StoreError('not-found', `${this.where}: no incident ${incidentId} to attach message ${messageTs} to.`);
    });
  }

  /** Leaves `version` alone: it counts checklist changes, not report edits. */
  async replaceReport(incidentId: string, report: StoredReport): Promise<void> {
    await this.run(`replacing the report of incident ${incidentId}`, async (pool) => {
      const result = await pool.query(`UPDATE incident_reports SET report_json = $1 WHERE incident_id = $2`, [JSON.stringify(report), incidentId]);
      if (result.rowCount === 0) throw new StoreError('not-found', `${this.where}: no incident ${incidentId} whose report to replace.`);
    });
  }

  async markRendered(incidentId: string, version: number): Promise<void> {
    await this.run(`marking version ${version} of incident ${incidentId} as shown`, async (pool) => {
      await pool.query(`UPDATE incidents SET rendered_version = GREATEST(rendered_version, $1) WHERE id = $2`, [version, incidentId]);
    });
  }

  async staleIncidents(limit: number): Promise<IncidentRecord[]> {
    return this.run('finding messages whose last update did not reach Slack', async (pool) => {
      const { rows } = await pool.query(`${SELECT_INCIDENT} WHERE message_ts IS NOT NULL AND rendered_version < version ORDER BY created_at DESC, id LIMIT $1`, [limit]);
      return rows.map((row) => this.#rows.incident(row));
    });
  }

  async getIncident(id: string): Promise<IncidentRecord | null> {
    return this.run(`reading incident ${id}`, async (pool) => {
      const [row] = (await pool.query(`${SELECT_INCIDENT} WHERE id = $1`, [id])).rows;
      return row === undefined ? null : this.#rows.incident(row);
    });
  }

  async findIncidentByMessage(channelId: string, messageTs: string): Promise<IncidentRecord | null> {
    return this.run(`finding the incident of message ${messageTs} in ${channelId}`, async (pool) => {
      const [row] = (await pool.query(`${SELECT_INCIDENT} WHERE channel_id = $1 AND message_ts = $2`, [channelId, messageTs])).rows;
      return row === undefined ? null : this.#rows.incident(row);
    });
  }

  async recordTick(event: TickEvent): Promise<TickResult> {
    return this.transaction(`recording a tick on incident ${event.incidentId}`, async (client) => {
      // Lock the incident first: concurrent ticks queue here, so each takes its event id and its version
      // in the same order (ids come from a sequence when inserted; locking after the insert would let a
      // later id commit with an earlier version). A redelivery waits too and then reads the settled version.
      const [locked] = (await client.query(`SELECT version FROM incidents WHERE id = $1 FOR NO KEY UPDATE`, [event.incidentId])).rows;
      if (locked === undefined) {
        throw new StoreError('not-found', `${this.where}: no incident ${event.incidentId}; the tick on ${event.stepId} was not recorded.`);
      }
      const inserted = await client.query(
        `INSERT INTO tick_events (incident_id, step_id, user_id, checked, at, request_key)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (request_key) DO NOTHING
         RETURNING id`,
        [event.incidentId, event.stepId, event.userId, event.checked, event.at, event.requestKey],
      );
      if (inserted.rowCount === 0) return { applied: false, version: this.#rows.parse(versionRow, locked, `the version of incident ${event.incidentId}`).version };
      const [bumped] = (await client.query(`UPDATE incidents SET version = version + 1 WHERE id = $1 RETURNING version`, [event.incidentId])).rows;
      return { applied: true, version: this.#rows.parse(versionRow, bumped, `the version of incident ${event.incidentId}`).version };
    });
  }

  async tickEvents(incidentId: string): Promise<TickEvent[]> {
    return this.run(`reading the ticks of incident ${incidentId}`, async (pool) => {
      const { rows } = await pool.query(
        `SELECT incident_id, step_id, user_id, checked, at, request_key FROM tick_events WHERE incident_id = $1 ORDER BY id`,
        [incidentId],
      );
      return rows.map((row) => this.#rows.tickEvent(row, incidentId));
    });
  }

  async checklistState(incidentId: string): Promise<ChecklistState> {
    return this.run(`reading the checklist of incident ${incidentId}`, async (pool) => {
      // By event id, not by `at`: replicas' clocks differ, the id order is the order the database applied them.
      const { rows } = await pool.query(
        `SELECT DISTINCT ON (step_id) step_id, user_id, checked, at FROM tick_events WHERE incident_id = $1 ORDER BY step_id, id DESC`,
        [incidentId],
      );
      return this.#rows.checklistState(rows, incidentId);
    });
  }

  async subscribe(subscription: Subscription): Promise<'added' | 'exists'> {
    return this.run(`subscribing ${subscription.channelId} to ${subscription.service}`, async (pool) => {
      const result = await pool.query(
        `INSERT INTO subscriptions (channel_id, service, created_by, created_at, team_id, enterprise_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (channel_id, service) DO NOTHING`,
        [subscription.channelId, subscription.service, subscription.createdBy, subscription.createdAt, subscription.teamId ?? '', subscription.enterpriseId ?? ''],
      );
      return result.rowCount === 1 ? 'added' : 'exists';
    });
  }

  async unsubscribe(channelId: string, service: string): Promise<'removed' | 'absent'> {
    return this.run(`unsubscribing ${channelId} from ${service}`, async (pool) => {
      const result = await pool.query(`DELETE FROM subscriptions WHERE channel_id = $1 AND service = $2`, [channelId, service]);
      return result.rowCount === 1 ? 'removed' : 'absent';
    });
  }

  async pauseChannel(channelId: string, reason: string, at: number): Promise<number> {
    return this.run(`pausing the digests of ${channelId}`, async (pool) => {
      const result = await pool.query(`UPDATE subscriptions SET paused_at = $1, paused_reason = $2 WHERE channel_id = $3 AND paused_at IS NULL`, [at, reason, channelId]);
      return result.rowCount ?? 0;
    });
  }

  async resumeChannel(channelId: string): Promise<number> {
    return this.run(`resuming the digests of ${channelId}`, async (pool) => {
      const result = await pool.query(`UPDATE subscriptions SET paused_at = NULL, paused_reason = NULL WHERE channel_id = $1 AND paused_at IS NOT NULL`, [channelId]);
      return result.rowCount ?? 0;
    });
  }

  async subscriptions(channelId: string): Promise<StoredSubscription[]> {
    return this.run(`reading the subscriptions of ${channelId}`, async (pool) => {
      const { rows } = await pool.query(`${SELECT_SUBSCRIPTION} WHERE channel_id = $1 ORDER BY service`, [channelId]);
      return rows.map((row) => this.#rows.subscription(row));
    });
  }

  async allSubscriptions(): Promise<StoredSubscription[]> {
    return this.run('reading all subscriptions', async (pool) => {
      const { rows } = await pool.query(`${SELECT_SUBSCRIPTION} ORDER BY channel_id, service`);
      return rows.map((row) => this.#rows.subscription(row));
    });
  }

  async claimDigest(channelId: string, periodKey: string, owner: string, now: number, leaseMs: number): Promise<ClaimResult> {
    return this.run(`claiming the ${periodKey} digest of ${channelId} for ${owner}`, async (pool) => {
      for (let attempt = 1; ; attempt++) {
        // One statement decides: the insert wins a free period; on conflict the existing row is locked and
        // the WHERE re-checked on its latest version, so of several callers taking over an abandoned or failed
        // run only the first one updates it (the others then see a fresh lease). `xmax = 0` holds only for
        // a row this statement inserted, which tells a fresh claim from a takeover.
        const claimed = await pool.query(
          `INSERT INTO digest_runs AS d (channel_id, period_key, status, owner, claimed_at, lease_until, message_ts, summary_json, finished_at)
           VALUES ($1, $2, 'claimed', $3, $4, $5, NULL, NULL, NULL)
           ON CONFLICT (channel_id, period_key) DO UPDATE
             SET status = 'claimed', owner = EXCLUDED.owner, claimed_at = EXCLUDED.claimed_at, lease_until = EXCLUDED.lease_until,
                 message_ts = NULL, summary_json = NULL, finished_at = NULL
             WHERE d.status = 'failed' OR (d.status = 'claimed' AND d.lease_until < EXCLUDED.claimed_at)
           RETURNING (d.xmax = 0) AS inserted`,
          [channelId, periodKey, owner, now, now + leaseMs],
        );
        const [won] = claimed.rows;
        if (won !== undefined) return { claimed: true, takenOver: !this.#rows.parse(claimRow, won, 'a digest claim').inserted };
        // Lost: report who holds it. A separate statement, so it sees the winner's row even if that
        // committed after the claim statement started.
        const [row] = (await pool.query(`${SELECT_DIGEST_RUN} WHERE channel_id = $1 AND period_key = $2`, [channelId, periodKey])).rows;
        if (row !== undefined) return { claimed: false, run: this.#rows.digestRun(row) };
        if (attempt >= CLAIM_ATTEMPTS) {
          throw new StoreError('conflict', `${this.where}: the ${periodKey} digest run of ${channelId} kept disappearing while being claimed; is something deleting digest_runs rows?`);
        }
      }
    });
  }

  async renewDigestClaim(channelId: string, periodKey: string, owner: string, leaseUntil: number): Promise<boolean> {
    return this.run(`renewing ${owner}'s claim on the ${periodKey} digest of ${channelId}`, async (pool) => {
      const result = await pool.query(
        `UPDATE digest_runs SET lease_until = $1 WHERE channel_id = $2 AND period_key = $3 AND owner = $4 AND status = 'claimed'`,
        [leaseUntil, channelId, periodKey, owner],
      );
      return result.rowCount === 1;
    });
  }

  async finishDigest(
    channelId: string,
    periodKey: string,
    owner: string,
    outcome: { status: 'posted' | 'failed'; messageTs: string | null; summary: unknown; at: number },
  ): Promise<boolean> {
    const summaryJson = summaryToJson(outcome.summary);
    return this.run(`marking the ${periodKey} digest of ${channelId} ${outcome.status}`, async (pool) => {
      const result = await pool.query(
        `UPDATE digest_runs SET status = $1, message_ts = $2, summary_json = $3, finished_at = $4
         WHERE channel_id = $5 AND period_key = $6 AND owner = $7 AND status = 'claimed'`,
        [outcome.status, outcome.messageTs, summaryJson, outcome.at, channelId, periodKey, owner],
      );
      return result.rowCount === 1;
    });
  }

  async previousDigest(channelId: string, beforePeriodKey: string): Promise<DigestRun | null> {
    return this.run(`reading the digest of ${channelId} before ${beforePeriodKey}`, async (pool) => {
      // period_key is ISO 8601 UTC text in the "C" collation: comparing and ordering it as text is comparing times.
      const [row] = (
        await pool.query(`${SELECT_DIGEST_RUN} WHERE channel_id = $1 AND status = 'posted' AND period_key < $2 ORDER BY period_key DESC LIMIT 1`, [
          channelId,
          beforePeriodKey,
        ])
      ).rows;
      return row === undefined ? null : this.#rows.digestRun(row);
    });
  }

  async digestRuns(channelId: string): Promise<DigestRun[]> {
    return this.run(`reading the digest runs of ${channelId}`, async (pool) => {
      const { rows } = await pool.query(`${SELECT_DIGEST_RUN} WHERE channel_id = $1 ORDER BY period_key`, [channelId]);
      return rows.map((row) => this.#rows.digestRun(row));
    });
  }

  async ping(): Promise<void> {
    await this.run('pinging the database', async (pool) => {
      await pool.query(`SELECT 1`);
    });
  }

  /** Ends the pool (waiting for calls in flight); idempotent. Every later call rejects with StoreError('unavailable'). */
  async recordVerification(record: VerificationRecord): Promise<void> {
    const json = resultToJson(record.result);
    await this.transaction(`recording a verification of incident ${record.incidentId}`, async (client) => {
      // The version goes up as for a tick: the header shows the verdict, and a redraw that did not reach
      // Slack is found by the sweep (rendered_version < version), after a restart too.
      const bumped = await client.query(`UPDATE incidents SET version = version + 1 WHERE id = $1`, [record.incidentId]);
      if (bumped.rowCount !== 1) throw new StoreError('not-found', `${this.where}: no incident ${record.incidentId}; the verification was not recorded.`);
      await client.query(`INSERT INTO verifications (incident_id, since, verdict, result_json, requested_by, at) VALUES ($1, $2, $3, $4, $5, $6)`, [
        record.incidentId,
        record.since,
        record.verdict,
        json,
        record.requestedBy,
        record.at,
      ]);
    });
  }

  async latestVerification(incidentId: string): Promise<VerificationRecord | null> {
    return this.run(`reading the latest verification of incident ${incidentId}`, async (pool) => {
      const [row] = (await pool.query(`${SELECT_VERIFICATION} WHERE incident_id = $1 ORDER BY at DESC, id DESC LIMIT 1`, [incidentId])).rows;
      return row === undefined ? null : this.#verifyRows.verification(row);
    });
  }

  async scheduleCheck(check: NewScheduledCheck): Promise<'added' | 'exists'> {
    return this.run(`scheduling check ${check.id} of incident ${check.incidentId}`, async (pool) => {
      const result = await pool.query(
        `INSERT INTO scheduled_checks (id, incident_id, due_at, requested_by, created_at, status, owner, lease_until, attempts, finished_at)
         VALUES ($1, $2, $3, $4, $5, 'scheduled', NULL, NULL, 0, NULL) ON CONFLICT (id) DO NOTHING`,
        [check.id, check.incidentId, check.dueAt, check.requestedBy, check.createdAt],
      );
      return result.rowCount === 1 ? 'added' : 'exists';
    });
  }

  async claimDueChecks(owner: string, now: number, leaseMs: number, limit: number): Promise<ScheduledCheck[]> {
    return this.run(`claiming due checks for ${owner}`, async (pool) => {
      // SKIP LOCKED: a row another replica is claiming right now is left to it, never returned twice; the
      // outer WHERE is re-checked on the row's latest version, so a row claimed meanwhile is not taken again.
      const { rows } = await pool.query(
        `UPDATE scheduled_checks AS c SET status = 'claimed', owner = $1, lease_until = $2, attempts = c.attempts + 1
         WHERE c.id IN (
           SELECT id FROM scheduled_checks
           WHERE attempts < $3 AND ((status = 'scheduled' AND due_at <= $4) OR (status = 'claimed' AND lease_until < $4))
           ORDER BY due_at, id LIMIT $5
           FOR UPDATE SKIP LOCKED
         )
         AND c.attempts < $3 AND ((c.status = 'scheduled' AND c.due_at <= $4) OR (c.status = 'claimed' AND c.lease_until < $4))
         RETURNING c.id, c.incident_id, c.due_at, c.requested_by, c.created_at, c.status, c.owner, c.lease_until, c.attempts, c.finished_at`,
        [owner, now + leaseMs, MAX_CHECK_ATTEMPTS, now, limit],
      );
      return rows.map((row) => this.#verifyRows.check(row)).sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id));
    });
  }

  async renewCheckClaim(id: string, owner: string, leaseUntil: number): Promise<boolean> {
    return this.run(`renewing ${owner}'s claim on check ${id}`, async (pool) => {
      const result = await pool.query(`UPDATE scheduled_checks SET lease_until = $1 WHERE id = $2 AND owner = $3 AND status = 'claimed'`, [leaseUntil, id, owner]);
      return result.rowCount === 1;
    });
  }

  async finishCheck(id: string, owner: string, outcome: { readonly status: 'done' | 'failed'; readonly at: number }): Promise<boolean> {
    return this.run(`marking check ${id} ${outcome.status}`, async (pool) => {
      const result = await pool.query(`UPDATE scheduled_checks SET status = $1, finished_at = $2 WHERE id = $3 AND owner = $4 AND status = 'claimed'`, [
        outcome.status,
        outcome.at,
        id,
        owner,
      ]);
      return result.rowCount === 1;
    });
  }

  async verifications(incidentId: string): Promise<VerificationRecord[]> {
    return this.run(`reading the verifications of incident ${incidentId}`, async (pool) => {
      const { rows } = await pool.query(`${SELECT_VERIFICATION} WHERE incident_id = $1 ORDER BY at, id`, [incidentId]);
      return rows.map((row) => this.#verifyRows.verification(row));
    });
  }

  async scheduledChecks(incidentId: string): Promise<ScheduledCheck[]> {
    return this.run(`reading the scheduled checks of incident ${incidentId}`, async (pool) => {
      const { rows } = await pool.query(`${SELECT_SCHEDULED_CHECK} WHERE incident_id = $1 ORDER BY due_at, id`, [incidentId]);
      return rows.map((row) => this.#verifyRows.check(row));
    });
  }

  async saveInstallation(installation: StoredInstallation): Promise<void> {
    await this.run(`saving the installation of ${installation.teamId ?? installation.enterpriseId}`, async (pool) => {
      await pool.query(
        `INSERT INTO installations (${INSTALLATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (installation_key) DO UPDATE SET enterprise_id = EXCLUDED.enterprise_id, team_id = EXCLUDED.team_id,
           is_enterprise_install = EXCLUDED.is_enterprise_install, bot_token = EXCLUDED.bot_token, bot_user_id = EXCLUDED.bot_user_id,
           installation_json = EXCLUDED.installation_json, installed_at = EXCLUDED.installed_at`,
        installationValues(installation, (b) => b),
      );
    });
  }

  async fetchInstallation(key: InstallationKey): Promise<StoredInstallation | null> {
    const id = installationKeyOf(key);
    return this.run(`reading the installation ${id}`, async (pool) => {
      const { rows } = await pool.query(`${SELECT_INSTALLATION} WHERE installation_key = $1`, [id]);
      return rows[0] === undefined ? null : this.#installationRows.installation(rows[0]);
    });
  }

  async deleteInstallation(key: InstallationKey): Promise<boolean> {
    const id = installationKeyOf(key);
    return this.run(`deleting the installation ${id}`, async (pool) => (await pool.query(`DELETE FROM installations WHERE installation_key = $1`, [id])).rowCount === 1);
  }

  async installations(): Promise<StoredInstallation[]> {
    return this.run('listing the installations', async (pool) => {
      const { rows } = await pool.query(`${SELECT_INSTALLATION} ORDER BY installation_key COLLATE "C"`);
      return rows.map((row) => this.#installationRows.installation(row));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }

  async resolveIncident(incidentId: string, userId: string, at: number): Promise<ResolveResult> {
    return this.transaction(`resolving incident ${incidentId}`, async (client) => {
      // Locked, so two resolves at once queue here and the second finds the first one's resolution.
      const [row] = (await client.query(`SELECT version, resolved_by, resolved_at FROM incidents WHERE id = $1 FOR NO KEY UPDATE`, [incidentId])).rows;
      if (row === undefined) throw new StoreError('not-found', `${this.where}: no incident ${incidentId} to resolve.`);
      const current = this.#rows.parse(resolutionRow, row, `the resolution of incident ${incidentId}`);
      if (current.resolved_by !== null && current.resolved_at !== null) {
        return { applied: false, resolution: { userId: current.resolved_by, at: current.resolved_at }, version: current.version };
      }
      const [bumped] = (await client.query(`UPDATE incidents SET resolved_by = $1, resolved_at = $2, version = version + 1 WHERE id = $3 RETURNING version`, [userId, at, incidentId])).rows;
      return { applied: true, resolution: { userId, at }, version: this.#rows.parse(versionRow, bumped, `the version of incident ${incidentId}`).version };
    });
  }

  async recordIncidentEvent(event: IncidentEvent): Promise<boolean> {
    return this.run(`recording a ${event.kind} of incident ${event.incidentId}`, async (pool) => {
      // One statement: the insert happens only if the incident exists, and a seen request key is skipped.
      const result = await pool.query(
        `WITH target AS (SELECT id FROM incidents WHERE id = $1),
         inserted AS (
           INSERT INTO incident_events (incident_id, kind, user_id, at, request_key, detail_json)
           SELECT id, $2, $3, $4, $5, $6 FROM target
           ON CONFLICT (request_key) DO NOTHING
           RETURNING id
         )
         SELECT (SELECT count(*) FROM target) AS found, (SELECT count(*) FROM inserted) AS inserted`,
        [event.incidentId, event.kind, event.userId, event.at, event.requestKey, JSON.stringify(event.detail)],
      );
      const counts = this.#rows.parse(z.object({ found: millis, inserted: millis }), result.rows[0], 'an event insert');
      if (counts.found === 0) throw new StoreError('not-found', `${this.where}: no incident ${event.incidentId}; its ${event.kind} event was not recorded.`);
      return counts.inserted === 1;
    });
  }

  async incidentEvents(incidentId: string): Promise<IncidentEvent[]> {
    return this.run(`reading the events of incident ${incidentId}`, async (pool) => {
      const { rows } = await pool.query(`${SELECT_INCIDENT_EVENT} WHERE incident_id = $1 ORDER BY id`, [incidentId]);
      return rows.map((row) => this.#rows.incidentEvent(row, incidentId));
    });
  }

  async openIncidents(channelIds: readonly string[], limit: number): Promise<OpenIncidents> {
    if (channelIds.length === 0) return { incidents: [], total: 0 };
    return this.run(`reading the open incidents of ${channelIds.length} channels`, async (pool) => {
      const open = `channel_id = ANY($1::text[]) AND message_ts IS NOT NULL AND resolved_at IS NULL`;
      const { rows } = await pool.query(`${SELECT_INCIDENT} WHERE ${open} ORDER BY created_at DESC, id COLLATE "C" LIMIT $2`, [channelIds, limit]);
      const [count] = (await pool.query(`SELECT count(*) AS count FROM incidents WHERE ${open}`, [channelIds])).rows;
      return { incidents: rows.map((row) => this.#rows.incident(row)), total: this.#rows.parse(countRow, count, 'a count of open incidents').count };
    });
  }

  async channelsWithOpenIncidents(): Promise<string[]> {
    return this.run('finding channels with open incidents', async (pool) => {
      const { rows } = await pool.query(
        `SELECT DISTINCT channel_id COLLATE "C" AS channel_id FROM incidents WHERE message_ts IS NOT NULL AND resolved_at IS NULL ORDER BY 1`,
      );
      return rows.map((row) => this.#rows.parse(channelRow, row, 'a channel id').channel_id);
    });
  }

  async latestIncident(channelId: string, service: string): Promise<IncidentRecord | null> {
    return this.run(`finding the latest incident of ${service} in ${channelId}`, async (pool) => {
      const [row] = (
        await pool.query(`${SELECT_INCIDENT} WHERE channel_id = $1 AND service = $2 AND message_ts IS NOT NULL ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT 1`, [
          channelId,
          service,
        ])
      ).rows;
      return row === undefined ? null : this.#rows.incident(row);
    });
  }

  async resolvedBetween(channelId: string, sinceMs: number, untilMs: number): Promise<ResolvedIncident[]> {
    return this.run(`reading the incidents of ${channelId} resolved since ${new Date(sinceMs).toISOString()}`, async (pool) => {
      const { rows } = await pool.query(
        `${SELECT_RESOLVED} WHERE channel_id = $1 AND resolved_at >= $2 AND resolved_at < $3 AND resolved_by IS NOT NULL ORDER BY resolved_at, id COLLATE "C"`,
        [channelId, sinceMs, untilMs],
      );
      return rows.map((row) => this.#rows.resolvedIncident(row));
    });
  }

  /** Creates the schema unless it exists; replicas connecting at once take turns (concurrent CREATE SCHEMA IF NOT EXISTS can fail). */
  private async createSchema(schema: string): Promise<void> {
    await this.transaction(`creating schema ${schema}`, async (client) => {
      // Same key as migrate() on this schema, so creating and migrating never overlap either.
      await client.query(LOCK_NAMED_SCHEMA, [schema]);
      // Look first: CREATE SCHEMA IF NOT EXISTS demands the CREATE privilege even when the schema exists.
      const exists = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
    });
  }

  /** Runs one step on the pool, turning closed-store and driver errors into StoreErrors. */
  private async run<T>(what: string, step: (pool: Pool) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError('unavailable', `${this.where}: ${what} failed: the store is closed.`);
    try {
      return await step(this.pool);
    } catch (error) {
      throw toStoreError(error, this.where, what, this.secrets);
    }
  }

  /** Runs `step` in one transaction on one pooled connection: COMMIT when it returns, ROLLBACK when it throws. */
  private async transaction<T>(what: string, step: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.run(what, async (pool) => {
      const client = await pool.connect();
      // A connection whose ROLLBACK failed is in an unknown state: destroy it rather than pool it.
      let broken: Error | undefined;
      // pg-pool listens for errors only on idle connections: one the server drops while checked out
      // (pg_terminate_backend, a failover) would emit 'error' with no listener and crash the process.
      // The query in progress rejects as well, which is how the caller learns of it.
      const onError = (error: Error): void => {
        broken = error;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await step(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      } finally {
        client.removeListener('error', onError);
        client.release(broken);
      }
    });
  }
}

/**
 * Where the store points, for messages: `postgres://user:***@host:port/database` with the query (which
 * may carry `password=` or `sslpassword=`) left out; and every password the URL holds, to scrub elsewhere.
 */
function describeUrl(url: string): { described: string; secrets: string[] } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Shown as nothing at all: a URL that does not parse may have its password anywhere.
    return { described: 'a DATABASE_URL that is not a valid URL', secrets: [] };
  }
  const secrets = [parsed.password, parsed.searchParams.get('password'), parsed.searchParams.get('sslpassword')]
    .filter((s): s is string => s !== null && s !== '')
    .flatMap((s) => [s, safeDecode(s)]);
  const user = parsed.username === '' ? '' : `${parsed.username}${parsed.password === '' ? '' : ':***'}@`;
  return { described: `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`, secrets };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Removes credentials from driver text we show: the password part of any `scheme://user:password@`,
 * and the store's own passwords wherever else they appear (when long enough not to mangle ordinary words).
 */
function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, '$1:***@');
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}

/** SQLSTATEs after which the connection is gone or was refused: the server is restarting, full or shutting down. */
const CONNECTION_LOST = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
/** The transaction lost a race (serialization failure, deadlock, lock or statement timeout): running it again may succeed. */
const RETRYABLE = new Set(['40001', '40P01', '55P03', '57014']);
/** pg's own messages for a connection that broke or never came up (they carry no code). */
const PG_CONNECTION_MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed/i;

/** Maps driver and network failures to the store's error codes, keeping the original as `cause`; never leaks the password. */
function toStoreError(error: unknown, where: string, what: string, secrets: readonly string[]): unknown {
  if (error instanceof StoreError) return error;
  if (error instanceof DatabaseError) {
    const code = error.code ?? 'no SQLSTATE';
    const text = `${where}: ${what} failed: ${redact(error.message, secrets)} (${code})`;
    if (code === '23505') {
      return new StoreError('conflict', `${text}${error.detail === undefined ? '' : `: ${redact(error.detail, secrets)}`}.`, { cause: error });
    }
    // A table or (from a later migration) a column is missing: an older release's schema, not migrated yet.
    if (code === '42P01' || code === '42703') return new StoreError('unavailable', `${text}; call migrate() before using the store.`, { cause: error });
    if (code.startsWith('08') || CONNECTION_LOST.has(code)) {
      return new StoreError('unavailable', `${text}; the server closed or refused the connection. Check that it is up and accepting connections, then retry.`, {
        cause: error,
      });
    }
    if (code.startsWith('28')) return new StoreError('unavailable', `${text}; check the user and password in DATABASE_URL.`, { cause: error });
    if (code === '3D000') return new StoreError('unavailable', `${text}; create the database or fix its name in DATABASE_URL.`, { cause: error });
    if (code === '42501') return new StoreError('unavailable', `${text}; grant the database user the privileges it needs (or use another schema).`, { cause: error });
    if (RETRYABLE.has(code)) return new StoreError('unavailable', `${text}; retry.`, { cause: error });
    return new StoreError('unavailable', `${text}.`, { cause: error });
  }
  if (error instanceof Error && 'code' in error && error.code === 'ERR_INVALID_URL') {
    // pg-connection-string has already blanked the URL (and its password) out of the error.
    return new StoreError('unavailable', `${where}: ${what} failed: DATABASE_URL is not a valid URL; use postgres://user:password@host:5432/database.`, { cause: error });
  }
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && /^E[A-Z]+$/.test(error.code)) {
    // Node network errors: ECONNREFUSED, ENOTFOUND, ETIMEDOUT, ECONNRESET, ... (an AggregateError from
    // trying several addresses has an empty message and the code only).
    const detail = error.message === '' ? error.code : redact(error.message, secrets);
    return new StoreError('unavailable', `${where}: ${what} failed: ${detail}; check the host and port in DATABASE_URL and that the server is running.`, {
      cause: error,
    });
  }
  if (error instanceof Error && PG_CONNECTION_MESSAGES.test(error.message)) {
    return new StoreError('unavailable', `${where}: ${what} failed: ${redact(error.message, secrets)}; check that the server is reachable, then retry.`, {
      cause: error,
    });
  }
  return error;
}
