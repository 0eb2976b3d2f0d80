/**
 * What the SQLite and PostgreSQL stores share above their drivers: the delivery-key policy, the rows
 * both read (same tables, same columns), and turning a row into a record with the same checks and the
 * same StoreError('corrupt') messages. No driver imports here: each store passes in how its driver
 * hands back the column types they store differently.
 */

import { z } from 'zod';
import { CHECKLIST_STEP_IDS } from '../domain/checklist';
import { checklistStateFrom, type ChecklistState, type StepEvent } from '../domain/checklist-state';
import { upgradeStoredReport, type StoredReport } from '../domain/report';
import { StoreError, type DigestRun, type IncidentEvent, type IncidentRecord, type NewIncident, type ResolvedIncident, type StoredSubscription, type TickEvent } from './store';

/** Slack redelivers within minutes; a day of keys is ample and keeps the table small. */
export const DELIVERY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Prune old delivery keys on every this-many-th claim (and on the first claim after opening). */
export const DELIVERY_PRUNE_EVERY = 1000;

/** The columns the row schemas below read, in one place so a query and its schema cannot drift apart. */
/** An incident with its report (kept in a table of its own: see migration 3). */
export const SELECT_INCIDENT = `SELECT id, channel_id, message_ts, service, window_ms, end_ms, report_json, created_by, created_at, version, rendered_version, resolved_by, resolved_at, team_id, enterprise_id FROM incidents JOIN incident_reports ON incident_reports.incident_id = incidents.id`;
export const SELECT_SUBSCRIPTION = `SELECT channel_id, service, created_by, created_at, paused_at, paused_reason, team_id, enterprise_id FROM subscriptions`;
export const SELECT_INCIDENT_EVENT = `SELECT incident_id, kind, user_id, at, request_key, detail_json FROM incident_events`;
export const SELECT_RESOLVED = `SELECT id, channel_id, service, message_ts, resolved_by, resolved_at FROM incidents`;
export const SELECT_DIGEST_RUN = `SELECT channel_id, period_key, status, owner, claimed_at, lease_until, message_ts, summary_json, finished_at FROM digest_runs`;

/** How a driver returns the columns the two schemas type differently. */
export interface ColumnTypes {
  /** Times and durations, ms since epoch (INTEGER in SQLite, BIGINT in PostgreSQL). */
  readonly millis: z.ZodType<number>;
  /** tick_events.checked (INTEGER 0 or 1 in SQLite, BOOLEAN in PostgreSQL). */
  readonly checked: z.ZodType<boolean>;
}

function rowSchemas({ millis, checked }: ColumnTypes) {
  const tick = z.object({
    incident_id: z.string(),
    step_id: z.enum(CHECKLIST_STEP_IDS),
    user_id: z.string(),
    checked,
    at: millis,
    request_key: z.string(),
  });
  return {
    incident: z.object({
      id: z.string(),
      channel_id: z.string(),
      message_ts: z.string().nullable(),
      service: z.string(),
      window_ms: millis,
      end_ms: millis,
      report_json: z.string(),
      created_by: z.string(),
      created_at: millis,
      version: z.int(),
      rendered_version: z.int(),
      resolved_by: z.string().nullable(),
      resolved_at: millis.nullable(),
      team_id: z.string(),
      enterprise_id: z.string(),
    }),
    incidentEvent: z.object({
      incident_id: z.string(),
      kind: z.enum(['rerun']),
      user_id: z.string(),
      at: millis,
      request_key: z.string(),
      detail_json: z.string(),
    }),
    resolved: z.object({
      id: z.string(),
      channel_id: z.string(),
      service: z.string(),
      message_ts: z.string().nullable(),
      resolved_by: z.string(),
      resolved_at: millis,
    }),
    tick,
    stepState: tick.pick({ step_id: true, user_id: true, checked: true, at: true }),
    subscription: z.object({
      channel_id: z.string(),
      service: z.string(),
      created_by: z.string(),
      created_at: millis,
      paused_at: millis.nullable(),
      paused_reason: z.string().nullable(),
      team_id: z.string(),
      enterprise_id: z.string(),
    }),
    digestRun: z.object({
      channel_id: z.string(),
      period_key: z.string(),
      status: z.enum(['claimed', 'posted', 'failed']),
      owner: z.string(),
      claimed_at: millis,
      lease_until: millis,
      message_ts: z.string().nullable(),
      summary_json: z.string().nullable(),
      finished_at: millis.nullable(),
    }),
  };
}

/**
 * The outer shape of a StoredReport. The full Diagnosis is our own output and would need a schema
 * for every domain type; this catches a truncated, hand-edited or foreign row.
 */
const storedReportShape = z.object({
  diagnosis: z.looseObject({ pattern: z.string() }),
  checklist: z.array(z.looseObject({ id: z.string() })),
  chartFileId: z.string().nullable(),
  chartProblem: z.string().nullable(),
  sourceDescription: z.string(),
  timeZone: z.string(),
  // Absent in reports stored before links existed.
  links: z.object({ dashboard: z.string().nullable(), runbook: z.string().nullable() }).nullable().optional(),
});

const rerunDetail = z.object({
  windowMs: z.number(),
  pattern: z.string(),
  confidence: z.number(),
  verdict: z.string(),
  messageTs: z.string(),
});

function isStoredReport(value: unknown): value is StoredReport {
  return storedReportShape.safeParse(value).success;
}

