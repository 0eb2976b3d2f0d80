/**
 * Keeps a report message equal to the stored state, however many ticks arrive at once, and whatever
 * Slack or the database do meanwhile.
 *
 * Ticks only write to the store; this re-renders from the store. Per incident, one refresh runs at
 * a time and any request made meanwhile is folded into one more pass, so a burst of twenty clicks
 * costs a handful of chat.update calls. After each update it records the version Slack now shows
 * and re-reads the version: if a tick landed while the update was on its way (here or on another
 * replica), it renders again.
 *
 * An update that finally fails (Slack rate-limited it past its deadline, Slack or the database was
 * down) is tried again later, with a growing pause; and every few minutes, and when the process
 * starts, messages the store knows to be behind (rendered_version < version) are drawn again. So
 * a message converges to the stored state even across restarts.
 */

import type { Logger } from 'pino';
import type { IncidentRecord, Store, WorkspaceRef } from '../store/store';
import { SlackCallError, type SlackGateway } from '../slack/gateway';
import { z } from 'zod';
import { reportMessage } from '../slack/blocks';
import { noTelemetry, type Telemetry } from '../observability/telemetry';

interface Pass {
  dirty: boolean;
  readonly done: Promise<void>;
}

export interface UpdaterDeps {
  readonly store: Store;
  readonly slack: SlackGateway;
  readonly logger: Logger;
  readonly digestsAvailable: boolean;
  /** Safety bound on passes per refresh, in case the version never settles. */
  readonly maxPasses?: number;
  /** First pause before trying a failed update again, ms; it doubles up to maxRetryDelayMs. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Told how many messages wait for a retry whenever that changes. */
  readonly telemetry?: Telemetry;
  /** Runs a sweep's redraw as the incident's workspace's installation (OAuth mode, issue 14); at once when absent. */
  readonly inWorkspace?: <T>(workspace: WorkspaceRef, work: () => Promise<T>) => Promise<T>;
}

/** Slack's answers after which updating this message can never work: stop trying. */
const PERMANENT = new Set(['message_not_found', 'channel_not_found', 'is_archived', 'not_in_channel', 'cant_update_message', 'edit_window_closed', 'invalid_blocks', 'msg_too_long']);
/** Messages drawn again per sweep, at most. */
const SWEEP_BATCH = 50;

