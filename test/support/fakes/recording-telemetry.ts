/**
 * Telemetry that keeps what it is told: counters as lists of events, gauges as their latest and
 * highest values. For unit tests and the benchmarks, which read what production exports as metrics.
 */

import type { ActionKind, AnalysisSharing, CommandKind, Telemetry } from '../../../src/observability/telemetry';

/** A gauge as it was set: the current value and the highest it reached. */
export interface GaugeRecord {
  current: number;
  peak: number;
}

export class RecordingTelemetry implements Telemetry {
  readonly commands: { kind: CommandKind; outcome: string }[] = [];
  readonly actions: { kind: ActionKind; outcome: string }[] = [];
  readonly analyses: { seconds: number; outcome: 'diagnosed' | 'no-data' | 'failed' }[] = [];
  readonly backendErrors: string[] = [];
  readonly slackErrors: { method: string; code: string }[] = [];
  readonly slackRateLimits: string[] = [];
  readonly sharing: AnalysisSharing[] = [];
  readonly digestRuns: string[] = [];
  readonly updatesWaiting: GaugeRecord = { current: 0, peak: 0 };
  readonly measurementsInFlight: GaugeRecord = { current: 0, peak: 0 };

  commandHandled(kind: CommandKind, outcome: string): void {
    this.commands.push({ kind, outcome });
  }
  actionHandled(kind: ActionKind, outcome: string): void {
    this.actions.push({ kind, outcome });
  }
  analysisFinished(seconds: number, outcome: 'diagnosed' | 'no-data' | 'failed'): void {
    this.analyses.push({ seconds, outcome });
  }
  backendError(code: string): void {
    this.backendErrors.push(code);
  }
  slackError(method: string, code: string): void {
    this.slackErrors.push({ method, code });
  }
  slackRateLimited(method: string): void {
    this.slackRateLimits.push(method);
  }
  analysisShared(how: AnalysisSharing): void {
    this.sharing.push(how);
  }
  digestRun(outcome: string): void {
    this.digestRuns.push(outcome);
  }
  reportUpdatesWaiting(count: number): void {
    set(this.updatesWaiting, count);
  }
  digestMeasurementsInFlight(count: number): void {
    set(this.measurementsInFlight, count);
  }
}

function set(gauge: GaugeRecord, value: number): void {
  gauge.current = value;
  gauge.peak = Math.max(gauge.peak, value);
}