/** The record a just-inserted incident reads back as: no message yet, no checklist changes yet. */
export function newIncidentRecord(incident: NewIncident): IncidentRecord {
  return {
    id: incident.id,
    channelId: incident.channelId,
    service: incident.service,
    windowMs: incident.windowMs,
    endMs: incident.endMs,
    report: incident.report,
    createdBy: incident.createdBy,
    createdAt: incident.createdAt,
    teamId: incident.teamId ?? '',
    enterpriseId: incident.enterpriseId ?? '',
    messageTs: null,
    version: 0,
    renderedVersion: 0,
    resolution: null,
  };
}

/** JSON text for a digest summary; `undefined` (nothing JSON can say) is stored as NULL and reads back as null. */
export function summaryToJson(summary: unknown): string | null {
  // JSON.stringify returns undefined for undefined, functions and symbols despite its declared type.
  const json = JSON.stringify(summary) as string | undefined;
  return json ?? null;
}

/** Reads one store's rows; every failure is a StoreError('corrupt') that names the store (`where`). */
export class RowReader {
  readonly #schemas: ReturnType<typeof rowSchemas>;

  constructor(
    private readonly where: string,
    columns: ColumnTypes,
  ) {
    this.#schemas = rowSchemas(columns);
  }

  incident(row: unknown): IncidentRecord {
    const r = this.parse(this.#schemas.incident, row, 'an incident');
    let report: unknown;
    try {
      report = JSON.parse(r.report_json);
    } catch (error) {
      throw new StoreError('corrupt', `${this.where}: the report of incident ${r.id} is not valid JSON; delete the incident or restore the database from a backup.`, {
        cause: error,
      });
    }
    if (!isStoredReport(report)) {
      throw new StoreError('corrupt', `${this.where}: the report of incident ${r.id} is not a stored report; delete the incident or restore the database from a backup.`, {
        cause: storedReportShape.safeParse(report).error,
      });
    }
    return {
      id: r.id,
      channelId: r.channel_id,
      service: r.service,
      windowMs: r.window_ms,
      endMs: r.end_ms,
      report: upgradeStoredReport(report),
      createdBy: r.created_by,
      createdAt: r.created_at,
      teamId: r.team_id,
      enterpriseId: r.enterprise_id,
      messageTs: r.message_ts,
      version: r.version,
      renderedVersion: r.rendered_version,
      // Both columns are set together; one without the other is read as open.
      resolution: r.resolved_by !== null && r.resolved_at !== null ? { userId: r.resolved_by, at: r.resolved_at } : null,
    };
  }

  incidentEvent(row: unknown, incidentId: string): IncidentEvent {
    const r = this.parse(this.#schemas.incidentEvent, row, `an event of incident ${incidentId}`);
    let detail: unknown;
    try {
      detail = JSON.parse(r.detail_json);
    } catch (error) {
      throw new StoreError('corrupt', `${this.where}: an event of incident ${incidentId} has details that are not valid JSON; delete the event or restore the database from a backup.`, {
        cause: error,
      });
    }
    const parsed = this.parse(rerunDetail, detail, `the details of a ${r.kind} event of incident ${incidentId}`);
    return { incidentId: r.incident_id, kind: r.kind, userId: r.user_id, at: r.at, requestKey: r.request_key, detail: parsed };
  }

  resolvedIncident(row: unknown): ResolvedIncident {
    const r = this.parse(this.#schemas.resolved, row, 'a resolved incident');
    return { incidentId: r.id, channelId: r.channel_id, service: r.service, messageTs: r.message_ts, resolution: { userId: r.resolved_by, at: r.resolved_at } };
  }

  tickEvent(row: unknown, incidentId: string): TickEvent {
    const r = this.parse(this.#schemas.tick, row, `a tick event of incident ${incidentId}`);
    return { incidentId: r.incident_id, stepId: r.step_id, userId: r.user_id, checked: r.checked, at: r.at, requestKey: r.request_key };
  }

  /** The checklist from the latest event per step (the store's query picks those rows). */
  checklistState(rows: Iterable<unknown>, incidentId: string): ChecklistState {
    const events: StepEvent[] = [];
    for (const row of rows) {
      const r = this.parse(this.#schemas.stepState, row, `a tick event of incident ${incidentId}`);
      events.push({ stepId: r.step_id, checked: r.checked, userId: r.user_id, at: r.at });
    }
    return checklistStateFrom(events);
  }

  subscription(row: unknown): StoredSubscription {
    const r = this.parse(this.#schemas.subscription, row, 'a subscription');
    return {
      channelId: r.channel_id,
      service: r.service,
      createdBy: r.created_by,
      createdAt: r.created_at,
      pausedAt: r.paused_at,
      pausedReason: r.paused_reason,
      teamId: r.team_id,
      enterpriseId: r.enterprise_id,
    };
  }

  digestRun(row: unknown): DigestRun {
    const r = this.parse(this.#schemas.digestRun, row, 'a digest run');
    let summary: unknown = null;
    if (r.summary_json !== null) {
      try {
        summary = JSON.parse(r.summary_json);
      } catch (error) {
        throw new StoreError(
          'corrupt',
          `${this.where}: the summary of the ${r.period_key} digest of ${r.channel_id} is not valid JSON; delete that digest run or restore the database from a backup.`,
          { cause: error },
        );
      }
    }
    return {
      channelId: r.channel_id,
      periodKey: r.period_key,
      status: r.status,
      owner: r.owner,
      claimedAt: r.claimed_at,
      leaseUntil: r.lease_until,
      messageTs: r.message_ts,
      summary,
      finishedAt: r.finished_at,
    };
  }

  parse<S extends z.ZodType>(schema: S, row: unknown, what: string): z.output<S> {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      throw new StoreError('corrupt', `${this.where}: ${what} has unexpected columns (${z.prettifyError(parsed.error)}); was the database written by another program?`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }
}