export class MessageUpdater {
  private readonly running = new Map<string, Pass>();
  /** Incidents waiting to be tried again, with the attempt count. */
  private readonly retries = new Map<string, { timer: NodeJS.Timeout; attempt: number }>();
  /** Messages whose incident could not be looked up (the store was down), keyed "channel ts". */
  private readonly unresolved = new Map<string, NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly deps: UpdaterDeps) {}

  /**
   * Resolves once the message shows a version at least as new as the one stored when this was called,
   * or once a retry is scheduled because that could not be done now. Never rejects.
   */
  refresh(incidentId: string): Promise<void> {
    const current = this.running.get(incidentId);
    if (current) {
      current.dirty = true;
      return current.done;
    }
    const pass: { dirty: boolean; done: Promise<void> } = { dirty: true, done: Promise.resolve() };
    this.running.set(incidentId, pass);
    pass.done = this.loop(incidentId, pass);
    return pass.done;
  }

  /**
   * Redraws the message at (channel, ts) once its incident can be read: for a click that arrived
   * while the store was down, so the clicker's unsaved tick disappears again.
   */
  refreshMessage(channelId: string, messageTs: string, attempt = 0): void {
    const key = `${channelId} ${messageTs}`;
    if (this.stopped || this.unresolved.has(key)) return;
    const timer = setTimeout(() => {
      this.unresolved.delete(key);
      this.deps.store.findIncidentByMessage(channelId, messageTs).then(
        (incident) => {
          if (incident) void this.refresh(incident.id);
        },
        () => this.refreshMessage(channelId, messageTs, attempt + 1),
      );
    }, this.delay(attempt));
    timer.unref();
    this.unresolved.set(key, timer);
  }

  /** Draws again the messages whose last update did not reach Slack; returns how many it found. */
  async sweep(): Promise<number> {
    let stale: IncidentRecord[];
    try {
      stale = await this.deps.store.staleIncidents(SWEEP_BATCH);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not look for report messages to bring up to date (database unavailable); trying again later');
      return 0;
    }
    for (const incident of stale) {
      if (this.retries.has(incident.id)) continue;
      const inWorkspace = this.deps.inWorkspace;
      if (inWorkspace === undefined) void this.refresh(incident.id);
      else void inWorkspace(incident, () => this.refresh(incident.id)).catch((error: unknown) => this.deps.logger.warn({ err: error, incidentId: incident.id }, 'could not bring a report message up to date'));
    }
    if (stale.length > 0) this.deps.logger.info({ count: stale.length }, 'bringing report messages up to date whose last update did not reach Slack');
    return stale.length;
  }

  /** Sweeps now and then every `intervalMs`. */
  start(intervalMs: number): void {
    void this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), intervalMs);
    this.sweeper.unref();
  }

  /** Stops sweeping and retrying (what is still behind is found by the next process's sweep). */
  stop(): void {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const { timer } of this.retries.values()) clearTimeout(timer);
    for (const timer of this.unresolved.values()) clearTimeout(timer);
    this.retries.clear();
    this.unresolved.clear();
    this.countRetries();
  }

  /** Resolves when the refreshes running now have finished (graceful shutdown waits for it). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((p) => p.done));
  }

  private async loop(incidentId: string, pass: Pass): Promise<void> {
    const maxPasses = this.deps.maxPasses ?? 25;
    try {
      for (let n = 0; ; n++) {
        // Checked and cleared in the same synchronous step, so a request arriving later starts a new pass.
        if (!pass.dirty || n >= maxPasses) {
          if (pass.dirty) this.deps.logger.warn({ incidentId }, 'checklist kept changing; stopped re-rendering after the pass limit');
          this.running.delete(incidentId);
          return;
        }
        await this.render(incidentId, pass);
      }
    } catch (error) {
      this.running.delete(incidentId);
      this.failed(incidentId, error);
    }
  }

  private async render(incidentId: string, pass: Pass): Promise<void> {
    pass.dirty = false;
    const incident = await this.deps.store.getIncident(incidentId);
    if (!incident || incident.messageTs === null) return;
    const state = await this.deps.store.checklistState(incidentId);
    const latest = await this.deps.store.latestVerification(incidentId);
    const message = reportMessage({
      latestVerification: latest === null ? null : { verdict: latest.verdict, summary: verificationSummary(latest.result), requestedBy: latest.requestedBy, at: latest.at },
      incidentId,
      service: incident.service,
      windowMs: incident.windowMs,
      createdBy: incident.createdBy,
      createdAt: incident.createdAt,
      report: incident.report,
      state,
      digestsAvailable: this.deps.digestsAvailable,
      resolution: incident.resolution,
    });
    await this.deps.slack.updateMessage(incident.channelId, incident.messageTs, message);
    await this.deps.store.markRendered(incidentId, incident.version);
    this.clearRetry(incidentId);
    const after = await this.deps.store.getIncident(incidentId);
    if (after && after.version !== incident.version) pass.dirty = true;
  }

  private failed(incidentId: string, error: unknown): void {
    if (error instanceof SlackCallError && PERMANENT.has(error.code)) {
      // The message is gone or frozen: nothing will ever show the new state, so stop asking.
      this.deps.logger.warn({ err: error, incidentId }, 'the report message can no longer be updated; giving up on it');
      this.clearRetry(incidentId);
      void this.deps.store
        .getIncident(incidentId)
        .then((incident) => (incident ? this.deps.store.markRendered(incidentId, incident.version) : undefined))
        .catch(() => undefined);
      return;
    }
    if (this.stopped) return;
    const attempt = (this.retries.get(incidentId)?.attempt ?? -1) + 1;
    const retryAfter = error instanceof SlackCallError ? (error.retryAfterMs ?? 0) : 0;
    const delay = Math.max(retryAfter, this.delay(attempt));
    this.deps.logger.warn({ err: error, incidentId, retryInMs: delay }, 'could not bring the report message up to date; trying again later');
    this.clearRetry(incidentId);
    const timer = setTimeout(() => {
      void this.refresh(incidentId);
    }, delay);
    timer.unref();
    this.retries.set(incidentId, { timer, attempt });
    this.countRetries();
  }

  private clearRetry(incidentId: string): void {
    const pending = this.retries.get(incidentId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.retries.delete(incidentId);
    this.countRetries();
  }

  private countRetries(): void {
    (this.deps.telemetry ?? noTelemetry).reportUpdatesWaiting(this.retries.size);
  }

  private delay(attempt: number): number {
    const first = this.deps.retryDelayMs ?? 2_000;
    return Math.min(this.deps.maxRetryDelayMs ?? 5 * 60_000, first * 2 ** Math.min(attempt, 20));
  }
}

/** The one-line summary a stored verification carries (src/domain/verify.ts), or its verdict's words when it has none. */
function verificationSummary(result: unknown): string {
  const parsed = z.object({ summary: z.string() }).safeParse(result);
  return parsed.success ? parsed.data.summary : 'see the thread';
}
