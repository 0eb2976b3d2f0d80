/** Telemetry as Prometheus metrics (prom-client), one registry per bot so tests can run several. */

import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { ActionKind, CommandKind, Telemetry } from './telemetry';

export class PrometheusTelemetry implements Telemetry {
  readonly registry = new Registry();
  private readonly commands: Counter<'kind' | 'outcome'>;
  private readonly actions: Counter<'kind' | 'outcome'>;
  private readonly analysis: Histogram<'outcome'>;
  private readonly backendErrors: Counter<'code'>;
  private readonly slackErrors: Counter<'method' | 'code'>;
  private readonly digests: Counter<'outcome'>;

  constructor() {
    // process_resident_memory_bytes, nodejs_heap_size_used_bytes, event loop lag, ...: the bot's own memory.
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.commands = new Counter({ name: 'pymem_commands_total', help: 'Slash commands handled, by kind and outcome.', labelNames: ['kind', 'outcome'], registers });
    this.actions = new Counter({ name: 'pymem_actions_total', help: 'Interactive actions handled, by kind and outcome.', labelNames: ['kind', 'outcome'], registers });
    this.analysis = new Histogram({
      name: 'pymem_analysis_duration_seconds',
      help: 'Time from request to diagnosis (metrics fetch and classification), by outcome.',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.backendErrors = new Counter({ name: 'pymem_metrics_backend_errors_total', help: 'Metrics backend failures, by kind.', labelNames: ['code'], registers });
    this.slackErrors = new Counter({ name: 'pymem_slack_api_errors_total', help: 'Slack Web API failures, by method and error.', labelNames: ['method', 'code'], registers });
    this.digests = new Counter({ name: 'pymem_digest_runs_total', help: 'Channel digests run, by outcome.', labelNames: ['outcome'], registers });
  }

  commandHandled(kind: CommandKind, outcome: string): void {
    this.commands.inc({ kind, outcome });
  }
  actionHandled(kind: ActionKind, outcome: string): void {
    this.actions.inc({ kind, outcome });
  }
  analysisFinished(seconds: number, outcome: 'diagnosed' | 'no-data' | 'failed'): void {
    this.analysis.observe({ outcome }, seconds);
  }
  backendError(code: string): void {
    this.backendErrors.inc({ code });
  }
  slackError(method: string, code: string): void {
    this.slackErrors.inc({ method, code });
  }
  digestRun(outcome: string): void {
    this.digests.inc({ outcome });
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
