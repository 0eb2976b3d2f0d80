/** `/pymem doctor <service>`: the probe runs on the analysis engine; this turns its answer into the ephemeral reply. */

import type { Logger } from 'pino';
import type { AnalysisEngine } from '../analysis/engine';
import { AccessGate } from './access-gate';
import { doctorReport, type DoctorProbe, type QueryCount } from '../domain/doctor';
import { doctorMessage, noticeMessage, type SlackMessage } from '../slack/blocks';
import type { Telemetry } from '../observability/telemetry';
import { doctorFailedText } from './notices';
import type { MetricsErrorCode } from '../metrics/errors';

export interface DoctorDeps {
  readonly engine: AnalysisEngine;
  readonly clock: () => number;
  readonly defaultWindowMs: number;
  /** Time limit for all of the probe's queries together. */
  readonly timeoutMs: number;
  /** Which channels may see which services; everything is allowed when absent. */
  readonly access?: AccessGate;
  readonly telemetry?: Telemetry;
  /**
   * Whether the reply may name the backend and quote its refusals (`report.showSource`); when
   * false the backend is "the metrics backend" and each refused query's reason goes to the logs.
   * True when absent.
   */
  readonly showSource?: boolean;
  /** What the reply says of a backend failure; the backend's message when absent. */
  readonly postedFailure?: (failure: { readonly code: MetricsErrorCode; readonly message: string }) => string;
}

export interface DoctorRequest {
  readonly channelId: string;
  readonly service: string;
  readonly windowMs: number | null;
  readonly log: Logger;
}

export type DoctorOutcome = 'answered' | 'no-data' | 'denied' | 'failed';

export class DoctorService {
  constructor(private readonly deps: DoctorDeps) {}

  /** The reply for one request; every failure is a message too, so the requester is never left waiting. */
  async answer(request: DoctorRequest): Promise<{ readonly outcome: DoctorOutcome; readonly message: SlackMessage }> {
    const { service, log } = request;
    // The doctor shows a service's metrics: the same access list as an analysis applies.
    const access = (this.deps.access ?? AccessGate.open).check(request.channelId, service);
    if (!access.allowed) {
      log.warn({ channelId: request.channelId, service }, 'service not allowed in this channel');
      return { outcome: 'denied', message: access.message };
    }
    const windowMs = request.windowMs ?? this.deps.defaultWindowMs;
    const output = await this.deps.engine.doctor({ service, windowMs, endMs: this.deps.clock(), timeoutMs: this.deps.timeoutMs });
    switch (output.status) {
      case 'probed': {
        const report = doctorReport(this.deps.showSource === false ? withoutBackendDetails(output.probe, log) : output.probe);
        return { outcome: report.choice.kind === 'use' ? 'answered' : 'no-data', message: doctorMessage(report, windowMs) };
      }
      case 'failed': {
        if (output.failure.kind === 'metrics') {
          this.deps.telemetry?.backendError(output.failure.code);
          log.warn({ code: output.failure.code, service, error: output.failure.message }, 'metrics backend failed during doctor');
        } else {
          log.error({ service, error: output.failure.message }, 'doctor failed');
        }
        const failure = output.failure.kind === 'metrics' && this.deps.postedFailure ? { ...output.failure, message: this.deps.postedFailure(output.failure) } : output.failure;
        return { outcome: 'failed', message: noticeMessage(doctorFailedText(service, failure)) };
      }
      default: {
        const unknown: never = output;
        throw new Error(`unknown doctor output ${JSON.stringify(unknown)}`);
      }
    }
  }
}

const REFUSED = 'refused by the metrics backend (the reason is in pymem’s logs)';

/** The probe as a channel may see it: no backend address, and each refusal's text logged instead of shown. */
function withoutBackendDetails(probe: DoctorProbe, log: Logger): DoctorProbe {
  const presets = probe.presets.map((p) => {
    const hide = (count: QueryCount, query: string): QueryCount => {
      if (count.status !== 'failed') return count;
      log.warn({ service: probe.service, preset: p.preset, query, error: count.reason }, 'a doctor query failed');
      return { status: 'failed', reason: REFUSED };
    };
    return { ...p, memory: hide(p.memory, 'memory'), traffic: hide(p.traffic, 'traffic'), jobs: hide(p.jobs, 'jobs'), limit: hide(p.limit, 'limit'), up: hide(p.up, 'up') };
  });
  return { ...probe, backend: 'the metrics backend', presets };
}
