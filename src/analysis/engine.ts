/**
 * Where analyses and charts are computed. The bot uses a pool of worker threads (pool.ts) so that
 * no acknowledgement waits behind a chart; the command line and unit tests use InlineEngine, the
 * same jobs on the calling thread. Both queue through the same scheduler.
 */

import type { DigestChartOptions, DigestPanelInput } from '../charts/digest-spec';
import type { MeasureRequest, MeasureResult } from './measure';
import type { AnalysisDeps } from './analyze-service';
import {
  digestChartJob,
  doctorJob,
  measureJob,
  reportJob,
  type ChartRenderers,
  type DoctorJobInput,
  type DoctorJobOutput,
  type JobContext,
  type ReportJobInput,
  type ReportJobOutput,
  verifyJob,
  type VerifyJobInput,
  type VerifyJobOutput,
} from './jobs';
import { TaskScheduler, type JobPriority, type SchedulerStats } from './scheduler';

export interface EngineStats extends SchedulerStats {
  /** Threads computing (0: the calling thread). */
  readonly threads: number;
}

export interface JobOptions {
  /** Aborted: a job that has not started yet is dropped. */
  readonly signal?: AbortSignal;
}

export interface AnalysisEngine {
  /** Fetch, analyse and draw the chart for a report (interactive priority). */
  report(input: ReportJobInput, options?: JobOptions): Promise<ReportJobOutput>;
  /** Probe every source preset for one service, `/pymem doctor` (interactive priority). */
  doctor(input: DoctorJobInput, options?: JobOptions): Promise<DoctorJobOutput>;
  /** Measure one service for a digest (background priority). */
  measure(input: MeasureRequest, options?: JobOptions): Promise<MeasureResult>;
  /** Draw the digest's chart (background priority). */
  digestChart(panels: readonly DigestPanelInput[], options: DigestChartOptions): Promise<Buffer>;
  /** About how long a job of this priority submitted now would wait before it starts, in ms. */
  expectedWaitMs(priority: JobPriority): number;
  stats(): EngineStats;
  /** Refuses new jobs, drops waiting ones, lets running ones finish (at most `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
}

/** Where verification jobs run: the bot's thread pool, or inline. */
export interface VerifyEngine {
  /** Fetch, compare before and after, and draw the chart (interactive priority). */
  verify(input: VerifyJobInput, options?: { readonly signal?: AbortSignal }): Promise<VerifyJobOutput>;
}

/** This thread's renderers, loaded on first use (canvas is heavy to load, and a dry run never draws). */
export const lazyCharts: ChartRenderers = {
  async memory(series, diagnosis, fleet, timeZone) {
    const { renderMemoryChartPng } = await import('../charts/render-memory-chart.js');
    return renderMemoryChartPng(series, diagnosis, fleet, timeZone);
  },
  async digest(panels, options) {
    const { renderDigestChartPng } = await import('../charts/render-digest-chart.js');
    return renderDigestChartPng(panels, options);
  },
  async verify(verification, fleet, timeZone) {
    const { renderVerifyChartPng } = await import('../charts/render-verify-chart.js');
    return renderVerifyChartPng(verification, fleet, timeZone);
  },
};

/** The jobs on the calling thread, `slots` at a time. */
export class InlineEngine implements AnalysisEngine, VerifyEngine {
  private readonly scheduler: TaskScheduler;
  private readonly context: JobContext;

  /** `slots`: jobs at once, for reports and digest measurements together or each. */
  constructor(analysis: AnalysisDeps, options: { readonly slots?: number | Readonly<Record<JobPriority, number>>; readonly charts?: ChartRenderers } = {}) {
    this.scheduler = new TaskScheduler(options.slots ?? 4);
    this.context = { analysis, charts: options.charts ?? lazyCharts };
  }

  report(input: ReportJobInput, options: JobOptions = {}): Promise<ReportJobOutput> {
    return this.scheduler.run('interactive', () => reportJob(this.context, input), options.signal);
  }

  doctor(input: DoctorJobInput, options: JobOptions = {}): Promise<DoctorJobOutput> {
    return this.scheduler.run('interactive', () => doctorJob(this.context, input), options.signal);
  }

  measure(input: MeasureRequest, options: JobOptions = {}): Promise<MeasureResult> {
    return this.scheduler.run('background', () => measureJob(this.context, input), options.signal);
  }

  verify(input: VerifyJobInput, options: JobOptions = {}): Promise<VerifyJobOutput> {
    return this.scheduler.run('interactive', () => verifyJob(this.context, input), options.signal);
  }

  digestChart(panels: readonly DigestPanelInput[], options: DigestChartOptions): Promise<Buffer> {
    return this.scheduler.run('background', () => digestChartJob(this.context, { panels, options }));
  }

  expectedWaitMs(priority: JobPriority): number {
    return this.scheduler.expectedWaitMs(priority);
  }

  stats(): EngineStats {
    return { threads: 0, ...this.scheduler.stats() };
  }

  async close(): Promise<void> {
    this.scheduler.close();
  }
}

/**
 * The panels the digest chart needs in full: those it draws. The rest only count in its footer,
 * so their series are left behind rather than copied to a worker thread (5,000 services x a day).
 */
export function panelsToDraw(panels: readonly DigestPanelInput[], maxPanels: number): DigestPanelInput[] {
  return panels.map((p, i) => (i < maxPanels ? p : { ...p, totalBytes: new Float64Array(0) }));
}
