/**
 * The AnalysisEngine is pymem's chart port: it fetches, analyses and draws, off the thread that talks
 * to Slack. This fake answers at once with a canned diagnosis, checklist and a real (1x1) PNG, or with
 * what a test scripts per service, and records what it was asked. `hold()` keeps reports waiting so a
 * test can line requests up behind a running analysis; `waitMs` is what the scheduler would estimate.
 */

import type { DigestChartOptions, DigestPanelInput } from '../../../src/charts/digest-spec';
import type { AnalysisEngine, EngineStats } from '../../../src/analysis/engine';
import { SchedulerError } from '../../../src/analysis/scheduler';
import type { DoctorJobInput, DoctorJobOutput, MeasureRequest, MeasureResult, ReportJobInput, ReportJobOutput } from '../../../src/analysis/jobs';
import { buildChecklist } from '../../../src/domain/checklist';
import { measuredEntry } from '../../../src/domain/digest';
import { makeDiagnosis } from '../diagnosis-factory';

/** A complete PNG: one transparent pixel (67 bytes). */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** What the canned report of a service says: "<service> is fine." with the tiny chart. */
export function cannedReport(service: string): ReportJobOutput {
  const diagnosis = makeDiagnosis({ service, verdict: `${service} is fine.` });
  return { status: 'diagnosed', diagnosis, checklist: buildChecklist(diagnosis, 'UTC'), png: new Uint8Array(TINY_PNG), chartError: null };
}

/** A measured, stable digest entry for a service, with a two-point panel. */
export function cannedMeasurement(request: MeasureRequest): MeasureResult {
  const diagnosis = makeDiagnosis({ service: request.service });
  const entry = measuredEntry(request.service, diagnosis);
  const currentBytes = entry.kind === 'measured' ? entry.currentBytes : null;
  return {
    measurement: {
      entry,
      panel: {
        service: request.service,
        grid: { startMs: request.endMs - request.windowMs, stepMs: request.windowMs, length: 2 },
        totalBytes: new Float64Array([diagnosis.totals.startBytes, diagnosis.totals.endBytes]),
        limitBytes: null,
        growthFraction: entry.kind === 'measured' ? entry.growthFraction : null,
        currentBytes,
        status: entry.kind === 'measured' ? entry.status : 'error',
      },
    },
    internalError: null,
    backendError: null,
  };
}

type Script<I, O> = (input: I) => O | Promise<O>;

export class FakeAnalysisEngine implements AnalysisEngine {
  readonly reports: ReportJobInput[] = [];
  readonly measures: MeasureRequest[] = [];
  readonly doctors: DoctorJobInput[] = [];
  readonly digestCharts: { panels: readonly DigestPanelInput[]; options: DigestChartOptions }[] = [];
  /** What expectedWaitMs answers for a new interactive job. */
  waitMs = 0;
  /** Jobs waiting in the queue, as stats() reports them. */
  queued = 0;
  /** Per-service answers; a service not listed gets the canned one. */
  readonly reportFor = new Map<string, Script<ReportJobInput, ReportJobOutput>>();
  readonly measureFor = new Map<string, Script<MeasureRequest, MeasureResult>>();
  doctorAnswer: Script<DoctorJobInput, DoctorJobOutput> = () => ({ status: 'failed', failure: { kind: 'internal', message: 'no doctor answer scripted' } });
  /** When set, digestChart fails with it (a thread died, canvas failed). */
  digestChartError: Error | null = null;
  private gate: Promise<void> = Promise.resolve();
  private release: (() => void) | null = null;
  private closed = false;

  /** Reports wait from now until `unhold()`. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  unhold(): void {
    this.release?.();
    this.gate = Promise.resolve();
  }

  async report(input: ReportJobInput): Promise<ReportJobOutput> {
    this.refuseClosed();
    this.reports.push(input);
    await this.gate;
    return (this.reportFor.get(input.service) ?? ((i: ReportJobInput) => cannedReport(i.service)))(input);
  }

  async doctor(input: DoctorJobInput): Promise<DoctorJobOutput> {
    this.refuseClosed();
    this.doctors.push(input);
    return this.doctorAnswer(input);
  }

  async measure(input: MeasureRequest): Promise<MeasureResult> {
    this.refuseClosed();
    this.measures.push(input);
    return (this.measureFor.get(input.service) ?? cannedMeasurement)(input);
  }

  async digestChart(panels: readonly DigestPanelInput[], options: DigestChartOptions): Promise<Buffer> {
    this.refuseClosed();
    this.digestCharts.push({ panels, options });
    if (this.digestChartError) throw this.digestChartError;
    return Buffer.from(TINY_PNG);
  }

  expectedWaitMs(): number {
    return this.waitMs;
  }

  stats(): EngineStats {
    return { threads: 0, slots: 1, running: 0, runningBy: { interactive: 0, background: 0 }, queued: { interactive: this.queued, background: 0 }, typicalMs: { interactive: 1000, background: 100 } };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private refuseClosed(): void {
    // As the scheduler does after close(): new jobs are refused.
    if (this.closed) throw new SchedulerError('closed', 'the analysis pool is shutting down');
  }
}
