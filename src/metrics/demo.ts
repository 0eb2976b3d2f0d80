/** MetricsSource over the embedded simulated services: no Prometheus needed. */

import { DETECTION_ORDER, PRESETS } from '../domain/presets';
import type { QueryTemplates } from '../config/types';
import type { DoctorProbe, PresetProbe, QueryCount } from '../domain/doctor';
import { renderTemplate } from '../domain/promql-template';
import type { ServiceSeries } from '../domain/series';
import { DEMO_SERVICES, demoSpec, withFix } from '../simulation/demo-services';
import { simulate } from '../simulation/model';
import { toServiceSeries } from '../simulation/sample';
import { MetricsError } from './errors';
import type { MetricsSource, SeriesRequest } from './source';
import { planRange } from './step';

/** When a fix was deployed to a demo service (the playground's "Deploy a fix"); null: never. */
export type DemoFixes = (service: string) => number | null;

const NO_FIXES: DemoFixes = () => null;

export class DemoSource implements MetricsSource {
  readonly description = 'the built-in demo services';

  constructor(
    private readonly minStepSeconds = 15,
    private readonly fixedAt: DemoFixes = NO_FIXES,
  ) {}

  knownServices(): readonly string[] {
    return DEMO_SERVICES.map((d) => d.name);
  }

  async ping(): Promise<void> {}

  async fetchService(request: SeriesRequest): Promise<ServiceSeries> {
    if (request.signal?.aborted) throw new MetricsError('aborted', 'the request was cancelled');
    const plan = planRange(request.window, this.minStepSeconds);
    const found = demoSpec(request.service, plan.grid.startMs + (plan.grid.length - 1) * plan.grid.stepMs, request.window.durationMs);
    const fixedAt = found ? this.fixedAt(found.service) : null;
    const spec = found && fixedAt !== null ? withFix(found, fixedAt) : found;
    if (!spec) {
      throw new MetricsError(
        'unknown-service',
        `there is no demo service called "${request.service}"; the demo has ${this.knownServices().join(', ')}`,
      );
    }
    // Yield once so a burst of demo requests does not starve the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    return toServiceSeries(simulate(spec), plan.grid);
  }

  /**
   * The simulation answers the prometheus-client preset's queries. Another preset's query has the
   * same answer where it is the same query (the shared traffic and job counters), and none otherwise.
   */
  async probeService(request: SeriesRequest): Promise<DoctorProbe> {
    const series = await this.fetchService(request);
    const found = (n: number): QueryCount => ({ status: 'found', series: n });
    const simulated = PRESETS['prometheus-client'].queries;
    const answers: Record<'memory' | 'traffic' | 'jobs' | 'limit' | 'up', QueryCount> = {
      memory: found(series.memory.length),
      traffic: found(series.traffic === null ? 0 : 1),
      jobs: found(series.jobs.length),
      limit: found(series.limit === null ? 0 : 1),
      up: found(series.targets.length),
    };
    const count = (queries: QueryTemplates, query: keyof typeof answers): QueryCount => {
      const template = queries[query];
      if (template === null) return { status: 'off' };
      return template === simulated[query] ? answers[query] : found(0);
    };
    const presets = DETECTION_ORDER.map((id): PresetProbe => {
      const { queries, granularity } = PRESETS[id];
      return {
        preset: id,
        granularity,
        memoryQuery: renderTemplate(queries.memory, request.service),
        memory: count(queries, 'memory'),
        traffic: count(queries, 'traffic'),
        jobs: count(queries, 'jobs'),
        limit: count(queries, 'limit'),
        up: count(queries, 'up'),
      };
    });
    const { grid } = series;
    return {
      service: request.service,
      backend: this.description,
      window: { start: new Date(grid.startMs).toISOString(), end: new Date(grid.startMs + (grid.length - 1) * grid.stepMs).toISOString() },
      selection: { kind: 'auto' },
      limitFromConfig: false,
      presets,
    };
  }
}
