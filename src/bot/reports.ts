/**
 * The bot's jobs, free of Bolt: run an analysis and post the report, post a re-run in the thread,
 * and apply a checklist tick. Handlers acknowledge Slack first and then call these.
 *
 * After the acknowledgement nothing fails silently: whether the database, the metrics backend or
 * Slack fails, the requester gets a reply that says what failed and what to do (through the
 * request's response_url, or chat.postEphemeral when that fails too).
 */

import type { Logger } from 'pino';
import type { AnalysisEngine } from '../analysis/engine';
import type { ReportJobOutput } from '../analysis/jobs';
import { toBuffer } from '../analysis/bytes';
import { SchedulerError } from '../analysis/scheduler';
import { SharedResults, SharedResultsError } from '../analysis/shared-results';
import { STEP_TITLES, type ChecklistStepId } from '../domain/checklist';
import { formatDuration, formatWindow } from '../domain/format';
import type { LinkContext, Links } from '../domain/links';
import type { StoredReport } from '../domain/report';
import { AccessGate } from './access-gate';
import type { MetricsErrorCode } from '../metrics/errors';
import { noTelemetry, type Telemetry } from '../observability/telemetry';
import { insufficientDataMessage, noticeMessage, rerunMessage, reportMessage, type SlackMessage } from '../slack/blocks';
import { SlackCallError, type Reply, type SlackGateway } from '../slack/gateway';
import { tellRequester, type Requester } from './requester';
import { postWithImage } from '../slack/post-with-image';
import { cannotPostText, CANNOT_POST_CODES, type ChannelHint } from '../slack/postability';
import { StoreError, type IncidentRecord, type Store, type WorkspaceRef } from '../store/store';
import type { ChannelCheck } from './channel-check';
import { MessageUpdater } from './message-updater';
import { analyzingText, busyText, postFailureText, storeUnavailableText, tickNotSavedText, tooSlowText, type StoreStep } from './notices';

export interface ReportDeps {
  readonly engine: AnalysisEngine;
  /** What the configuration adds to a request's identity: the service's resolved queries and limits. */
  readonly settingsKey: (service: string) => string;
  /** The query step of a window ending at endMs, ms: requests whose ends round to the same step ask the same thing. */
  readonly stepMs: (windowMs: number, endMs: number) => number;
  /** Where the data comes from, for the report's footer. */
  readonly sourceDescription: string;
  /**
   * What the channel is told when the backend failed (domain/posted-failure.ts: without the
   * backend's address and error text unless the config shows them); the backend's message when absent.
   */
  readonly postedFailure?: (failure: { readonly code: MetricsErrorCode; readonly message: string }) => string;
  readonly timeZone: string;
  readonly store: Store;
  readonly slack: SlackGateway;
  readonly channels: ChannelCheck;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly newId: () => string;
  readonly analysisTimeoutMs: number;
  readonly defaultWindowMs: number;
  /** A request whose analysis would wait longer than this to start is answered "busy". */
  readonly maxQueueWaitMs: number;
  /** How long a finished analysis serves identical requests; 0: only running ones are shared. */
  readonly resultCacheTtlMs: number;
  readonly digestsAvailable: boolean;
  /** Waits between attempts when Slack has not finished processing an uploaded image yet. */
  readonly imageRetryDelayMs?: number;
  /** Waits between attempts at a database call that failed because the database did not answer, ms. */
  readonly storeRetryDelaysMs?: readonly number[];
  /** First pause before a failed message update is tried again, ms. */
  readonly updateRetryDelayMs?: number;
  readonly telemetry?: Telemetry;
  /** Which channel may query which services; null for no restriction. */
  /** Which channels may see which services; everything is allowed when absent. */
  readonly access?: AccessGate;
  /** The dashboard and runbook links for a service and window; none when absent. */
  readonly links?: (ctx: LinkContext) => Links | null;
  /** The workspace of the request in progress (OAuth mode, issue 14); the single workspace ('') when absent. */
  readonly workspace?: () => WorkspaceRef;
  /** Runs background work (redrawing a stale message) as the incident's workspace's installation; at once when absent. */
  readonly inWorkspace?: <T>(workspace: WorkspaceRef, work: () => Promise<T>) => Promise<T>;
}

