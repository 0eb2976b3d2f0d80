/** Telemetry as Prometheus metrics (prom-client), one registry per bot so tests can run several. */

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ActionKind, AnalysisSharing, CommandKind, Telemetry } from './telemetry';

/** What the analysis pool reports about itself, read at each scrape. */
export interface PoolGauges {
  readonly threads: number;
  readonly running: number;
  readonly queued: Readonly<Record<'interactive' | 'background', number>>;
}

export class PrometheusTelemetry implements Telemetry {
  readonly registry = new Registry();
  private readonly commands: Counter<'kind' | 'outcome'>;
  private readonly actions: Counter<'kind' | 'outcome'>;
  private readonly analysis: Histogram<'outcome'>;
  private readonly backendErrors: Counter<'code'>;
  private readonly slackErrors: Counter<'method' | 'code'>;
  private readonly slackRateLimits: Counter<'method'>;
  private readonly sharing: Counter<'how'>;
  private readonly digests: Counter<'outcome'>;
  private readonly updatesWaiting: Gauge;
  private readonly measuring: Gauge;
  private pool: (() => PoolGauges) | null = null;

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
    this.slackErrors = new Counter({
      name: 'pymem_slack_api_errors_total',
      help: 'Slack Web API calls that failed after their retries, by method and error (ratelimited: still limited at the deadline).',
      labelNames: ['method', 'code'],
      registers,
    });
    this.slackRateLimits = new Counter({
      name: 'pymem_slack_rate_limited_total',
      help: 'HTTP 429 answers from Slack, by method; each is waited out (Retry-After) and retried.',
      labelNames: ['method'],
      registers,
    });
    this.sharing = new Counter({
      name: 'pymem_analyses_total',
      help: 'Report analyses by how they were obtained: computed, joined (an identical request was running), cached.',
      labelNames: ['how'],
      registers,
    });
    const pool = (): PoolGauges | null => this.pool?.() ?? null;
    new Gauge({
      name: 'pymem_analysis_threads',
      help: 'Worker threads that fetch, analyse and draw charts.',
      registers,
      collect() {
        this.set(pool()?.threads ?? 0);
      },
    });
    new Gauge({
      name: 'pymem_analysis_jobs_running',
      help: 'Analysis jobs in progress.',
      registers,
      collect() {
        this.set(pool()?.running ?? 0);
      },
    });
    new Gauge({
      name: 'pymem_analysis_jobs_queued',
      help: 'Analysis jobs waiting for a slot, by priority (interactive: reports; background: digests).',
      labelNames: ['priority'],
      registers,
      collect() {
        const p = pool();
        this.set({ priority: 'interactive' }, p?.queued.interactive ?? 0);
        this.set({ priority: 'background' }, p?.queued.background ?? 0);
      },
    });
    this.digests = new Counter({ name: 'pymem_digest_runs_total', help: 'Channel digests run, by outcome.', labelNames: ['outcome'], registers });
    this.updatesWaiting = new Gauge({
      name: 'pymem_report_updates_waiting',
      help: 'Report messages whose last update failed (Slack or the database) and that wait to be tried again.',
      registers,
    });
    this.measuring = new Gauge({ name: 'pymem_digest_measurements_in_flight', help: 'Services being measured for digests right now.', registers });
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
  slackRateLimited(method: string): void {
    this.slackRateLimits.inc({ method });
  }
  analysisShared(how: AnalysisSharing): void {
    this.sharing.inc({ how });
  }
  /** Reads the pool's figures at each scrape. */
  watchPool(stats: () => PoolGauges): void {
    this.pool = stats;
  }
  digestRun(outcome: string): void {
    this.digests.inc({ outcome });
  }
  reportUpdatesWaiting(count: number): void {
    this.updatesWaiting.set(count);
  }
  digestMeasurementsInFlight(count: number): void {
    this.measuring.set(count);
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
