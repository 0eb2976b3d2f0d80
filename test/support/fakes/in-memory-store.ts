/**
 * The Store in memory, for unit tests of the services above it. It keeps SQLite's semantics (and
 * proves it by running the store contract suite, test/unit/store-memory.test.ts): records and
 * summaries go through JSON as they do through a TEXT column, the order is the database's order
 * (insertion order for ticks, code point order for text), and every call is one atomic step, as a
 * transaction would be (nothing here awaits in the middle of a call).
 *
 * Several stores may share one `MemoryDatabase`, as two processes or a restarted one share a file.
 */

import { checklistStateFrom, type ChecklistState } from '../../../src/domain/checklist-state';
import { upgradeStoredReport, type StoredReport } from '../../../src/domain/report';
import { DELIVERY_PRUNE_EVERY, DELIVERY_RETENTION_MS, newIncidentRecord, summaryToJson } from '../../../src/store/rows';
import {
  StoreError,
  type ClaimResult,
  type DigestRun,
  type IncidentEvent,
  type IncidentRecord,
  type OpenIncidents,
  type ResolveResult,
  type ResolvedIncident,
  type NewIncident,
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
} from '../../../src/store/store';
import { installationKeyOf } from '../../../src/store/installation-rows';
import { MAX_CHECK_ATTEMPTS, resultToJson } from '../../../src/store/verify-rows';

/** An incident row: the report kept as the JSON text a database column would hold. */
interface IncidentRow extends Omit<IncidentRecord, 'report'> {
  reportJson: string;
}

/** A digest run row: the summary kept as JSON text (null for NULL). */
interface DigestRunRow extends Omit<DigestRun, 'summary'> {
  summaryJson: string | null;
}

/** The tables; share one between stores to model two processes on one database. */
export class MemoryDatabase {
  migrated = false;
  readonly incidents = new Map<string, IncidentRow>();
  /** In the order the database applied them: the id order of SQLite's AUTOINCREMENT. */
  readonly ticks: TickEvent[] = [];
  readonly tickKeys = new Set<string>();
  readonly deliveries = new Map<string, number>();
  /** Keyed "channel\0service". */
  readonly subscriptions = new Map<string, StoredSubscription>();
  /** Keyed "channel\0period". */
  readonly digestRuns = new Map<string, DigestRunRow>();
  /** In the order the database applied them; the detail kept as JSON text. */
  readonly incidentEvents: { readonly event: Omit<IncidentEvent, 'detail'>; readonly detailJson: string }[] = [];
  readonly incidentEventKeys = new Set<string>();
  /** In insertion order (the id order of the real tables); the result kept as JSON text. */
  readonly verifications: (Omit<VerificationRecord, 'result'> & { resultJson: string })[] = [];
  readonly scheduledChecks = new Map<string, ScheduledCheck>();
  /** Keyed as the real tables are (installationKeyOf); the installation kept as JSON text. */
  readonly installations = new Map<string, Omit<StoredInstallation, 'installation'> & { installationJson: string }>();
}