export interface CommandRequest {
  /** Logger carrying this request's id. */
  readonly log?: Logger;
  readonly channelId: string;
  /** The slash command's channel_name (`directmessage`, `privategroup`, …): tells conversations Slack hides from the bot apart. */
  readonly channelName?: string | null;
  readonly userId: string;
  readonly service: string;
  readonly windowMs: number | null;
  /** Identity of the Slack request (trigger_id); a redelivery is ignored. */
  readonly deliveryKey: string;
  readonly reply: Reply;
}

export interface RerunRequest {
  /** Logger carrying this request's id. */
  readonly log?: Logger;
  readonly channelId: string;
  readonly messageTs: string;
  readonly userId: string;
  /** Null: the incident's own window. */
  readonly windowMs: number | null;
  readonly deliveryKey: string;
  readonly reply: Reply;
}

export interface TickRequest {
  /** Logger carrying this request's id. */
  readonly log?: Logger;
  readonly channelId: string;
  readonly messageTs: string;
  readonly userId: string;
  readonly stepId: ChecklistStepId;
  readonly checked: boolean;
  readonly requestKey: string;
  readonly reply: Reply;
}

export type Outcome = 'posted' | 'duplicate' | 'failed' | 'no-data' | 'updated' | 'unknown-message' | 'denied' | 'busy' | 'cannot-post' | 'not-saved';

/** What to acknowledge a slash command with, and the work to do after the acknowledgement. */
export type Acceptance =
  | { readonly kind: 'accepted'; readonly ack: SlackMessage; readonly run: () => Promise<Outcome> }
  | { readonly kind: 'busy'; readonly ack: SlackMessage };

/** One analysis, shared by every identical request while it runs and for a while after. */
interface SharedReport {
  readonly output: ReportJobOutput;
  readonly png: Buffer | null;
  /** The chart uploaded once for everyone sharing this result; null again after a failed upload. */
  upload: Promise<string> | null;
}

/** Cached results at most: a report is a PNG of ~100-200 KiB and its diagnosis. */
const CACHE_MAX_ENTRIES = 256;
const CACHE_MAX_BYTES = 48 * 1024 * 1024;
/** Backend failures that may pass by themselves (the backend restarting, overloaded). */
const TRANSIENT_BACKEND_FAILURES: ReadonlySet<string> = new Set(['unreachable', 'timeout', 'server-error']);
/** Rendering and posting after the backend answered: the requester's own deadline allows for them. */
const AFTER_FETCH_ALLOWANCE_MS = 5_000;


export class ReportService {
  /** Brings report messages up to date with the stored checklist (ticks, retries, sweeps). */
  private readonly updater: MessageUpdater;
  private readonly posted: (failure: { readonly code: MetricsErrorCode; readonly message: string }) => string;
  private readonly telemetry: Telemetry;
  /** Aborted on shutdown: analyses still running give up and tell their requester. */
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly results: SharedResults<SharedReport>;

  constructor(private readonly deps: ReportDeps) {
    this.telemetry = deps.telemetry ?? noTelemetry;
    this.posted = deps.postedFailure ?? ((failure) => failure.message);
    this.updater = new MessageUpdater({
      store: deps.store,
      slack: deps.slack,
      logger: deps.logger,
      digestsAvailable: deps.digestsAvailable,
      telemetry: this.telemetry,
      ...(deps.inWorkspace ? { inWorkspace: deps.inWorkspace } : {}),
      ...(deps.updateRetryDelayMs !== undefined ? { retryDelayMs: deps.updateRetryDelayMs } : {}),
    });
    this.results = new SharedResults<SharedReport>({
      ttlMs: deps.resultCacheTtlMs,
      maxEntries: CACHE_MAX_ENTRIES,
      maxBytes: CACHE_MAX_BYTES,
      sizeOf: (r) => (r.png?.length ?? 0) + JSON.stringify(r.output).length,
      cacheable: (r) => r.output.status !== 'failed',
      now: deps.clock,
    });
  }

  /**
   * Draws again, now and every `sweepIntervalMs`, the report messages whose last update did not reach
   * Slack (after a restart too: the store knows which).
   */
  start(sweepIntervalMs: number): void {
    this.updater.start(sweepIntervalMs);
  }

