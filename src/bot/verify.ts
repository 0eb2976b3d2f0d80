/**
 * Verifying a fix from Slack (issue 13), free of Bolt: `/pymem verify`, the "Verify fix" button, the
 * "Check again in 1 h" button, and the scheduled re-check it leaves in the store. The comparison runs
 * on the analysis engine; the result goes into the report's thread, is stored, and the report's
 * header is redrawn to show the latest verdict.
 */

import type { Logger } from 'pino';
import { toBuffer } from '../analysis/bytes';
import type { VerifyEngine } from '../analysis/engine';
import type { VerifyJobOutput } from '../analysis/jobs';
import type { MetricsErrorCode } from '../metrics/errors';
import { MIN_BEFORE_MS, type SinceChoice, type Verification } from '../domain/verify';
import { noticeMessage, type SlackMessage } from '../slack/blocks';
import { SlackCallError, type Reply, type SlackGateway } from '../slack/gateway';
import { tellRequester, type Requester } from './requester';
import { postWithImage } from '../slack/post-with-image';
import { cannotPostText, CANNOT_POST_CODES, reasonFromError } from '../slack/postability';
import { RECHECK_AFTER_MS, recheckScheduledText, verificationMessage, verifyingText } from '../slack/verify-blocks';
import type { IncidentRecord, ScheduledCheck, Store } from '../store/store';
import { AccessGate } from './access-gate';
import type { ChannelCheck } from './channel-check';
import { resolveSince, type SinceText } from './command';
import { storeUnavailableText, verifyFailedText, verifyPostFailedText } from './notices';

export interface VerifyDeps {
  readonly engine: VerifyEngine;
  readonly store: Store;
  readonly slack: SlackGateway;
  readonly channels: ChannelCheck;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly timeZone: string;
  /** Where the data comes from, for the result's footer. */
  readonly sourceDescription: string;
  readonly analysisTimeoutMs: number;
  readonly defaultWindowMs: number;
  readonly maxWindowMs: number;
  /** Redraws the report message (its header shows the latest verdict). */
  readonly refreshReport: (incidentId: string) => Promise<void>;
  /** Which channel may see which service: the bot's one gate; open when absent. */
  readonly access?: AccessGate;
  /** What the channel is told when the backend failed (see ReportDeps.postedFailure). */
  readonly postedFailure?: (failure: { readonly code: MetricsErrorCode; readonly message: string }) => string;
}

export interface VerifyCommandRequest {
  readonly log?: Logger;
  readonly channelId: string;
  readonly userId: string;
  readonly service: string;
  readonly since: SinceText;
  /** Identity of the Slack request; a redelivery is ignored. */
  readonly deliveryKey: string;
  readonly reply: Reply;
}

export interface VerifyClickRequest {
  readonly log?: Logger;
  readonly channelId: string;
  readonly userId: string;
  /** The button's value. */
  readonly incidentId: string;
  readonly requestKey: string;
  readonly reply: Reply;
}

export type VerifyOutcome = 'posted' | 'scheduled' | 'duplicate' | 'failed' | 'no-data' | 'no-report' | 'denied' | 'cannot-post';


/** Rendering and posting after the backend answered. */
const AFTER_FETCH_ALLOWANCE_MS = 5_000;

