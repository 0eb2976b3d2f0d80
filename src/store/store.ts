/**
 * Persistence behind one interface (SQLite by default, PostgreSQL for several replicas).
 * Every implementation runs the same test suite (test/support/store-suite.ts).
 */

import type { ChecklistStepId } from '../domain/checklist';
import type { ChecklistState } from '../domain/checklist-state';
import type { StoredReport } from '../domain/report';

export interface NewIncident {
  readonly id: string;
  readonly channelId: string;
  readonly service: string;
  readonly windowMs: number;
  /** End of the analysed window, ms since epoch. */
  readonly endMs: number;
  readonly report: StoredReport;
  /** Slack user id of whoever ran /pymem. */
  readonly createdBy: string;
  readonly createdAt: number;
  /** The channel's workspace (OAuth mode, issue 14); '' (the default) for the single-token mode's one workspace. */
  readonly teamId?: string;
  /** Its Enterprise Grid organisation, or '' (the default). */
  readonly enterpriseId?: string;
}

/** A workspace as incidents and subscriptions record it: '' for the single-token mode's one workspace, or for no organisation. */
export interface WorkspaceRef {
  readonly teamId: string;
  readonly enterpriseId: string;
}

export interface IncidentRecord extends NewIncident {
  readonly teamId: string;
  readonly enterpriseId: string;
  /** The report message, once posted. */
  readonly messageTs: string | null;
  /** Bumped by every applied tick: renderers compare it to know whether they showed the latest state. */
  readonly version: number;
  /**
   * The newest version Slack is known to show (the message as posted shows version 0). Below `version`,
   * the last update did not reach Slack and the message must be drawn again (after a restart too).
   */
  readonly renderedVersion: number;
  /** Who marked the incident resolved and when; null while it is open. The first resolve is kept. */
  readonly resolution: Resolution | null;
}

export interface Resolution {
  readonly userId: string;
  readonly at: number;
}

export interface ResolveResult {
  /** False when the incident was already resolved: the first resolution stands. */
  readonly applied: boolean;
  readonly resolution: Resolution;
  readonly version: number;
}

interface IncidentEventBase {
  readonly incidentId: string;
  readonly userId: string;
  readonly at: number;
  /** Identity of the Slack request that carried it; a redelivery has the same key and is ignored. */
  readonly requestKey: string;
}

/**
 * Something that happened to an incident besides ticks and its resolution, for its timeline. A new
 * kind is a new member of this union (and of the CHECK in the migrations).
 */
export type IncidentEvent = IncidentEventBase & {
  /** A fresh analysis posted in the thread (re-run or another window). */
  readonly kind: 'rerun';
  readonly detail: RerunDetail;
};

export interface RerunDetail {
  readonly windowMs: number;
  readonly pattern: string;
  readonly confidence: number;
  readonly verdict: string;
  /** The thread reply carrying it. */
  readonly messageTs: string;
}

/** An incident that was resolved, for the digest's "resolved since" line. */
export interface ResolvedIncident {
  readonly incidentId: string;
  readonly channelId: string;
  readonly service: string;
  readonly messageTs: string | null;
  readonly resolution: Resolution;
}

/** Open incidents of some channels, newest first, and how many there are in all. */
export interface OpenIncidents {
  readonly incidents: IncidentRecord[];
  readonly total: number;
}

export interface TickEvent {
  readonly incidentId: string;
  readonly stepId: ChecklistStepId;
  readonly userId: string;
  readonly checked: boolean;
  readonly at: number;
  /** Identity of the Slack request that carried it; a redelivery has the same key and is ignored. */
  readonly requestKey: string;
}

export interface TickResult {
  /** False when this request key was seen before (a duplicate delivery). */
  readonly applied: boolean;
  readonly version: number;
}

export interface Subscription {
  readonly channelId: string;
  readonly service: string;
  readonly createdBy: string;
  readonly createdAt: number;
  /** The channel's workspace (OAuth mode, issue 14); '' (the default) for the single-token mode's one workspace. */
  readonly teamId?: string;
  /** Its Enterprise Grid organisation, or '' (the default). */
  readonly enterpriseId?: string;
}

/** A subscription as stored: digests for its channel may be paused because pymem could not post there. */
export interface StoredSubscription extends Subscription {
  readonly teamId: string;
  readonly enterpriseId: string;
  /** When digests for the channel were paused; null while they go out. */
  readonly pausedAt: number | null;
  /** Why, in words (Slack's error and what it means). */
  readonly pausedReason: string | null;
}

/**
 * One digest for one channel and one period (e.g. the 08:00 run on 2026-03-02). The row is the
 * claim: whoever inserts it posts the digest; a claim whose lease ran out (the replica died) may
 * be taken over, a posted one never.
 */
