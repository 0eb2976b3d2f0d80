/**
 * The CPU-heavy work behind a report or a digest, as jobs with plain-data inputs and outputs: fetch
 * and analyse a service and draw its chart, measure a service for the digest, draw the digest chart.
 * The bot runs them on worker threads (worker.ts); the command line and tests run them inline.
 * Failures come back as values, since an Error's class and code do not survive a thread boundary.
 */

import type { DigestChartOptions, DigestPanelInput } from '../charts/digest-spec';
import type { ChecklistStep } from '../domain/checklist';
import type { Diagnosis, InsufficientData } from '../domain/diagnosis';
import type { DoctorProbe } from '../domain/doctor';
import type { Fleet } from '../domain/fleet';
import type { ServiceSeries } from '../domain/series';
import { isMetricsError, type MetricsErrorCode } from '../metrics/errors';
import { measureService, type MeasureRequest, type MeasureResult } from './measure';
import { analyzeService, type AnalysisDeps } from './analyze-service';
import { verifyService, type VerifyResult } from './verify-service';
import type { SinceChoice, Verification, VerifyProblem } from '../domain/verify';

export interface ReportJobInput {
  /** Already validated with parseServiceName. */
  readonly service: string;
  readonly windowMs: number;
  readonly endMs: number;
  /** Time limit for fetching the series from the backend. */
  readonly timeoutMs: number;
}

export type JobFailure =
  | { readonly kind: 'metrics'; readonly code: MetricsErrorCode; readonly message: string }
  | { readonly kind: 'internal'; readonly message: string };

export type ReportJobOutput =
  | {
      readonly status: 'diagnosed';
      readonly diagnosis: Diagnosis;
      readonly checklist: readonly ChecklistStep[];
      /** The chart, or null when it could not be drawn (chartError says why, for the log). */
      readonly png: Uint8Array | null;
      readonly chartError: string | null;
    }
  | { readonly status: 'insufficient-data'; readonly insufficient: InsufficientData }
  | { readonly status: 'failed'; readonly failure: JobFailure };

export type { MeasureRequest, MeasureResult };

/** `/pymem doctor`: which sources have data for a service over a window. */
export type DoctorJobInput = ReportJobInput;

export type DoctorJobOutput = { readonly status: 'probed'; readonly probe: DoctorProbe } | { readonly status: 'failed'; readonly failure: JobFailure };

export interface DigestChartInput {
  readonly panels: readonly DigestPanelInput[];
  readonly options: DigestChartOptions;
}

/** What a worker thread is asked to do. */
export type Job =
  | { readonly kind: 'report'; readonly input: ReportJobInput }
  | { readonly kind: 'measure'; readonly input: MeasureRequest }
  | { readonly kind: 'digest-chart'; readonly input: DigestChartInput }
  | { readonly kind: 'doctor'; readonly input: DoctorJobInput }
  | { readonly kind: 'verify'; readonly input: VerifyJobInput };

export type JobResult =
  | { readonly kind: 'report'; readonly output: ReportJobOutput }
  | { readonly kind: 'measure'; readonly output: MeasureResult }
  | { readonly kind: 'digest-chart'; readonly output: { readonly png: Uint8Array } }
  | { readonly kind: 'doctor'; readonly output: DoctorJobOutput }
  | { readonly kind: 'verify'; readonly output: VerifyJobOutput };

/** The chart renderers of the thread the jobs run on (one per thread: a renderer is slow to build). */
export interface ChartRenderers {
  memory(series: ServiceSeries, diagnosis: Diagnosis, fleet: Fleet, timeZone: string): Promise<Buffer>;
  digest(panels: readonly DigestPanelInput[], options: DigestChartOptions): Promise<Buffer>;
  verify(verification: Verification, fleet: Fleet, timeZone: string): Promise<Buffer>;
}

export interface JobContext {
  readonly analysis: AnalysisDeps;
  readonly charts: ChartRenderers;
}

