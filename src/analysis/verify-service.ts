/**
 * Verify a fix for one service: fetch its series over the window and compare before and after the
 * change (src/domain/verify.ts). The job behind `/pymem verify`, the "Verify fix" button and
 * `pymem verify`; the bot runs it on the analysis engine's threads, the command line inline.
 */

import { verifyFix, type SinceChoice, type Verification, type VerifyProblem } from '../domain/verify';
import type { Fleet } from '../domain/fleet';
import type { ServiceSeries } from '../domain/series';
import { isMetricsError } from '../metrics/errors';
import type { AnalysisDeps } from './analyze-service';
import type { JobContext, JobFailure } from './jobs';

export interface VerifyRequest {
  /** Already validated with parseServiceName. */
  readonly service: string;
  readonly endMs: number;
  readonly windowMs: number;
  readonly since: SinceChoice;
  readonly signal?: AbortSignal;
}

export type VerifyResult =
  | { readonly status: 'verified'; readonly verification: Verification; readonly series: ServiceSeries; readonly fleet: Fleet }
  | { readonly status: 'insufficient-data'; readonly reason: VerifyProblem; readonly message: string };

/** Throws MetricsError when the backend fails; data that cannot answer is an `insufficient-data` result. */
export async function verifyService(deps: AnalysisDeps, request: VerifyRequest): Promise<VerifyResult> {
  const settings = deps.settings(request.service);
  const series = await deps.source.fetchService({
    service: request.service,
    window: { endMs: request.endMs, durationMs: request.windowMs },
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const outcome = verifyFix({
    series,
    since: request.since,
    options: { timeZone: deps.timeZone, memoryQuery: settings.queries.memory, workersPerInstance: settings.workersPerInstance },
  });
  if (outcome.status === 'insufficient-data') return outcome;
  return { status: 'verified', verification: outcome.verification, series, fleet: outcome.fleet };
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

/** Where verification jobs run: the bot's thread pool, or inline. */
export interface VerifyEngine {
  /** Fetch, compare before and after, and draw the chart (interactive priority). */
  verify(input: VerifyJobInput, options?: { readonly signal?: AbortSignal }): Promise<VerifyJobOutput>;
}


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
