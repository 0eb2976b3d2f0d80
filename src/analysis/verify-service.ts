/**
 * Verify a fix for one service: fetch its series over the window and compare before and after the
 * change (src/domain/verify.ts). The job behind `/pymem verify`, the "Verify fix" button and
 * `pymem verify`; the bot runs it as a job on the analysis engine's threads (jobs.ts), the command line inline.
 */

import { verifyFix, type SinceChoice, type Verification, type VerifyProblem } from '../domain/verify';
import type { Fleet } from '../domain/fleet';
import type { ServiceSeries } from '../domain/series';
import type { AnalysisDeps } from './analyze-service';

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
