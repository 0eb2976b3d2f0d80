/**
 * The verification and scheduled-check rows both stores read (issue 13): their columns beside their
 * schemas, as rows.ts does for the older tables, and the migration both stores append.
 */

import { z } from 'zod';
import { StoreError, type ScheduledCheck, type VerificationRecord } from './store';
import type { ColumnTypes } from './rows';

export const SELECT_VERIFICATION = `SELECT incident_id, since, verdict, result_json, requested_by, at FROM verifications`;
export const SELECT_SCHEDULED_CHECK = `SELECT id, incident_id, due_at, requested_by, created_at, status, owner, lease_until, attempts, finished_at FROM scheduled_checks`;

/** A check is claimed at most this many times (a takeover after a lost lease is one more): a check that crashes its replica does not crash them all. */
export const MAX_CHECK_ATTEMPTS = 3;

/**
 * The tables, for SQLite (`STRICT`, INTEGER times) or PostgreSQL (BIGINT times). `IF NOT EXISTS`, so the
 * migration can be renumbered when branches merge without failing on a database that already has them.
 */
export function verificationTablesSql(dialect: 'sqlite' | 'postgres'): string {
  const time = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const strict = dialect === 'sqlite' ? ' STRICT' : '';
  const serial = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY';
  return `
    CREATE TABLE IF NOT EXISTS verifications (
      id           ${serial},
      incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
      since        TEXT NOT NULL,
      verdict      TEXT NOT NULL,
      result_json  TEXT NOT NULL,
      requested_by TEXT NOT NULL,
      at           ${time} NOT NULL
    )${strict};
    CREATE INDEX IF NOT EXISTS verifications_by_incident ON verifications (incident_id, at, id);

    -- One row per requested re-check: the row is the claim (see Store.claimDueChecks).
    CREATE TABLE IF NOT EXISTS scheduled_checks (
      id           TEXT PRIMARY KEY,
      incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
      due_at       ${time} NOT NULL,
      requested_by TEXT NOT NULL,
      created_at   ${time} NOT NULL,
      status       TEXT NOT NULL CHECK (status IN ('scheduled', 'claimed', 'done', 'failed')),
      owner        TEXT,
      lease_until  ${time},
      attempts     INTEGER NOT NULL DEFAULT 0,
      finished_at  ${time}
    )${strict};
    CREATE INDEX IF NOT EXISTS scheduled_checks_due ON scheduled_checks (due_at) WHERE status IN ('scheduled', 'claimed');
  `;
}

function schemas({ millis }: ColumnTypes) {
  return {
    verification: z.object({
      incident_id: z.string(),
      since: z.string(),
      verdict: z.string(),
      result_json: z.string(),
      requested_by: z.string(),
      at: millis,
    }),
    check: z.object({
      id: z.string(),
      incident_id: z.string(),
      due_at: millis,
      requested_by: z.string(),
      created_at: millis,
      status: z.enum(['scheduled', 'claimed', 'done', 'failed']),
      owner: z.string().nullable(),
      lease_until: millis.nullable(),
      attempts: z.int(),
      finished_at: millis.nullable(),
    }),
  };
}

/** Reads verification and check rows; a failure is a StoreError('corrupt') naming the store. */
export class VerifyRowReader {
  readonly #schemas: ReturnType<typeof schemas>;

  constructor(
    private readonly where: string,
    columns: ColumnTypes,
  ) {
    this.#schemas = schemas(columns);
  }

  verification(row: unknown): VerificationRecord {
    const r = this.parse(this.#schemas.verification, row, 'a verification');
    let result: unknown;
    try {
      result = JSON.parse(r.result_json);
    } catch (error) {
      throw new StoreError('corrupt', `${this.where}: a verification of incident ${r.incident_id} is not valid JSON; delete it or restore the database from a backup.`, {
        cause: error,
      });
    }
    return { incidentId: r.incident_id, since: r.since, verdict: r.verdict, result, requestedBy: r.requested_by, at: r.at };
  }

  check(row: unknown): ScheduledCheck {
    const r = this.parse(this.#schemas.check, row, 'a scheduled check');
    return {
      id: r.id,
      incidentId: r.incident_id,
      dueAt: r.due_at,
      requestedBy: r.requested_by,
      createdAt: r.created_at,
      status: r.status,
      owner: r.owner,
      leaseUntil: r.lease_until,
      attempts: r.attempts,
      finishedAt: r.finished_at,
    };
  }

  private parse<S extends z.ZodType>(schema: S, row: unknown, what: string): z.output<S> {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      throw new StoreError('corrupt', `${this.where}: ${what} has unexpected columns (${z.prettifyError(parsed.error)}); was the database written by another program?`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }
}

/** JSON text of a verification result; one that JSON cannot say is a programming error, refused before it is stored. */
export function resultToJson(result: unknown): string {
  const json = JSON.stringify(result) as string | undefined;
  if (json === undefined) throw new StoreError('corrupt', 'a verification result must be JSON-able data');
  return json;
}
