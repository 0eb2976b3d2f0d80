/**
 * The bot's jobs, free of Bolt: run an analysis and post the report, post a re-run in the thread,
 * and apply a checklist tick. Handlers acknowledge Slack first and then call these.
 */

import type { Logger } from 'pino';
import { analyzeService, type AnalysisDeps, type AnalysisResult } from '../analysis/analyze-service';
import type { ChecklistStepId } from '../domain/checklist';
import type { Diagnosis } from '../domain/diagnosis';
import type { Fleet } from '../domain/fleet';
import { formatDuration, formatWindow } from '../domain/format';
import type { StoredReport } from '../domain/report';
import type { ServiceSeries } from '../domain/series';
import { isMetricsError, MetricsError } from '../metrics/errors';
import { accessAllows, deniedText, type AccessPolicy } from '../domain/access';
import { noTelemetry, type Telemetry } from '../observability/telemetry';
import { insufficientDataMessage, noticeMessage, rerunMessage, reportMessage } from '../slack/blocks';
import { SlackCallError, type Reply, type SlackGateway } from '../slack/gateway';
import type { SlackMessage } from '../slack/blocks';
import { postWithImage } from '../slack/post-with-image';
import type { IncidentRecord, Store } from '../store/store';
import type { Limiter } from './limiter';
import { MessageUpdater } from './message-updater';

export interface ChartPort {
  render(series: ServiceSeries, diagnosis: Diagnosis, fleet: Fleet, timeZone: string): Promise<Buffer>;
}

export interface ReportDeps {
  readonly analysis: AnalysisDeps;
  readonly store: Store;
  readonly slack: SlackGateway;
  readonly charts: ChartPort;
  readonly limiter: Limiter;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly newId: () => string;
  readonly analysisTimeoutMs: number;
  readonly defaultWindowMs: number;
  readonly digestsAvailable: boolean;
  /** Waits between attempts when Slack has not finished processing an uploaded image yet. */
  readonly imageRetryDelayMs?: number;
  readonly telemetry?: Telemetry;
  /** Which channel may query which services; null for no restriction. */
  readonly access?: AccessPolicy | null;
}

export interface CommandRequest {
  /** Logger carrying this request's id. */
  readonly log?: Logger;
  readonly channelId: string;
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

export type Outcome = 'posted' | 'duplicate' | 'failed' | 'no-data' | 'updated' | 'unknown-message' | 'denied';

export class ReportService {
  readonly updater: MessageUpdater;
  private readonly telemetry: Telemetry;
  /** Aborted on shutdown: analyses still running give up and tell their requester. */
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: ReportDeps) {
    this.telemetry = deps.telemetry ?? noTelemetry;
    this.updater = new MessageUpdater({ store: deps.store, slack: deps.slack, logger: deps.logger, digestsAvailable: deps.digestsAvailable });
  }

