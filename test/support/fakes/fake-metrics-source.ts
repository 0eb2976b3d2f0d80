/**
 * MetricsSource in memory: each service answers with series a test gives (or the simulator's demo
 * services, as DemoSource draws them), or with a MetricsError, as a backend fails. It records every
 * request, so a test can tell what was fetched, and follows the caller's abort signal.
 */

import type { DoctorProbe } from '../../../src/domain/doctor';
import type { ServiceSeries } from '../../../src/domain/series';
import { MetricsError } from '../../../src/metrics/errors';
import type { MetricsSource, SeriesRequest } from '../../../src/metrics/source';
import { planRange } from '../../../src/metrics/step';
import { demoSpec } from '../../../src/simulation/demo-services';
import { simulate } from '../../../src/simulation/model';
import { toServiceSeries } from '../../../src/simulation/sample';

/** What a service answers: its series, a backend failure, or series drawn for each request. */
export type FakeAnswer = ServiceSeries | MetricsError | ((request: SeriesRequest) => ServiceSeries);

/** The series of one of the simulator's demo services (src/simulation/demo-services.ts) over the requested window. */
export function demoSeries(demoService: string): (request: SeriesRequest) => ServiceSeries {
  return (request) => {
    const plan = planRange(request.window, 15);
    const spec = demoSpec(demoService, plan.grid.startMs + (plan.grid.length - 1) * plan.grid.stepMs, request.window.durationMs);
    if (!spec) throw new Error(`no demo service called ${demoService}`);
    return toServiceSeries(simulate(spec), plan.grid);
  };
}

export class FakeMetricsSource implements MetricsSource {
  readonly description = 'a fake metrics backend';
  readonly requests: SeriesRequest[] = [];
  /** When set, ping() fails with it (the backend is down). */
  down: MetricsError | null = null;
  readonly probes = new Map<string, DoctorProbe | MetricsError>();

  constructor(
    readonly answers: Map<string, FakeAnswer> = new Map(),
    /** What knownServices() says; Prometheus cannot tell (null). */
    private readonly known: readonly string[] | null = null,
  ) {}

  async fetchService(request: SeriesRequest): Promise<ServiceSeries> {
    this.requests.push(request);
    if (request.signal?.aborted) throw new MetricsError('aborted', 'the request was cancelled');
    const answer = this.answers.get(request.service);
    if (answer === undefined) throw new MetricsError('no-series', `the fake backend has no series for "${request.service}"`);
    if (answer instanceof MetricsError) throw answer;
    return typeof answer === 'function' ? answer(request) : answer;
  }

  async probeService(request: SeriesRequest): Promise<DoctorProbe> {
    this.requests.push(request);
    const probe = this.probes.get(request.service);
    if (probe === undefined) throw new MetricsError('no-series', `the fake backend has no probe for "${request.service}"`);
    if (probe instanceof MetricsError) throw probe;
    return probe;
  }

  knownServices(): readonly string[] | null {
    return this.known;
  }

  async ping(): Promise<void> {
    if (this.down) throw this.down;
  }
}
