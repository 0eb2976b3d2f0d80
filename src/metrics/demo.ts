/** MetricsSource over the embedded simulated services: no Prometheus needed. */

import type { ServiceSeries } from '../domain/series';
import { DEMO_SERVICES, demoSpec } from '../simulation/demo-services';
import { simulate } from '../simulation/model';
import { toServiceSeries } from '../simulation/sample';
import { MetricsError } from './errors';
import type { MetricsSource, SeriesRequest } from './source';
import { planRange } from './step';

export class DemoSource implements MetricsSource {
  readonly description = 'the built-in demo services';

  constructor(private readonly minStepSeconds = 15) {}

  knownServices(): readonly string[] {
    return DEMO_SERVICES.map((d) => d.name);
  }

  async ping(): Promise<void> {}

  async fetchService(request: SeriesRequest): Promise<ServiceSeries> {
    if (request.signal?.aborted) throw new MetricsError('aborted', 'the request was cancelled');
    const plan = planRange(request.window, this.minStepSeconds);
    const spec = demoSpec(request.service, plan.grid.startMs + (plan.grid.length - 1) * plan.grid.stepMs, request.window.durationMs);
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
}