export class VerifyService {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: VerifyDeps) {}

  /** `/pymem verify <service> [since <time>]`: about the newest report of the service in this channel. */
  command(request: VerifyCommandRequest): Promise<VerifyOutcome> {
    return this.track(this.commandNow(request));
  }

  /** "Verify fix" under a report. */
  click(request: VerifyClickRequest): Promise<VerifyOutcome> {
    return this.track(this.clickNow(request));
  }

  /** "Check again in 1 h": a stored row that one replica runs when it is due (RecheckRunner). */
  scheduleRecheck(request: VerifyClickRequest): Promise<VerifyOutcome> {
    return this.track(this.scheduleNow(request));
  }

  /** Runs a claimed re-check; 'failed' only when it could not be carried out at all (the thread is told either way). */
  runScheduled(check: ScheduledCheck, log: Logger = this.deps.logger): Promise<'done' | 'failed'> {
    return this.track(this.runScheduledNow(check, log));
  }

  /** Waits for work in progress (shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(job: Promise<T>): Promise<T> {
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job)).catch(() => undefined);
    return job;
  }

  private async commandNow(request: VerifyCommandRequest): Promise<VerifyOutcome> {
    const who = this.requester(request);
    let incident: IncidentRecord | null;
    try {
      if (!(await this.deps.store.claimDelivery(`verify:${request.deliveryKey}`, this.deps.clock()))) return 'duplicate';
      incident = await this.deps.store.latestIncident(request.channelId, request.service);
    } catch (error) {
      return this.storeFailed(who, request.service, error);
    }
    const access = (this.deps.access ?? AccessGate.open).check(request.channelId, request.service);
    if (!access.allowed) {
      await this.safeReply(who, access.message);
      return 'denied';
    }
    if (incident === null) {
      await this.safeReply(
        who,
        noticeMessage(`:mag: There is no pymem report for \`${request.service}\` in this channel to verify against. Run \`/pymem ${request.service}\` first; the verification goes into its thread.`),
      );
      return 'no-report';
    }
    const since = resolveSince(request.since, this.deps.clock(), this.deps.timeZone, incident.createdAt);
    return this.verifyAndPost(incident, since, request.userId, who);
  }

  private async clickNow(request: VerifyClickRequest): Promise<VerifyOutcome> {
    const who = this.requester(request);
    const incident = await this.incidentFor(request, who, 'verify:');
    if (typeof incident === 'string') return incident;
    await this.safeReply(who, noticeMessage(verifyingText(incident.service)));
    // The same since a re-check would use: the latest deploy the data shows, else the report.
    return this.verifyAndPost(incident, { kind: 'latest-deploy', fallbackMs: incident.createdAt }, request.userId, who);
  }

  private async scheduleNow(request: VerifyClickRequest): Promise<VerifyOutcome> {
    const who = this.requester(request);
    const incident = await this.incidentFor(request, who, 'recheck:');
    if (typeof incident === 'string') return incident;
    const now = this.deps.clock();
    const dueAt = now + RECHECK_AFTER_MS;
    try {
      await this.deps.store.scheduleCheck({ id: `recheck:${request.requestKey}`, incidentId: incident.id, dueAt, requestedBy: request.userId, createdAt: now });
    } catch (error) {
      return this.storeFailed(who, incident.service, error);
    }
    await this.safeReply(who, noticeMessage(recheckScheduledText(incident.service, dueAt, this.deps.timeZone)));
    return 'scheduled';
  }

  private async runScheduledNow(check: ScheduledCheck, log: Logger): Promise<'done' | 'failed'> {
    const incident = await this.deps.store.getIncident(check.incidentId);
    if (incident === null || incident.messageTs === null) {
      log.warn({ checkId: check.id, incidentId: check.incidentId }, 'a scheduled re-check is about a report pymem no longer has; dropped');
      return 'failed';
    }
    // The change the last verification judged, so the re-check answers the same question with more data.
    const latest = await this.deps.store.latestVerification(incident.id);
    const since: SinceChoice =
      latest !== null && Number.isFinite(Date.parse(latest.since))
        ? { kind: 'at', ms: Date.parse(latest.since), origin: 'given' }
        : { kind: 'latest-deploy', fallbackMs: incident.createdAt };
    const outcome = await this.verifyAndPost(incident, since, null, null, log);
    return outcome === 'posted' || outcome === 'no-data' ? 'done' : 'failed';
  }

  /** The incident a button names, after the duplicate, access and postability checks; a string is the outcome when there is none. */
  private async incidentFor(request: VerifyClickRequest, who: Requester, prefix: string): Promise<IncidentRecord | VerifyOutcome> {
    let incident: IncidentRecord | null;
    try {
      if (!(await this.deps.store.claimDelivery(`${prefix}${request.requestKey}`, this.deps.clock()))) return 'duplicate';
      incident = await this.deps.store.getIncident(request.incidentId);
    } catch (error) {
      return this.storeFailed(who, null, error);
    }
    if (incident === null || incident.messageTs === null || incident.channelId !== request.channelId) {
      await this.safeReply(who, noticeMessage('pymem has no record of this report any more, so it cannot verify against it. Run `/pymem &lt;service&gt;` for a fresh one.'));
      return 'no-report';
    }
    const access = (this.deps.access ?? AccessGate.open).check(request.channelId, incident.service);
    if (!access.allowed) {
      await this.safeReply(who, access.message);
      return 'denied';
    }
    return incident;
  }

  /** Compare, post in the report's thread, store, and redraw the report's header. `who` is null for a scheduled re-check. */
  private async verifyAndPost(incident: IncidentRecord, since: SinceChoice, requestedBy: string | null, who: Requester | null, log: Logger = who?.log ?? this.deps.logger): Promise<VerifyOutcome> {
    const threadTs = incident.messageTs!;
    const tell = async (message: SlackMessage): Promise<void> => {
      if (who !== null) return this.safeReply(who, message);
      // Nobody is waiting on a scheduled re-check: the thread is where its requester looks.
      await this.deps.slack.postMessage(incident.channelId, message, { threadTs }).catch((error: unknown) => log.error({ err: error }, 'could not post in the report thread'));
    };
    const postable = await this.deps.channels.check({ channelId: incident.channelId });
    if (postable.kind === 'cannot-post') {
      if (who !== null) await this.safeReply(who, noticeMessage(cannotPostText(postable.reason)));
      return 'cannot-post';
    }
    const now = this.deps.clock();
    const windowMs = this.windowFor(since, now, incident.createdAt);
    let output: VerifyJobOutput;
    try {
      output = await this.deps.engine.verify(
        { service: incident.service, endMs: now, windowMs, since, timeoutMs: this.deps.analysisTimeoutMs, chart: true },
        { signal: AbortSignal.timeout(this.deps.analysisTimeoutMs + AFTER_FETCH_ALLOWANCE_MS) },
      );
    } catch (error) {
      log.error({ err: error, service: incident.service }, 'verification failed');
      await tell(noticeMessage(verifyFailedText(incident.service, { kind: 'internal' })));
      return 'failed';
    }
    switch (output.status) {
      case 'failed': {
        const failure = output.failure;
        if (failure.kind === 'internal') log.error({ service: incident.service, error: failure.message }, 'verification failed');
        else log.warn({ service: incident.service, code: failure.code, error: failure.message }, 'metrics backend failed while verifying a fix');
        const posted = failure.kind === 'metrics' ? (this.deps.postedFailure ?? ((f: { readonly message: string }) => f.message))(failure) : '';
        await tell(noticeMessage(verifyFailedText(incident.service, failure.kind === 'metrics' ? { kind: 'metrics', posted } : { kind: 'internal' })));
        return 'failed';
      }
      case 'insufficient-data':
        await tell(noticeMessage(`:mag: *pymem cannot verify the fix for \`${incident.service}\` from this data.* ${output.message}`));
        return 'no-data';
      case 'verified':
        break;
      default: {
        const unknown: never = output;
        throw new Error(`unknown verify output ${JSON.stringify(unknown)}`);
      }
    }
    if (output.chartError !== null) log.error({ service: incident.service, error: output.chartError }, 'verification chart rendering failed');
    const v = output.verification;
    const image = await this.upload(output.png, v, log);
    const at = this.deps.clock();
    const build = (chosen: { fileId: string | null; problem: string | null }): SlackMessage =>
      verificationMessage({
        incidentId: incident.id,
        verification: v,
        chartFileId: chosen.fileId,
        chartProblem: chosen.problem,
        requestedBy,
        at,
        timeZone: this.deps.timeZone,
        sourceDescription: this.deps.sourceDescription,
      });
    const posted = await postWithImage(this.deps.slack, incident.channelId, image, build, { threadTs, logger: log });
    if (!posted.ok) {
      if (CANNOT_POST_CODES.has(posted.code)) this.deps.channels.forget(incident.channelId);
      log.warn({ err: posted.error, code: posted.code }, 'posting the verification failed');
      const reason = reasonFromError(posted.code, { channelId: incident.channelId });
      await tell(noticeMessage(reason !== null ? cannotPostText(reason) : verifyPostFailedText(posted.code, v.summary)));
      return 'failed';
    }
    try {
      await this.deps.store.recordVerification({ incidentId: incident.id, since: v.since, verdict: v.verdict, result: v, requestedBy: requestedBy ?? 'schedule', at });
    } catch (error) {
      // Posted, so the answer is out; only the header will not show it.
      log.error({ err: error, incidentId: incident.id }, 'could not store the verification; the report header will not show it');
      return 'posted';
    }
    await this.deps.refreshReport(incident.id).catch((error: unknown) => log.warn({ err: error, incidentId: incident.id }, 'could not redraw the report header'));
    log.info({ service: incident.service, verdict: v.verdict, since: v.since }, 'verified a fix');
    return 'posted';
  }

  /**
   * The window to fetch: the configured default, stretched so that the time before the change is at
   * least as long as the time since it (and at least MIN_BEFORE_MS), within the longest allowed.
   */
  private windowFor(since: SinceChoice, now: number, reportAtMs: number): number {
    const sinceMs = since.kind === 'at' ? since.ms : (since.fallbackMs ?? reportAtMs);
    const after = Math.max(0, now - sinceMs);
    return Math.min(this.deps.maxWindowMs, Math.max(this.deps.defaultWindowMs, 2 * after, after + MIN_BEFORE_MS));
  }

  private async upload(png: Uint8Array | null, v: Verification, log: Logger): Promise<{ fileId: string | null; problem: string | null }> {
    if (png === null) return { fileId: null, problem: 'the chart could not be drawn (logged on pymem’s side).' };
    try {
      const fileId = await this.deps.slack.uploadImage(toBuffer(png), `${v.service}-verify.png`, `${v.service}: before and after ${v.since}`);
      return { fileId, problem: null };
    } catch (error) {
      const code = error instanceof SlackCallError ? error.code : 'unknown';
      log.warn({ err: error }, 'verification chart upload failed');
      return { fileId: null, problem: `uploading the chart to Slack failed (${code}); the verdict below is complete.` };
    }
  }

  private requester(request: { readonly reply: Reply; readonly channelId: string; readonly userId: string; readonly log?: Logger }): Requester {
    return { reply: request.reply, channelId: request.channelId, userId: request.userId, log: request.log ?? this.deps.logger };
  }

  private async storeFailed(who: Requester, service: string | null, error: unknown): Promise<VerifyOutcome> {
    who.log.error({ err: error }, 'the database failed while verifying a fix');
    await this.safeReply(who, noticeMessage(storeUnavailableText('start', service)));
    return 'failed';
  }

  /** Replies to the requester; when the response_url fails, as an ephemeral message in the channel. */
  private safeReply(who: Requester, message: SlackMessage): Promise<void> {
    return tellRequester(this.deps.slack, who, message);
  }
}