  /** Waits up to `graceMs` for work in progress, then cancels what is left and waits for it to reply. */
  async drain(graceMs: number): Promise<void> {
    const settle = Promise.allSettled([...this.inFlight]);
    const timedOut = await Promise.race([settle.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
    if (timedOut) {
      this.stopping.abort();
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 2_000).unref())]);
    }
    await this.updater.idle();
  }

  private track<T>(job: Promise<T>): Promise<T> {
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job)).catch(() => undefined);
    return job;
  }

  /** `/pymem <service> [window]`: analyse and post the report with its checklist in the channel. */
  runCommand(request: CommandRequest): Promise<Outcome> {
    return this.track(this.command(request));
  }

  private async command(request: CommandRequest): Promise<Outcome> {
    const log = request.log ?? this.deps.logger;
    if (!(await this.deps.store.claimDelivery(`command:${request.deliveryKey}`, this.deps.clock()))) {
      log.info({ deliveryKey: request.deliveryKey }, 'duplicate slash command ignored');
      return 'duplicate';
    }
    if (!accessAllows(this.deps.access ?? null, request.channelId, request.service)) {
      log.warn({ channelId: request.channelId, service: request.service }, 'service not allowed in this channel');
      await this.safeReply(request.reply, noticeMessage(`:no_entry: ${deniedText(request.service)}`));
      return 'denied';
    }
    const windowMs = request.windowMs ?? this.deps.defaultWindowMs;
    const analysed = await this.analyse(request.service, windowMs, request.reply, log);
    if (analysed.kind !== 'ok') return analysed.kind;

    const report = await this.withChart(request.service, windowMs, analysed.result);
    const incidentId = this.deps.newId();
    const createdAt = this.deps.clock();
    await this.deps.store.createIncident({
      id: incidentId,
      channelId: request.channelId,
      service: request.service,
      windowMs,
      endMs: Date.parse(report.diagnosis.window.end),
      report,
      createdBy: request.userId,
      createdAt,
    });
    const view = {
      incidentId,
      service: request.service,
      windowMs,
      createdBy: request.userId,
      createdAt,
      state: {},
      digestsAvailable: this.deps.digestsAvailable,
    };
    const posted = await this.postWithImageFallback(request.channelId, report, (r) => reportMessage({ ...view, report: r }), request.reply);
    if (!posted) return 'failed';
    await this.deps.store.attachMessage(incidentId, posted.ts);
    if (posted.report !== report) await this.storeReport(incidentId, posted.report);
    return 'posted';
  }

  /** Re-run or another window: a fresh analysis in the incident's thread; the checklist stays as it is. */
  rerun(request: RerunRequest): Promise<Outcome> {
    return this.track(this.rerunNow(request));
  }

  private async rerunNow(request: RerunRequest): Promise<Outcome> {
    const log = request.log ?? this.deps.logger;
    if (!(await this.deps.store.claimDelivery(`rerun:${request.deliveryKey}`, this.deps.clock()))) return 'duplicate';
    const incident = await this.incidentOf(request.channelId, request.messageTs);
    if (!incident) {
      await this.safeReply(request.reply, noticeMessage('This report is not in pymem’s records any more, so it cannot be re-run. Run `/pymem &lt;service&gt;` again.'));
      return 'unknown-message';
    }
    if (!accessAllows(this.deps.access ?? null, request.channelId, incident.service)) {
      await this.safeReply(request.reply, noticeMessage(`:no_entry: ${deniedText(incident.service)}`));
      return 'denied';
    }
    const windowMs = request.windowMs ?? incident.windowMs;
    const analysed = await this.analyse(incident.service, windowMs, request.reply, log);
    if (analysed.kind !== 'ok') return analysed.kind;
    const report = await this.withChart(incident.service, windowMs, analysed.result);
    const at = this.deps.clock();
    const posted = await this.postWithImageFallback(
      request.channelId,
      report,
      (r) => rerunMessage(incident.service, windowMs, r, request.userId, at),
      request.reply,
      incident.messageTs ?? undefined,
    );
    return posted ? 'posted' : 'failed';
  }

  /** A checklist tick: record who did what and when, then bring the message up to date. */
  tick(request: TickRequest): Promise<Outcome> {
    return this.track(this.tickNow(request));
  }

  private async tickNow(request: TickRequest): Promise<Outcome> {
    const incident = await this.incidentOf(request.channelId, request.messageTs);
    if (!incident) {
      await this.safeReply(request.reply, noticeMessage('pymem has no record of this report, so the tick was not saved. Run `/pymem &lt;service&gt;` for a fresh one.'));
      return 'unknown-message';
    }
    const result = await this.deps.store.recordTick({
      incidentId: incident.id,
      stepId: request.stepId,
      userId: request.userId,
      checked: request.checked,
      at: this.deps.clock(),
      requestKey: request.requestKey,
    });
    if (!result.applied) (request.log ?? this.deps.logger).info({ requestKey: request.requestKey }, 'duplicate tick ignored');
    // Refresh even for a duplicate: a redelivery may mean the first update never reached Slack.
    await this.updater.refresh(incident.id);
    return result.applied ? 'updated' : 'duplicate';
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

  private async analyse(
    service: string,
    windowMs: number,
    reply: Reply,
    log: Logger,
  ): Promise<{ kind: 'ok'; result: Extract<AnalysisResult, { status: 'diagnosed' }> } | { kind: 'failed' | 'no-data' }> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.deps.analysisTimeoutMs), this.stopping.signal]);
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    let result: AnalysisResult;
    try {
      result = await this.deps.limiter.run(() => {
        if (this.stopping.signal.aborted) throw new MetricsError('aborted', 'pymem is shutting down');
        return analyzeService(this.deps.analysis, { service, windowMs, endMs: this.deps.clock(), signal });
      });
    } catch (error) {
      this.telemetry.analysisFinished(seconds(), 'failed');
      const reason = this.stopping.signal.aborted
        ? 'pymem is restarting; run the command again in a minute.'
        : isMetricsError(error)
          ? error.code === 'aborted'
            ? `the metrics backend did not answer within ${Math.round(this.deps.analysisTimeoutMs / 1000)} s; try a shorter window, or again in a minute.`
            : error.message
          : 'something unexpected went wrong on pymem’s side; it has been logged.';
      if (isMetricsError(error)) {
        this.telemetry.backendError(error.code);
        log.warn({ code: error.code, service }, 'metrics backend failed');
      } else {
        log.error({ err: error, service }, 'analysis failed');
      }
      await this.safeReply(reply, noticeMessage(`:x: pymem could not analyse \`${service}\` over the last ${formatDuration(windowMs)}: ${reason}`));
      return { kind: 'failed' };
    }
    if (result.status === 'insufficient-data') {
      this.telemetry.analysisFinished(seconds(), 'no-data');
      await this.safeReply(reply, insufficientDataMessage(result.outcome.insufficient));
      return { kind: 'no-data' };
    }
    this.telemetry.analysisFinished(seconds(), 'diagnosed');
    log.info({ service, pattern: result.outcome.diagnosis.pattern, seconds: Math.round(seconds() * 1000) / 1000 }, 'analysed');
    return { kind: 'ok', result };
  }

  /** Renders and uploads the chart; a failure leaves a report without a chart that says why. */
  private async withChart(service: string, windowMs: number, result: Extract<AnalysisResult, { status: 'diagnosed' }>): Promise<StoredReport> {
    const diagnosis = result.outcome.diagnosis;
    const base = {
      diagnosis,
      checklist: result.checklist,
      sourceDescription: this.deps.analysis.source.description,
      timeZone: this.deps.analysis.timeZone,
    };
    let png: Buffer;
    try {
      png = await this.deps.charts.render(result.series, diagnosis, result.outcome.fleet, this.deps.analysis.timeZone);
    } catch (error) {
      this.deps.logger.error({ err: error, service }, 'chart rendering failed');
      return { ...base, chartFileId: null, chartProblem: 'the chart could not be drawn (logged on pymem’s side).' };
    }
    try {
      const title = `${service} memory, last ${formatDuration(windowMs)}`;
      const fileId = await this.deps.slack.uploadImage(png, `${service}-memory-${formatWindow(windowMs)}.png`, title);
      return { ...base, chartFileId: fileId, chartProblem: null };
    } catch (error) {
      const code = error instanceof SlackCallError ? error.code : 'unknown';
      this.deps.logger.warn({ err: error, service }, 'chart upload failed');
      return { ...base, chartFileId: null, chartProblem: `uploading the chart to Slack failed (${code}); the analysis below is complete.` };
    }
  }

  private async postWithImageFallback(
    channelId: string,
    report: StoredReport,
    build: (report: StoredReport) => SlackMessage,
    reply: Reply,
    threadTs?: string,
  ): Promise<{ ts: string; report: StoredReport } | null> {
    const result = await postWithImage(
      this.deps.slack,
      channelId,
      { fileId: report.chartFileId, problem: report.chartProblem },
      (image) => build({ ...report, chartFileId: image.fileId, chartProblem: image.problem }),
      {
        logger: this.deps.logger,
        ...(threadTs ? { threadTs } : {}),
        ...(this.deps.imageRetryDelayMs !== undefined ? { retryDelayMs: this.deps.imageRetryDelayMs } : {}),
      },
    );
    if (result.ok) {
      const same = result.image.fileId === report.chartFileId;
      return { ts: result.ts, report: same ? report : { ...report, chartFileId: result.image.fileId, chartProblem: result.image.problem } };
    }
    this.deps.logger.warn({ err: result.error, channelId }, 'posting the report failed');
    await this.safeReply(reply, noticeMessage(postFailureText(result.code)));
    return null;
  }

  /** The message went out without its chart: keep the stored report in line so re-renders match. */
  private async storeReport(incidentId: string, report: StoredReport): Promise<void> {
    await this.deps.store.replaceReport(incidentId, report);
  }

  private async safeReply(reply: Reply, message: ReturnType<typeof noticeMessage>): Promise<void> {
    try {
      await reply(message);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not reply to the requester');
    }
  }
}

export function postFailureText(code: string): string {
  switch (code) {
    case 'not_in_channel':
    case 'channel_not_found':
      return ':x: pymem cannot post in this channel. Invite it first: `/invite @pymem`, then run the command again.';
    case 'is_archived':
      return ':x: This channel is archived, so pymem cannot post the report here.';
    case 'ratelimited':
      return ':hourglass: Slack is rate-limiting pymem right now; try again in a minute.';
    case 'transport':
      return ':x: pymem could not reach Slack to post the report; try again in a minute.';
    default:
      return `:x: Slack refused the report (${code}); it has been logged.`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