export async function runJob(context: JobContext, job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'report':
      return { kind: 'report', output: await reportJob(context, job.input) };
    case 'measure':
      return { kind: 'measure', output: await measureJob(context, job.input) };
    case 'digest-chart':
      return { kind: 'digest-chart', output: { png: await digestChartJob(context, job.input) } };
    case 'doctor':
      return { kind: 'doctor', output: await doctorJob(context, job.input) };
    case 'verify':
      return { kind: 'verify', output: await verifyJob(context, job.input) };
    default: {
      const unknown: never = job;
      throw new Error(`unknown job ${JSON.stringify(unknown)}`);
    }
  }
}

/** Probe every source preset for one service; failures come back as values. */
export async function doctorJob({ analysis }: JobContext, input: DoctorJobInput): Promise<DoctorJobOutput> {
  try {
    const probe = await analysis.source.probeService({
      service: input.service,
      window: { endMs: input.endMs, durationMs: input.windowMs },
      signal: AbortSignal.timeout(input.timeoutMs),
    });
    return { status: 'probed', probe };
  } catch (error) {
    if (isMetricsError(error)) return { status: 'failed', failure: { kind: 'metrics', code: error.code, message: error.message } };
    return { status: 'failed', failure: { kind: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } };
  }
}

/** Fetch, analyse, build the checklist and draw the chart. */
export async function reportJob({ analysis, charts }: JobContext, input: ReportJobInput): Promise<ReportJobOutput> {
  let result;
  try {
    result = await analyzeService(analysis, { service: input.service, windowMs: input.windowMs, endMs: input.endMs, signal: AbortSignal.timeout(input.timeoutMs) });
  } catch (error) {
    if (isMetricsError(error)) return { status: 'failed', failure: { kind: 'metrics', code: error.code, message: error.message } };
    return { status: 'failed', failure: { kind: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } };
  }
  if (result.status === 'insufficient-data') return { status: 'insufficient-data', insufficient: result.outcome.insufficient };
  const diagnosis = result.outcome.diagnosis;
  try {
    const png = await charts.memory(result.series, diagnosis, result.outcome.fleet, analysis.timeZone);
    return { status: 'diagnosed', diagnosis, checklist: result.checklist, png, chartError: null };
  } catch (error) {
    return { status: 'diagnosed', diagnosis, checklist: result.checklist, png: null, chartError: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

export function measureJob({ analysis }: JobContext, input: MeasureRequest): Promise<MeasureResult> {
  return measureService(analysis, input);
}

export function digestChartJob({ charts }: JobContext, input: DigestChartInput): Promise<Buffer> {
  return charts.digest(input.panels, input.options);
}

/** A verification as a job: plain data in and out, so it can run on a worker thread. */
export interface VerifyJobInput {
  readonly service: string;
  readonly endMs: number;
  readonly windowMs: number;
  readonly since: SinceChoice;
  /** Time limit for fetching the series from the backend. */
  readonly timeoutMs: number;
  /** Draw the before/after chart. */
  readonly chart: boolean;
}

export type VerifyJobOutput =
  | { readonly status: 'verified'; readonly verification: Verification; readonly png: Uint8Array | null; readonly chartError: string | null }
  | { readonly status: 'insufficient-data'; readonly reason: VerifyProblem; readonly message: string }
  | { readonly status: 'failed'; readonly failure: JobFailure };



/** Fetch, compare before and after the change, and draw the before/after chart (issue 13). */
export async function verifyJob({ analysis, charts }: JobContext, input: VerifyJobInput): Promise<VerifyJobOutput> {
  let result: VerifyResult;
  try {
    result = await verifyService(analysis, {
      service: input.service,
      endMs: input.endMs,
      windowMs: input.windowMs,
      since: input.since,
      signal: AbortSignal.timeout(input.timeoutMs),
    });
  } catch (error) {
    if (isMetricsError(error)) return { status: 'failed', failure: { kind: 'metrics', code: error.code, message: error.message } };
    return { status: 'failed', failure: { kind: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } };
  }
  if (result.status === 'insufficient-data') return result;
  if (!input.chart) return { status: 'verified', verification: result.verification, png: null, chartError: null };
  try {
    const png = await charts.verify(result.verification, result.fleet, analysis.timeZone);
    return { status: 'verified', verification: result.verification, png, chartError: null };
  } catch (error) {
    return { status: 'verified', verification: result.verification, png: null, chartError: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}