export interface DigestRun {
  readonly channelId: string;
  /** Identifies the scheduled run, the same on every replica: the scheduled time as ISO 8601. */
  readonly periodKey: string;
  readonly status: 'claimed' | 'posted' | 'failed';
  /** Which replica holds or held the claim. */
  readonly owner: string;
  readonly claimedAt: number;
  /** Until when the claim holds without a heartbeat. */
  readonly leaseUntil: number;
  readonly messageTs: string | null;
  /** What the digest said, per service, to compare the next digest with (JSON-able). */
  readonly summary: unknown;
  readonly finishedAt: number | null;
}

export type ClaimResult =
  | { readonly claimed: true; readonly takenOver: boolean }
  | { readonly claimed: false; readonly run: DigestRun };

export interface Store extends InstallationStorePart {
  /** Creates or upgrades the schema; safe to call on every start, from several processes. */
  migrate(): Promise<void>;
  /** True for the first caller with this key, false for every later one (duplicate deliveries). */
  claimDelivery(key: string, at: number): Promise<boolean>;
  createIncident(incident: NewIncident): Promise<IncidentRecord>;
  attachMessage(incidentId: string, messageTs: string): Promise<void>;
  /** Replaces the stored report (the message went out differently than planned, e.g. without its chart). */
  replaceReport(incidentId: string, report: StoredReport): Promise<void>;
  /** Records that Slack shows `version` of the incident's message; never moves backwards. */
  markRendered(incidentId: string, version: number): Promise<void>;
  /** Posted incidents whose message shows an older version than the stored one, newest first, at most `limit`. */
  staleIncidents(limit: number): Promise<IncidentRecord[]>;
  getIncident(id: string): Promise<IncidentRecord | null>;
  findIncidentByMessage(channelId: string, messageTs: string): Promise<IncidentRecord | null>;
  /** Stores the event and bumps the incident's version in one transaction, unless the request key was seen. */
  recordTick(event: TickEvent): Promise<TickResult>;
  /** Every tick event of an incident, oldest first. */
  tickEvents(incidentId: string): Promise<TickEvent[]>;
  /** The checklist as the latest tick event per step leaves it. */
  checklistState(incidentId: string): Promise<ChecklistState>;
  /** Idempotent: subscribing twice is 'exists', not an error. */
  subscribe(subscription: Subscription): Promise<'added' | 'exists'>;
  unsubscribe(channelId: string, service: string): Promise<'removed' | 'absent'>;
  /** One channel's subscriptions, by service name. */
  subscriptions(channelId: string): Promise<StoredSubscription[]>;
  /** Every subscription, paused ones included, by channel then service (the digest scheduler's work list). */
  allSubscriptions(): Promise<StoredSubscription[]>;
  /** Pauses the digests of every subscription of a channel (pymem cannot post there); returns how many. Keeps the first pause's time and reason. */
  pauseChannel(channelId: string, reason: string, at: number): Promise<number>;
  /** Resumes a channel's paused subscriptions; returns how many were paused. */
  resumeChannel(channelId: string): Promise<number>;
  /**
   * Claims a channel's digest for a period: true for exactly one caller across all replicas, unless
   * the holder's lease ran out before it posted, in which case the next caller takes it over.
   */
  claimDigest(channelId: string, periodKey: string, owner: string, now: number, leaseMs: number): Promise<ClaimResult>;
  /** Extends the caller's lease while it is still working; false when it no longer holds the claim. */
  renewDigestClaim(channelId: string, periodKey: string, owner: string, leaseUntil: number): Promise<boolean>;
  /** Marks the run posted (or failed) by its owner; false when another replica took it over meanwhile. */
  finishDigest(channelId: string, periodKey: string, owner: string, outcome: { status: 'posted' | 'failed'; messageTs: string | null; summary: unknown; at: number }): Promise<boolean>;
  /** The newest posted digest of a channel before the given period, for "change since the last digest". */
  previousDigest(channelId: string, beforePeriodKey: string): Promise<DigestRun | null>;
  digestRuns(channelId: string): Promise<DigestRun[]>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Marks the incident resolved and bumps its version (the message shows it), unless it already
   * is: then the first resolution stands and nothing changes. StoreError('not-found') for an unknown id.
   */
  resolveIncident(incidentId: string, userId: string, at: number): Promise<ResolveResult>;
  /** Stores an incident event unless its request key was seen; true when stored. StoreError('not-found') for an unknown incident. */
  recordIncidentEvent(event: IncidentEvent): Promise<boolean>;
  /** Every event of an incident, oldest first (in the order the database applied them). */
  incidentEvents(incidentId: string): Promise<IncidentEvent[]>;
  /** Posted, unresolved incidents in these channels, newest first: at most `limit`, and the total. */
  openIncidents(channelIds: readonly string[], limit: number): Promise<OpenIncidents>;
  /** Channels with at least one posted, unresolved incident, by id. */
  channelsWithOpenIncidents(): Promise<string[]>;
  /** The newest posted incident of a service in a channel (open or resolved), or null. */
  latestIncident(channelId: string, service: string): Promise<IncidentRecord | null>;
  /** Incidents of a channel resolved at or after `sinceMs` and before `untilMs`, oldest resolution first. */
  resolvedBetween(channelId: string, sinceMs: number, untilMs: number): Promise<ResolvedIncident[]>;
  /** Stores the result of verifying a fix for an incident (issue 13) and bumps its version (the header shows it); not-found for an unknown incident. */
  recordVerification(record: VerificationRecord): Promise<void>;
  /** The incident's most recent verification (by `at`, then by insertion), or null. */
  latestVerification(incidentId: string): Promise<VerificationRecord | null>;
  /** Schedules a re-check; 'exists' when a check with this id was already scheduled (a redelivered click). */
  scheduleCheck(check: NewScheduledCheck): Promise<'added' | 'exists'>;
  /**
   * Claims up to `limit` checks that are due (`dueAt <= now`), or whose claim's lease ran out before it
   * finished (the replica died), for `owner`: each is returned to exactly one caller across replicas.
   */
  claimDueChecks(owner: string, now: number, leaseMs: number, limit: number): Promise<ScheduledCheck[]>;
  /** Extends the caller's lease while it runs the check; false when it no longer holds it. */
  renewCheckClaim(id: string, owner: string, leaseUntil: number): Promise<boolean>;
  /** Marks a check done (or failed) by its owner; false when another replica took it over meanwhile. */
  finishCheck(id: string, owner: string, outcome: { readonly status: 'done' | 'failed'; readonly at: number }): Promise<boolean>;
  /** An incident's scheduled checks, by due time. */
  scheduledChecks(incidentId: string): Promise<ScheduledCheck[]>;
  /** Every verification of an incident, oldest first (for its timeline). */
  verifications(incidentId: string): Promise<VerificationRecord[]>;
}