/** Code point order, as SQLite's BINARY collation and PostgreSQL's "C" compare text. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

export class InMemoryStore implements Store {
  #closed = false;
  #claims = 0;

  constructor(readonly database: MemoryDatabase = new MemoryDatabase()) {}

  async migrate(): Promise<void> {
    this.guard('migrating the schema', false, () => {
      this.database.migrated = true;
    });
  }

  async claimDelivery(key: string, at: number): Promise<boolean> {
    return this.guard('claiming a delivery', true, () => {
      const deliveries = this.database.deliveries;
      if (this.#claims++ % DELIVERY_PRUNE_EVERY === 0) {
        for (const [k, t] of deliveries) if (t < at - DELIVERY_RETENTION_MS) deliveries.delete(k);
      }
      if (deliveries.has(key)) return false;
      deliveries.set(key, at);
      return true;
    });
  }

  async createIncident(incident: NewIncident): Promise<IncidentRecord> {
    return this.guard(`creating incident ${incident.id}`, true, () => {
      if (this.database.incidents.has(incident.id)) throw new StoreError('conflict', `in-memory store: incident ${incident.id} exists already.`);
      const { report, ...rest } = newIncidentRecord(incident);
      this.database.incidents.set(incident.id, { ...rest, reportJson: JSON.stringify(report) });
      return newIncidentRecord(incident);
    });
  }

  async attachMessage(incidentId: string, messageTs: string): Promise<void> {
    this.guard(`attaching message ${messageTs} to incident ${incidentId}`, true, () => {
      const row = this.row(incidentId, `no incident ${incidentId} to attach message ${messageTs} to.`);
      // UNIQUE (channel_id, message_ts): one message is one incident's.
      for (const other of this.database.incidents.values()) {
        if (other.id !== incidentId && other.channelId === row.channelId && other.messageTs === messageTs) {
          throw new StoreError('conflict', `in-memory store: message ${messageTs} in ${row.channelId} belongs to incident ${other.id} already.`);
        }
      }
      this.database.incidents.set(incidentId, { ...row, messageTs });
    });
  }

  async replaceReport(incidentId: string, report: StoredReport): Promise<void> {
    this.guard(`replacing the report of incident ${incidentId}`, true, () => {
      const row = this.row(incidentId, `no incident ${incidentId} whose report to replace.`);
      this.database.incidents.set(incidentId, { ...row, reportJson: JSON.stringify(report) });
    });
  }

  async markRendered(incidentId: string, version: number): Promise<void> {
    this.guard(`marking version ${version} of incident ${incidentId} as shown`, true, () => {
      const row = this.database.incidents.get(incidentId);
      if (row) this.database.incidents.set(incidentId, { ...row, renderedVersion: Math.max(row.renderedVersion, version) });
    });
  }

  async staleIncidents(limit: number): Promise<IncidentRecord[]> {
    return this.guard('finding messages whose last update did not reach Slack', true, () =>
      [...this.database.incidents.values()]
        .filter((r) => r.messageTs !== null && r.renderedVersion < r.version)
        // ORDER BY created_at DESC, id
        .sort((a, b) => b.createdAt - a.createdAt || compareCodePoints(a.id, b.id))
        .slice(0, limit)
        .map(toRecord),
    );
  }

  async getIncident(id: string): Promise<IncidentRecord | null> {
    return this.guard(`reading incident ${id}`, true, () => {
      const row = this.database.incidents.get(id);
      return row ? toRecord(row) : null;
    });
  }

  async findIncidentByMessage(channelId: string, messageTs: string): Promise<IncidentRecord | null> {
    return this.guard(`finding the incident of message ${messageTs} in ${channelId}`, true, () => {
      for (const row of this.database.incidents.values()) if (row.channelId === channelId && row.messageTs === messageTs) return toRecord(row);
      return null;
    });
  }

  async recordTick(event: TickEvent): Promise<TickResult> {
    return this.guard(`recording a tick on incident ${event.incidentId}`, true, () => {
      const row = this.database.incidents.get(event.incidentId);
      if (!row) throw new StoreError('not-found', `in-memory store: no incident ${event.incidentId}; the tick on ${event.stepId} was not recorded.`);
      // request_key is unique across incidents: a key seen anywhere is a duplicate.
      if (this.database.tickKeys.has(event.requestKey)) return { applied: false, version: row.version };
      this.database.tickKeys.add(event.requestKey);
      this.database.ticks.push({ ...event });
      const version = row.version + 1;
      this.database.incidents.set(row.id, { ...row, version });
      return { applied: true, version };
    });
  }

  async tickEvents(incidentId: string): Promise<TickEvent[]> {
    return this.guard(`reading the ticks of incident ${incidentId}`, true, () => this.database.ticks.filter((t) => t.incidentId === incidentId).map((t) => ({ ...t })));
  }

  async checklistState(incidentId: string): Promise<ChecklistState> {
    return this.guard(`reading the checklist of incident ${incidentId}`, true, () => {
      // In the order they were applied, not by `at` (replicas' clocks differ).
      return checklistStateFrom(this.database.ticks.filter((t) => t.incidentId === incidentId));
    });
  }

  async subscribe(subscription: Subscription): Promise<'added' | 'exists'> {
    return this.guard(`subscribing ${subscription.channelId} to ${subscription.service}`, true, () => {
      const key = subKey(subscription.channelId, subscription.service);
      if (this.database.subscriptions.has(key)) return 'exists';
      const { channelId, service, createdBy, createdAt } = subscription;
      this.database.subscriptions.set(key, { channelId, service, createdBy, createdAt, pausedAt: null, pausedReason: null, teamId: subscription.teamId ?? '', enterpriseId: subscription.enterpriseId ?? '' });
      return 'added';
    });
  }

  async unsubscribe(channelId: string, service: string): Promise<'removed' | 'absent'> {
    return this.guard(`unsubscribing ${channelId} from ${service}`, true, () => (this.database.subscriptions.delete(subKey(channelId, service)) ? 'removed' : 'absent'));
  }

  async subscriptions(channelId: string): Promise<StoredSubscription[]> {
    return this.guard(`reading the subscriptions of ${channelId}`, true, () => this.sortedSubscriptions().filter((s) => s.channelId === channelId));
  }

  async allSubscriptions(): Promise<StoredSubscription[]> {
    return this.guard('reading all subscriptions', true, () => this.sortedSubscriptions());
  }

  async pauseChannel(channelId: string, reason: string, at: number): Promise<number> {
    return this.guard(`pausing the digests of ${channelId}`, true, () => {
      let count = 0;
      for (const [key, s] of this.database.subscriptions) {
        if (s.channelId !== channelId || s.pausedAt !== null) continue;
        this.database.subscriptions.set(key, { ...s, pausedAt: at, pausedReason: reason });
        count++;
      }
      return count;
    });
  }

  async resumeChannel(channelId: string): Promise<number> {
    return this.guard(`resuming the digests of ${channelId}`, true, () => {
      let count = 0;
      for (const [key, s] of this.database.subscriptions) {
        if (s.channelId !== channelId || s.pausedAt === null) continue;
        this.database.subscriptions.set(key, { ...s, pausedAt: null, pausedReason: null });
        count++;
      }
      return count;
    });
  }

  async claimDigest(channelId: string, periodKey: string, owner: string, now: number, leaseMs: number): Promise<ClaimResult> {
    return this.guard(`claiming the ${periodKey} digest of ${channelId} for ${owner}`, true, () => {
      const key = subKey(channelId, periodKey);
      const run = this.database.digestRuns.get(key);
      const fresh: DigestRunRow = { channelId, periodKey, status: 'claimed', owner, claimedAt: now, leaseUntil: now + leaseMs, messageTs: null, summaryJson: null, finishedAt: null };
      if (!run) {
        this.database.digestRuns.set(key, fresh);
        return { claimed: true, takenOver: false };
      }
      // A claim whose holder stopped renewing before posting is abandoned; a failed run may be retried.
      if (run.status === 'failed' || (run.status === 'claimed' && run.leaseUntil < now)) {
        this.database.digestRuns.set(key, fresh);
        return { claimed: true, takenOver: true };
      }
      return { claimed: false, run: toRun(run) };
    });
  }

  async renewDigestClaim(channelId: string, periodKey: string, owner: string, leaseUntil: number): Promise<boolean> {
    return this.guard(`renewing ${owner}'s claim on the ${periodKey} digest of ${channelId}`, true, () => {
      const key = subKey(channelId, periodKey);
      const run = this.database.digestRuns.get(key);
      if (!run || run.owner !== owner || run.status !== 'claimed') return false;
      this.database.digestRuns.set(key, { ...run, leaseUntil });
      return true;
    });
  }

  async finishDigest(
    channelId: string,
    periodKey: string,
    owner: string,
    outcome: { status: 'posted' | 'failed'; messageTs: string | null; summary: unknown; at: number },
  ): Promise<boolean> {
    const summaryJson = summaryToJson(outcome.summary);
    return this.guard(`marking the ${periodKey} digest of ${channelId} ${outcome.status}`, true, () => {
      const key = subKey(channelId, periodKey);
      const run = this.database.digestRuns.get(key);
      if (!run || run.owner !== owner || run.status !== 'claimed') return false;
      this.database.digestRuns.set(key, { ...run, status: outcome.status, messageTs: outcome.messageTs, summaryJson, finishedAt: outcome.at });
      return true;
    });
  }

  async previousDigest(channelId: string, beforePeriodKey: string): Promise<DigestRun | null> {
    return this.guard(`reading the digest of ${channelId} before ${beforePeriodKey}`, true, () => {
      const before = this.runsOf(channelId).filter((r) => r.status === 'posted' && compareCodePoints(r.periodKey, beforePeriodKey) < 0);
      const last = before.at(-1);
      return last ? toRun(last) : null;
    });
  }

  async digestRuns(channelId: string): Promise<DigestRun[]> {
    return this.guard(`reading the digest runs of ${channelId}`, true, () => this.runsOf(channelId).map(toRun));
  }

  async ping(): Promise<void> {
    this.guard('pinging the database', false, () => undefined);
  }

  async recordVerification(record: VerificationRecord): Promise<void> {
    const resultJson = resultToJson(record.result);
    this.guard(`recording a verification of incident ${record.incidentId}`, true, () => {
      const row = this.row(record.incidentId, `no incident ${record.incidentId}; the verification was not recorded.`);
      this.database.incidents.set(row.id, { ...row, version: row.version + 1 });
      const { result: _result, ...rest } = record;
      this.database.verifications.push({ ...rest, resultJson });
    });
  }

  async latestVerification(incidentId: string): Promise<VerificationRecord | null> {
    return this.guard(`reading the latest verification of incident ${incidentId}`, true, () => {
      let latest: (typeof this.database.verifications)[number] | null = null;
      for (const v of this.database.verifications) if (v.incidentId === incidentId && (latest === null || v.at >= latest.at)) latest = v;
      if (latest === null) return null;
      const { resultJson, ...rest } = latest;
      return { ...rest, result: JSON.parse(resultJson) as unknown };
    });
  }

  async scheduleCheck(check: NewScheduledCheck): Promise<'added' | 'exists'> {
    return this.guard(`scheduling check ${check.id}`, true, () => {
      if (this.database.scheduledChecks.has(check.id)) return 'exists';
      this.row(check.incidentId, `no incident ${check.incidentId} to schedule a check for.`);
      this.database.scheduledChecks.set(check.id, { ...check, status: 'scheduled', owner: null, leaseUntil: null, attempts: 0, finishedAt: null });
      return 'added';
    });
  }

  async claimDueChecks(owner: string, now: number, leaseMs: number, limit: number): Promise<ScheduledCheck[]> {
    return this.guard(`claiming due checks for ${owner}`, true, () => {
      const due = [...this.database.scheduledChecks.values()]
        .filter((c) => c.attempts < MAX_CHECK_ATTEMPTS && ((c.status === 'scheduled' && c.dueAt <= now) || (c.status === 'claimed' && (c.leaseUntil ?? 0) < now)))
        .sort((a, b) => a.dueAt - b.dueAt || compareCodePoints(a.id, b.id))
        .slice(0, limit);
      return due.map((c) => {
        const claimed: ScheduledCheck = { ...c, status: 'claimed', owner, leaseUntil: now + leaseMs, attempts: c.attempts + 1 };
        this.database.scheduledChecks.set(c.id, claimed);
        return { ...claimed };
      });
    });
  }

  async renewCheckClaim(id: string, owner: string, leaseUntil: number): Promise<boolean> {
    return this.guard(`renewing ${owner}'s claim on check ${id}`, true, () => {
      const c = this.database.scheduledChecks.get(id);
      if (!c || c.owner !== owner || c.status !== 'claimed') return false;
      this.database.scheduledChecks.set(id, { ...c, leaseUntil });
      return true;
    });
  }

  async finishCheck(id: string, owner: string, outcome: { readonly status: 'done' | 'failed'; readonly at: number }): Promise<boolean> {
    return this.guard(`marking check ${id} ${outcome.status}`, true, () => {
      const c = this.database.scheduledChecks.get(id);
      if (!c || c.owner !== owner || c.status !== 'claimed') return false;
      this.database.scheduledChecks.set(id, { ...c, status: outcome.status, finishedAt: outcome.at });
      return true;
    });
  }

  async verifications(incidentId: string): Promise<VerificationRecord[]> {
    return this.guard(`reading the verifications of incident ${incidentId}`, true, () =>
      this.database.verifications
        .map((v, i) => ({ v, i }))
        .filter(({ v }) => v.incidentId === incidentId)
        .sort((a, b) => a.v.at - b.v.at || a.i - b.i)
        .map(({ v }) => {
          const { resultJson, ...rest } = v;
          return { ...rest, result: JSON.parse(resultJson) as unknown };
        }),
    );
  }

  async scheduledChecks(incidentId: string): Promise<ScheduledCheck[]> {
    return this.guard(`reading the scheduled checks of incident ${incidentId}`, true, () =>
      [...this.database.scheduledChecks.values()]
        .filter((c) => c.incidentId === incidentId)
        .sort((a, b) => a.dueAt - b.dueAt || compareCodePoints(a.id, b.id))
        .map((c) => ({ ...c })),
    );
  }

  /** Idempotent; every later call rejects with StoreError('unavailable'), as the real stores do. */
  async resolveIncident(incidentId: string, userId: string, at: number): Promise<ResolveResult> {
    return this.guard(`resolving incident ${incidentId}`, true, () => {
      const row = this.row(incidentId, `no incident ${incidentId} to resolve.`);
      // The first resolution stands.
      if (row.resolution !== null) return { applied: false, resolution: row.resolution, version: row.version };
      const resolution = { userId, at };
      this.database.incidents.set(incidentId, { ...row, resolution, version: row.version + 1 });
      return { applied: true, resolution, version: row.version + 1 };
    });
  }

  async recordIncidentEvent(event: IncidentEvent): Promise<boolean> {
    return this.guard(`recording a ${event.kind} of incident ${event.incidentId}`, true, () => {
      this.row(event.incidentId, `no incident ${event.incidentId}; its ${event.kind} event was not recorded.`);
      // request_key is unique across incidents, as in the databases.
      if (this.database.incidentEventKeys.has(event.requestKey)) return false;
      this.database.incidentEventKeys.add(event.requestKey);
      const { detail, ...rest } = event;
      this.database.incidentEvents.push({ event: rest, detailJson: JSON.stringify(detail) });
      return true;
    });
  }

  async incidentEvents(incidentId: string): Promise<IncidentEvent[]> {
    return this.guard(`reading the events of incident ${incidentId}`, true, () =>
      this.database.incidentEvents
        .filter((e) => e.event.incidentId === incidentId)
        .map((e) => ({ ...e.event, detail: JSON.parse(e.detailJson) as IncidentEvent['detail'] })),
    );
  }

  async openIncidents(channelIds: readonly string[], limit: number): Promise<OpenIncidents> {
    return this.guard(`reading the open incidents of ${channelIds.length} channels`, true, () => {
      const wanted = new Set(channelIds);
      const open = [...this.database.incidents.values()]
        .filter((r) => wanted.has(r.channelId) && r.messageTs !== null && r.resolution === null)
        // created_at DESC, id
        .sort((a, b) => b.createdAt - a.createdAt || compareCodePoints(a.id, b.id));
      return { incidents: open.slice(0, Math.max(0, limit)).map(toRecord), total: open.length };
    });
  }

  async channelsWithOpenIncidents(): Promise<string[]> {
    return this.guard('finding channels with open incidents', true, () =>
      [...new Set([...this.database.incidents.values()].filter((r) => r.messageTs !== null && r.resolution === null).map((r) => r.channelId))].sort(compareCodePoints),
    );
  }

  async latestIncident(channelId: string, service: string): Promise<IncidentRecord | null> {
    return this.guard(`finding the latest incident of ${service} in ${channelId}`, true, () => {
      const rows = [...this.database.incidents.values()]
        .filter((r) => r.channelId === channelId && r.service === service && r.messageTs !== null)
        // created_at DESC, id DESC
        .sort((a, b) => b.createdAt - a.createdAt || compareCodePoints(b.id, a.id));
      return rows[0] === undefined ? null : toRecord(rows[0]);
    });
  }

  async resolvedBetween(channelId: string, sinceMs: number, untilMs: number): Promise<ResolvedIncident[]> {
    return this.guard(`reading the incidents of ${channelId} resolved since ${new Date(sinceMs).toISOString()}`, true, () =>
      [...this.database.incidents.values()]
        .flatMap((r) => (r.channelId === channelId && r.resolution !== null && r.resolution.at >= sinceMs && r.resolution.at < untilMs ? [{ row: r, resolution: r.resolution }] : []))
        .sort((a, b) => a.resolution.at - b.resolution.at || compareCodePoints(a.row.id, b.row.id))
        .map(({ row, resolution }) => ({ incidentId: row.id, channelId: row.channelId, service: row.service, messageTs: row.messageTs, resolution })),
    );
  }

  async saveInstallation(installation: StoredInstallation): Promise<void> {
    const id = installationKeyOf(installation);
    this.guard(`saving the installation ${id}`, true, () => {
      const { installation: data, ...rest } = installation;
      this.database.installations.set(id, { ...rest, installationJson: JSON.stringify(data) });
    });
  }

  async fetchInstallation(key: InstallationKey): Promise<StoredInstallation | null> {
    const id = installationKeyOf(key);
    return this.guard(`reading the installation ${id}`, true, () => {
      const row = this.database.installations.get(id);
      return row ? toInstallation(row) : null;
    });
  }

  async deleteInstallation(key: InstallationKey): Promise<boolean> {
    const id = installationKeyOf(key);
    return this.guard(`deleting the installation ${id}`, true, () => this.database.installations.delete(id));
  }

  async installations(): Promise<StoredInstallation[]> {
    return this.guard('listing the installations', true, () =>
      [...this.database.installations.entries()].sort(([a], [b]) => compareCodePoints(a, b)).map(([, row]) => toInstallation(row)),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** `needsSchema`: the call reads or writes tables, which exist only after migrate(). */
  private guard<T>(what: string, needsSchema: boolean, step: () => T): T {
    if (this.#closed) throw new StoreError('unavailable', `in-memory store: ${what} failed: the store is closed.`);
    if (needsSchema && !this.database.migrated) throw new StoreError('unavailable', `in-memory store: ${what} failed: no schema; call migrate() before using the store.`);
    return step();
  }

  private row(incidentId: string, missing: string): IncidentRow {
    const row = this.database.incidents.get(incidentId);
    if (!row) throw new StoreError('not-found', `in-memory store: ${missing}`);
    return row;
  }

  private sortedSubscriptions(): StoredSubscription[] {
    return [...this.database.subscriptions.values()]
      .sort((a, b) => compareCodePoints(a.channelId, b.channelId) || compareCodePoints(a.service, b.service))
      .map((s) => ({ ...s }));
  }

  private runsOf(channelId: string): DigestRunRow[] {
    return [...this.database.digestRuns.values()].filter((r) => r.channelId === channelId).sort((a, b) => compareCodePoints(a.periodKey, b.periodKey));
  }
}

function subKey(channelId: string, second: string): string {
  return `${channelId}\0${second}`;
}

/** A fresh copy each time, as a row read from a database is: callers cannot change what is stored. */
function toRecord(row: IncidentRow): IncidentRecord {
  const { reportJson, ...rest } = row;
  return { ...rest, report: upgradeStoredReport(JSON.parse(reportJson) as StoredReport) };
}

function toRun(row: DigestRunRow): DigestRun {
  const { summaryJson, ...rest } = row;
  return { ...rest, summary: summaryJson === null ? null : (JSON.parse(summaryJson) as unknown) };
}

function toInstallation(row: Omit<StoredInstallation, 'installation'> & { installationJson: string }): StoredInstallation {
  const { installationJson, ...rest } = row;
  return { ...rest, installation: JSON.parse(installationJson) as unknown };
}
