/** Fetch one service's series from a metrics source and analyse them: the job behind `/pymem` and `pymem analyze`. */

import type { AnalysisOutcome } from '../domain/diagnosis';
import { analyze } from '../domain/analyze';
import { buildChecklist, type ChecklistStep } from '../domain/checklist';
import type { ServiceSeries } from '../domain/series';
import type { ServiceSettings } from '../config/types';
import type { MetricsSource } from '../metrics/source';

export interface AnalysisRequest {
  /** Already validated with parseServiceName. */
  readonly service: string;
  readonly endMs: number;
  readonly windowMs: number;
  readonly signal?: AbortSignal;
}

export type AnalysisResult =
  | { readonly status: 'diagnosed'; readonly outcome: Extract<AnalysisOutcome, { status: 'diagnosed' }>; readonly series: ServiceSeries; readonly checklist: readonly ChecklistStep[] }
  | { readonly status: 'insufficient-data'; readonly outcome: Extract<AnalysisOutcome, { status: 'insufficient-data' }>; readonly series: ServiceSeries };

export interface AnalysisDeps {
  readonly source: MetricsSource;
  readonly settings: (service: string) => ServiceSettings;
  readonly timeZone: string;
}

/** Throws MetricsError when the backend fails; data that cannot answer is an `insufficient-data` result. */
export async function analyzeService(deps: AnalysisDeps, request: AnalysisRequest): Promise<AnalysisResult> {
  const settings = deps.settings(request.service);
  const series = await deps.source.fetchService({
    service: request.service,
    window: { endMs: request.endMs, durationMs: request.windowMs },
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const outcome = analyze(series, {
    timeZone: deps.timeZone,
    memoryQuery: settings.queries.memory,
    workersPerInstance: settings.workersPerInstance,
  });
  if (outcome.status === 'insufficient-data') return { status: 'insufficient-data', outcome, series };
  return { status: 'diagnosed', outcome, series, checklist: buildChecklist(outcome.diagnosis, deps.timeZone) };
}