/** A fix verification as stored: the verdict for the header, the whole result as JSON for the record. */
export interface VerificationRecord {
  readonly incidentId: string;
  /** The change judged (ISO 8601). */
  readonly since: string;
  readonly verdict: string;
  /** The Verification (src/domain/verify.ts) as JSON-able data. */
  readonly result: unknown;
  /** Slack user id, or `schedule` for a scheduled re-check. */
  readonly requestedBy: string;
  readonly at: number;
}

export interface NewScheduledCheck {
  /** Unique per request (the click's delivery), so a redelivered click schedules nothing twice. */
  readonly id: string;
  readonly incidentId: string;
  readonly dueAt: number;
  readonly requestedBy: string;
  readonly createdAt: number;
}

/** A re-check as stored. The row is the claim: `claimed` by one replica under a lease, then `done` or `failed`. */
export interface ScheduledCheck extends NewScheduledCheck {
  readonly status: 'scheduled' | 'claimed' | 'done' | 'failed';
  readonly owner: string | null;
  readonly leaseUntil: number | null;
  /** Claims so far (a takeover after a lost lease counts again). */
  readonly attempts: number;
  readonly finishedAt: number | null;
}


export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: 'unavailable' | 'not-found' | 'conflict' | 'corrupt',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Which installation of the app (issue 14): one workspace (`teamId`), or on Enterprise Grid a whole
 * organisation installed at once (`isEnterpriseInstall`, keyed by `enterpriseId`).
 */
export interface InstallationKey {
  readonly enterpriseId: string | null;
  readonly teamId: string | null;
  readonly isEnterpriseInstall: boolean;
}

/** An installation as stored. Holds tokens: never log it. */
export interface StoredInstallation extends InstallationKey {
  /** The xoxb- token pymem calls Slack with for this installation. */
  readonly botToken: string;
  readonly botUserId: string | null;
  /** Everything Slack's OAuth answer held, as Bolt keeps it (JSON-able data). */
  readonly installation: unknown;
  readonly installedAt: number;
}

/** Installations of the app in OAuth mode (issue 14), kept in pymem's own store. */
export interface InstallationStorePart {
  /** Stores an installation, replacing an earlier one with the same key (a reinstall, new scopes). */
  saveInstallation(installation: StoredInstallation): Promise<void>;
  /** The installation for a key, or null when the app is not (or no longer) installed there. */
  fetchInstallation(key: InstallationKey): Promise<StoredInstallation | null>;
  /** Removes an installation (uninstalled, tokens revoked); false when there was none. */
  deleteInstallation(key: InstallationKey): Promise<boolean>;
  /** Every installation, by key. */
  installations(): Promise<StoredInstallation[]>;
}
