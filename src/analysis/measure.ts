/**
 * One service measured for the digest: fetch and analyse its last 24 h and turn the diagnosis into a
 * digest entry and a chart panel. Runs wherever the analysis engine runs it (a worker thread in the
 * bot); a service that cannot be measured becomes an entry that says why, never an exception.
 */

import { analyzeService, type AnalysisDeps } from './analyze-service';
import type { DigestPanelInput } from '../charts/digest-spec';
import { measuredEntry, type DigestEntry } from '../domain/digest';
import { formatDuration } from '../domain/format';
import type { Fleet } from '../domain/fleet';
import type { ServiceSeries } from '../domain/series';
import { isMetricsError } from '../metrics/errors';
import { postedFailureText } from '../domain/posted-failure';

export interface Measurement {
  readonly entry: DigestEntry;
  readonly panel: DigestPanelInput;
}

export interface MeasureRequest {
  readonly service: string;
  readonly endMs: number;
  readonly windowMs: number;
  /** Time limit for fetching the service's series. */
  readonly timeoutMs: number;
  /** Whether the digest may quote the backend's address and error texts (`report.showSource`); false when absent. */
  readonly showSource?: boolean;
}

export interface MeasureResult {
  readonly measurement: Measurement;
  /** Set when something other than the backend failed: the caller logs it (a worker thread has no logger). */
  readonly internalError: string | null;
  /** The backend's failure in full, for the logs: the entry's message may leave its details out (`showSource`). */
  readonly backendError?: { readonly code: string; readonly message: string } | null;
}

export async function measureService(analysis: AnalysisDeps, request: MeasureRequest): Promise<MeasureResult> {
  const { service, endMs, windowMs } = request;
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const result = await analyzeService(analysis, { service, endMs, windowMs, signal });
    if (result.status === 'insufficient-data') {
      const reason = result.outcome.insufficient.reason === 'no-memory-series' ? 'no memory series in the last 24 h' : result.outcome.insufficient.message;
      return { measurement: { entry: { kind: 'no-data', service, reason, change: null }, panel: emptyPanel(service, result.series, 'no-data', 'no data') }, internalError: null };
    }
    const entry = measuredEntry(service, result.outcome.diagnosis);
    return { measurement: { entry, panel: panelOf(service, result.series, result.outcome.fleet, entry) }, internalError: null };
  } catch (error) {
    const message = isMetricsError(error)
      ? error.code === 'aborted'
        ? `the metrics backend took longer than ${formatDuration(request.timeoutMs)}`
        : postedFailureText(error, { showSource: request.showSource === true, backendDescription: analysis.source.description })
      : 'an unexpected error (logged)';
    return {
      measurement: { entry: { kind: 'error', service, message, change: null }, panel: unmeasuredPanel(service, endMs, windowMs, 'not measured') },
      internalError: isMetricsError(error) ? null : error instanceof Error ? (error.stack ?? error.message) : String(error),
      backendError: isMetricsError(error) ? { code: error.code, message: error.message } : null,
    };
  }
}

/** The panel of a service that was not measured (failed, or not allowed in the channel). */
export function unmeasuredPanel(service: string, endMs: number, windowMs: number, note: string): DigestPanelInput {
  return { service, grid: { startMs: endMs - windowMs, stepMs: 60_000, length: 0 }, totalBytes: new Float64Array(0), limitBytes: null, growthFraction: null, currentBytes: null, status: 'error', note };
}

/** The panel draws the fleet's total: the same figure the entry states, with gaps left as gaps. */
function panelOf(service: string, series: ServiceSeries, fleet: Fleet, entry: DigestEntry): DigestPanelInput {
  if (entry.kind !== 'measured') return emptyPanel(service, series, entry.kind, entry.kind);
  const note =
    entry.hoursToLimit === 0
      ? 'at the limit'
      : entry.hoursToLimit !== null
        ? `limit in ~${formatDuration(entry.hoursToLimit * 3_600_000)}`
        : entry.pattern !== 'stable'
          ? entry.pattern
          : undefined;
  return {
    service,
    grid: series.grid,
    totalBytes: fleet.total,
    limitBytes: entry.limitBytes,
    growthFraction: entry.growthFraction,
    currentBytes: entry.currentBytes,
    status: entry.status,
    ...(note !== undefined ? { note } : {}),
  };
}

function emptyPanel(service: string, series: ServiceSeries, status: 'no-data' | 'error', note: string): DigestPanelInput {
  return { service, grid: series.grid, totalBytes: new Float64Array(series.grid.length).fill(Number.NaN), limitBytes: null, growthFraction: null, currentBytes: null, status, note };
}