  /** Draws an incident's report message again from the store (after a change made elsewhere, e.g. Resolve). */
  redraw(incidentId: string): Promise<void> {
    return this.updater.refresh(incidentId);
  }

  /** Resolves when the message updates running now have finished (the last step of a drain). */
  idle(): Promise<void> {
    return this.updater.idle();
  }

  /** Waits up to `graceMs` for work in progress, then cancels what is left and waits for it to reply. */
  async drain(graceMs: number): Promise<void> {
    const settle = Promise.allSettled([...this.inFlight]);
    const timedOut = await Promise.race([settle.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
    if (timedOut) {
      this.stopping.abort();
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 2_000).unref())]);
    }
    await this.idle();
    this.updater.stop();
  }

  private track<T>(job: Promise<T>): Promise<T> {
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job)).catch(() => undefined);
    return job;
  }

  /**
   * Decides how to acknowledge `/pymem <service>`: "Analysing…" and the work to do, or "busy" at once
   * when the analysis would wait longer than allowed to start (an identical request's result, running
   * or cached, is never refused).
   */
  accept(request: CommandRequest): Acceptance {
    const windowMs = request.windowMs ?? this.deps.defaultWindowMs;
    const busy = this.busy(request.service, windowMs);
    if (busy !== null) return { kind: 'busy', ack: noticeMessage(busy) };
    return { kind: 'accepted', ack: noticeMessage(analyzingText(request.service, windowMs)), run: () => this.runCommand(request, true) };
  }

  /** `/pymem <service> [window]`: analyse and post the report with its checklist in the channel. */
  runCommand(request: CommandRequest, admitted = false): Promise<Outcome> {
    return this.track(this.command(request, admitted));
  }

  private async command(request: CommandRequest, admitted: boolean): Promise<Outcome> {
    const log = request.log ?? this.deps.logger;
    const who: Requester = { reply: request.reply, channelId: request.channelId, userId: request.userId, log };
    const hint: ChannelHint = { channelId: request.channelId, channelName: request.channelName ?? null };
    let claimed: boolean;
    try {
      claimed = await this.claim(`command:${request.deliveryKey}`, log);
    } catch (error) {
      return this.storeFailed(who, 'start', request.service, error);
    }
    if (!claimed) {
      log.info({ deliveryKey: request.deliveryKey }, 'duplicate slash command ignored');
      return 'duplicate';
    }
    const access = (this.deps.access ?? AccessGate.open).check(request.channelId, request.service);
    if (!access.allowed) {
      log.warn({ channelId: request.channelId, service: request.service }, 'service not allowed in this channel');
      await this.safeReply(who, access.message);
      return 'denied';
    }
    // Before any work: no analysis, chart or incident for a message that could never be posted.
    const postable = await this.deps.channels.check(hint);
    if (postable.kind === 'cannot-post') {
      log.info({ channelId: request.channelId, reason: postable.reason }, 'pymem cannot post in this channel; told the requester');
      await this.safeReply(who, noticeMessage(cannotPostText(postable.reason)));
      return 'cannot-post';
    }
    const windowMs = request.windowMs ?? this.deps.defaultWindowMs;
    if (!admitted) {
      const busy = this.busy(request.service, windowMs);
      if (busy !== null) {
        await this.safeReply(who, noticeMessage(busy));
        return 'busy';
      }
    }
    const analyzed = await this.analyze(request.service, windowMs, who);
    if (analyzed.kind !== 'ok') return analyzed.kind;

    const report = await this.withChart(request.service, windowMs, analyzed.shared, analyzed.diagnosed, log);
    const incidentId = this.deps.newId();
    const createdAt = this.deps.clock();
    try {
      await this.createIncident({
        id: incidentId,
        channelId: request.channelId,
        service: request.service,
        windowMs,
        endMs: Date.parse(report.diagnosis.window.end),
        report,
        createdBy: request.userId,
        createdAt,
        ...(this.deps.workspace?.() ?? {}),
      }, log);
    } catch (error) {
      return this.storeFailed(who, 'save-report', request.service, error);
    }
    const view = { incidentId, service: request.service, windowMs, createdBy: request.userId, createdAt, state: {}, digestsAvailable: this.deps.digestsAvailable };
    const posted = await this.postWithImageFallback(hint, report, (r) => reportMessage({ ...view, report: r }), who);
    if (!posted) return 'failed';
    try {
      await this.storeCall('recording the posted message', () => this.deps.store.attachMessage(incidentId, posted.ts), log, [200, 1_000, 3_000]);
    } catch (error) {
      return this.storeFailed(who, 'record-message', request.service, error);
    }
    if (posted.report !== report) {
      await this.storeCall('recording that the chart is missing', () => this.deps.store.replaceReport(incidentId, posted.report), log).catch((error: unknown) =>
        log.warn({ err: error, incidentId }, 'could not record that the report went out without its chart; a redraw would show the chart it could not display'),
      );
    }
    return 'posted';
  }

  /** Re-run or another window: a fresh analysis in the incident's thread; the checklist stays as it is. */
  rerun(request: RerunRequest): Promise<Outcome> {
    return this.track(this.rerunNow(request));
  }

  private async rerunNow(request: RerunRequest): Promise<Outcome> {
    const log = request.log ?? this.deps.logger;
    const who: Requester = { reply: request.reply, channelId: request.channelId, userId: request.userId, log };
    let incident: IncidentRecord | null;
    try {
      if (!(await this.claim(`rerun:${request.deliveryKey}`, log))) return 'duplicate';
      incident = await this.incidentOf(request.channelId, request.messageTs);
    } catch (error) {
      return this.storeFailed(who, 'start', null, error);
    }
    if (!incident) {
      await this.safeReply(who, noticeMessage('This report is not in pymem’s records any more, so it cannot be re-run. Run `/pymem &lt;service&gt;` again.'));
      return 'unknown-message';
    }
    const access = (this.deps.access ?? AccessGate.open).check(request.channelId, incident.service);
    if (!access.allowed) {
      await this.safeReply(who, access.message);
      return 'denied';
    }
    const hint: ChannelHint = { channelId: request.channelId };
    const postable = await this.deps.channels.check(hint);
    if (postable.kind === 'cannot-post') {
      await this.safeReply(who, noticeMessage(cannotPostText(postable.reason)));
      return 'cannot-post';
    }
    const windowMs = request.windowMs ?? incident.windowMs;
    const busy = this.busy(incident.service, windowMs);
    if (busy !== null) {
      await this.safeReply(who, noticeMessage(busy));
      return 'busy';
    }
    const analyzed = await this.analyze(incident.service, windowMs, who);
    if (analyzed.kind !== 'ok') return analyzed.kind;
    const report = await this.withChart(incident.service, windowMs, analyzed.shared, analyzed.diagnosed, log);
    const at = this.deps.clock();
    const posted = await this.postWithImageFallback(hint, report, (r) => rerunMessage(incident.service, windowMs, r, request.userId, at), who, incident.messageTs ?? undefined);
    if (!posted) return 'failed';
    // For the timeline; the re-run itself is in the thread already, so a failure here is only logged.
    const d = report.diagnosis;
    await this.storeCall('recording the re-run', () =>
      this.deps.store.recordIncidentEvent({
        incidentId: incident.id,
        kind: 'rerun',
        userId: request.userId,
        at,
        requestKey: `rerun:${request.deliveryKey}`,
        detail: { windowMs, pattern: d.pattern, confidence: d.confidence, verdict: d.verdict, messageTs: posted.ts },
      }), log,
    ).catch((error: unknown) => log.warn({ err: error, incidentId: incident.id }, 'could not record the re-run; the timeline will not list it'));
    return 'posted';
  }

  /** A checklist tick: record who did what and when, then bring the message up to date. */
  tick(request: TickRequest): Promise<Outcome> {
    return this.track(this.tickNow(request));
  }

  private async tickNow(request: TickRequest): Promise<Outcome> {
    const log = request.log ?? this.deps.logger;
    const who: Requester = { reply: request.reply, channelId: request.channelId, userId: request.userId, log };
    let incident: IncidentRecord | null;
    try {
      incident = await this.storeCall('finding the clicked report', () => this.incidentOf(request.channelId, request.messageTs), log);
    } catch (error) {
      // The clicker's checkbox shows a tick the store does not have: redraw once the store answers.
      log.error({ err: error }, 'a tick was not saved: the database did not answer');
      this.updater.refreshMessage(request.channelId, request.messageTs);
      await this.safeReply(who, noticeMessage(tickNotSavedText(STEP_TITLES[request.stepId], request.checked)));
      return 'not-saved';
    }
    if (!incident) {
      await this.safeReply(who, noticeMessage('pymem has no record of this report, so the tick was not saved. Run `/pymem &lt;service&gt;` for a fresh one.'));
      return 'unknown-message';
    }
    const tick = { incidentId: incident.id, stepId: request.stepId, userId: request.userId, checked: request.checked, at: this.deps.clock(), requestKey: request.requestKey };
    let failedOnce = false;
    let applied: boolean;
    try {
      const result = await this.storeCall(
        'recording a tick',
        () =>
          this.deps.store.recordTick(tick).catch((error: unknown) => {
            failedOnce = true;
            throw error;
          }),
        log,
      );
      // A retry after a lost connection finds its own first attempt already stored: still this click's tick.
      applied = result.applied || failedOnce;
    } catch (error) {
      log.error({ err: error, incidentId: incident.id }, 'a tick was not saved: the database did not answer');
      const title = incident.report.checklist.find((s) => s.id === request.stepId)?.title ?? STEP_TITLES[request.stepId];
      await this.safeReply(who, noticeMessage(tickNotSavedText(title, request.checked)));
      await this.updater.refresh(incident.id);
      return 'not-saved';
    }
    if (!applied) log.info({ requestKey: request.requestKey }, 'duplicate tick ignored');
    // Refresh even for a duplicate: a redelivery may mean the first update never reached Slack.
    await this.updater.refresh(incident.id);
    return applied ? 'updated' : 'duplicate';
  }

  /**
   * The incident is tied to its message right after chat.postMessage answers; a click in that
   * instant (or on another replica) may arrive first, so look again briefly before giving up.
   */
  private async incidentOf(channelId: string, messageTs: string): Promise<IncidentRecord | null> {
    for (let attempt = 0; ; attempt++) {
      const incident = await this.deps.store.findIncidentByMessage(channelId, messageTs);
      if (incident || attempt >= 10) return incident;
      await sleep(200);
    }
  }

  /** The busy notice when a new analysis of this would wait too long to start; null when it may go ahead. */
  private busy(service: string, windowMs: number): string | null {
    if (this.results.has(this.keyOf(service, windowMs, this.endOf(windowMs)))) return null;
    const waitMs = this.deps.engine.expectedWaitMs('interactive');
    if (waitMs <= this.deps.maxQueueWaitMs) return null;
    return busyText(service, waitMs, this.deps.engine.stats().queued.interactive);
  }

  /** The end of a window asked for now, rounded down to its query step (the backend sees the same). */
  private endOf(windowMs: number): number {
    const now = this.deps.clock();
    const step = this.deps.stepMs(windowMs, now);
    return Math.floor(now / step) * step;
  }

  private keyOf(service: string, windowMs: number, endMs: number): string {
    // Per workspace: a cached result carries a chart uploaded with that workspace's token.
    const workspace = this.deps.workspace?.() ?? { teamId: '', enterpriseId: '' };
    return JSON.stringify([service, windowMs, endMs, this.deps.settingsKey(service), workspace.teamId, workspace.enterpriseId]);
  }

  private async analyze(
    service: string,
    windowMs: number,
    who: Requester,
  ): Promise<{ kind: 'ok'; shared: SharedReport; diagnosed: Extract<ReportJobOutput, { status: 'diagnosed' }> } | { kind: 'failed' | 'no-data' }> {
    const deadlineMs = this.deps.analysisTimeoutMs + AFTER_FETCH_ALLOWANCE_MS;
    const signal = AbortSignal.any([AbortSignal.timeout(deadlineMs), this.stopping.signal]);
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    const endMs = this.endOf(windowMs);
    let shared: SharedReport;
    try {
      if (this.stopping.signal.aborted) throw new SchedulerError('closed', 'pymem is shutting down');
      const got = await this.results.get(this.keyOf(service, windowMs, endMs), (jobSignal) => this.compute(service, windowMs, endMs, jobSignal, who.log), signal);
      this.telemetry.analysisShared(got.sharing);
      shared = got.value;
    } catch (error) {
      this.telemetry.analysisFinished(seconds(), 'failed');
      const restarting = this.stopping.signal.aborted || (error instanceof SchedulerError && error.code === 'closed');
      const reason = restarting
        ? 'pymem is restarting; run the command again in a minute.'
        : error instanceof SharedResultsError
          ? tooSlowText(deadlineMs)
          : 'something unexpected went wrong on pymem’s side; it has been logged. Run the command again.';
      if (!restarting && !(error instanceof SharedResultsError)) who.log.error({ err: error, service }, 'analysis failed');
      await this.safeReply(who, noticeMessage(`:x: pymem could not analyse \`${service}\` over the last ${formatDuration(windowMs)}: ${reason}`));
      return { kind: 'failed' };
    }
    const output = shared.output;
    switch (output.status) {
      case 'failed': {
        this.telemetry.analysisFinished(seconds(), 'failed');
        const reason =
          output.failure.kind === 'metrics'
            ? output.failure.code === 'aborted'
              ? `the metrics backend did not answer within ${Math.round(this.deps.analysisTimeoutMs / 1000)} s; try a shorter window, or again in a minute.`
              : TRANSIENT_BACKEND_FAILURES.has(output.failure.code)
                ? `${this.posted(output.failure)} Nothing was posted; try again in a minute, and if it keeps failing, whoever runs the metrics backend needs to look at it.`
                : this.posted(output.failure)
            : 'something unexpected went wrong on pymem’s side; it has been logged. Run the command again.';
        await this.safeReply(who, noticeMessage(`:x: pymem could not analyse \`${service}\` over the last ${formatDuration(windowMs)}: ${reason}`));
        return { kind: 'failed' };
      }
      case 'insufficient-data':
        this.telemetry.analysisFinished(seconds(), 'no-data');
        await this.safeReply(who, insufficientDataMessage(output.insufficient));
        return { kind: 'no-data' };
      case 'diagnosed':
        this.telemetry.analysisFinished(seconds(), 'diagnosed');
        who.log.info({ service, pattern: output.diagnosis.pattern, seconds: Math.round(seconds() * 1000) / 1000 }, 'analysed');
        return { kind: 'ok', shared, diagnosed: output };
      default: {
        const unknown: never = output;
        throw new Error(`unknown analysis output ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The one analysis identical requests share: in the pool, off this thread. */
  private async compute(service: string, windowMs: number, endMs: number, signal: AbortSignal, log: Logger): Promise<SharedReport> {
    const output = await this.deps.engine.report({ service, windowMs, endMs, timeoutMs: this.deps.analysisTimeoutMs }, { signal });
    if (output.status === 'failed') {
      if (output.failure.kind === 'metrics') {
        this.telemetry.backendError(output.failure.code);
        log.warn({ code: output.failure.code, service, error: output.failure.message }, 'metrics backend failed');
      } else {
        log.error({ service, error: output.failure.message }, 'analysis failed');
      }
    }
    if (output.status === 'diagnosed' && output.chartError !== null) log.error({ service, error: output.chartError }, 'chart rendering failed');
    const png = output.status === 'diagnosed' && output.png !== null ? toBuffer(output.png) : null;
    // The bytes live in `png`; the output keeps the rest (it is what the cache measures).
    const slim: ReportJobOutput = output.status === 'diagnosed' ? { ...output, png: null } : output;
    return { output: slim, png, upload: null };
  }

  /** Uploads the chart once per shared analysis; a failure leaves a report without a chart that says why. */
  private async withChart(service: string, windowMs: number, shared: SharedReport, result: Extract<ReportJobOutput, { status: 'diagnosed' }>, log: Logger): Promise<StoredReport> {
    const window = result.diagnosis.window;
    const links = this.deps.links?.({ service, startMs: Date.parse(window.start), endMs: Date.parse(window.end) }) ?? null;
    const base = { diagnosis: result.diagnosis, checklist: result.checklist, sourceDescription: this.deps.sourceDescription, timeZone: this.deps.timeZone, links };
    const png = shared.png;
    if (png === null) return { ...base, chartFileId: null, chartProblem: 'the chart could not be drawn (logged on pymem’s side).' };
    if (shared.upload === null) {
      const title = `${service} memory, last ${formatDuration(windowMs)}`;
      const upload = this.deps.slack.uploadImage(png, `${service}-memory-${formatWindow(windowMs)}.png`, title);
      shared.upload = upload;
      // The next requester sharing this analysis tries again rather than inheriting the failure.
      upload.catch(() => {
        if (shared.upload === upload) shared.upload = null;
      });
    }
    try {
      return { ...base, chartFileId: await shared.upload, chartProblem: null };
    } catch (error) {
      const code = error instanceof SlackCallError ? error.code : 'unknown';
      log.warn({ err: error, service }, 'chart upload failed');
      return { ...base, chartFileId: null, chartProblem: `uploading the chart to Slack failed (${code}); the analysis below is complete.` };
    }
  }

  private async postWithImageFallback(
    hint: ChannelHint,
    report: StoredReport,
    build: (report: StoredReport) => SlackMessage,
    who: Requester,
    threadTs?: string,
  ): Promise<{ ts: string; report: StoredReport } | null> {
    const result = await postWithImage(
      this.deps.slack,
      hint.channelId,
      { fileId: report.chartFileId, problem: report.chartProblem },
      (image) => build({ ...report, chartFileId: image.fileId, chartProblem: image.problem }),
      {
        logger: who.log,
        ...(threadTs ? { threadTs } : {}),
        ...(this.deps.imageRetryDelayMs !== undefined ? { retryDelayMs: this.deps.imageRetryDelayMs } : {}),
      },
    );
    if (result.ok) {
      const same = result.image.fileId === report.chartFileId;
      return { ts: result.ts, report: same ? report : { ...report, chartFileId: result.image.fileId, chartProblem: result.image.problem } };
    }
    if (CANNOT_POST_CODES.has(result.code)) this.deps.channels.forget(hint.channelId);
    who.log.warn({ err: result.error, channelId: hint.channelId, code: result.code }, 'posting the report failed');
    await this.safeReply(who, noticeMessage(postFailureText(result.code, hint, report.diagnosis.verdict, this.deps.resultCacheTtlMs)));
    return null;
  }

  /** Claims a Slack request's id; true when this process is the first to see it. */
  private async claim(key: string, log: Logger): Promise<boolean> {
    let failedOnce = false;
    const claimed = await this.storeCall(
      'claiming the request',
      () =>
        this.deps.store.claimDelivery(key, this.deps.clock()).catch((error: unknown) => {
          failedOnce = true;
          throw error;
        }),
      log,
    );
    // Slack redelivers only requests it saw no acknowledgement for, and this one was acknowledged: a
    // claim found taken after a failed attempt is that attempt's own write, not a redelivery.
    return claimed || failedOnce;
  }

  private async createIncident(incident: Parameters<Store['createIncident']>[0], log: Logger): Promise<void> {
    let failedOnce = false;
    try {
      await this.storeCall(
        'saving the report',
        () =>
          this.deps.store.createIncident(incident).catch((error: unknown) => {
            failedOnce = true;
            throw error;
          }),
        log,
      );
    } catch (error) {
      // A conflict on our own fresh id after a lost connection: the first attempt was stored.
      if (failedOnce && error instanceof StoreError && error.code === 'conflict') return;
      throw error;
    }
  }

  /** A database call, tried again when the database did not answer (a dropped connection, a restart). */
  private async storeCall<T>(what: string, op: () => Promise<T>, log: Logger, delays: readonly number[] = this.deps.storeRetryDelaysMs ?? [200, 1_000]): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (error) {
        if (!(error instanceof StoreError) || error.code !== 'unavailable' || attempt >= delays.length) throw error;
        log.warn({ err: error, attempt: attempt + 1 }, `${what}: the database did not answer; trying again`);
        await sleep(delays[attempt]!);
      }
    }
  }

  private async storeFailed(who: Requester, step: StoreStep, service: string | null, error: unknown): Promise<Outcome> {
    who.log.error({ err: error, step }, 'the database failed after the acknowledgement');
    await this.safeReply(who, noticeMessage(storeUnavailableText(step, service)));
    return 'failed';
  }

  /** Replies to the requester; when the response_url fails, as an ephemeral message in the channel. */
  private safeReply(who: Requester, message: SlackMessage): Promise<void> {
    return tellRequester(this.deps.slack, who, message);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
