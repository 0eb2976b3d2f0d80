/** Resolved, validated settings. Produced by `loadConfig`; everything else only reads them. */

/** PromQL templates with a `$service` placeholder (see domain/promql-template.ts). */
export interface QueryTemplates {
  /** One series per worker process, bytes. Required. */
  readonly memory: string;
  /** Requests per second for the service; null disables the traffic comparison. */
  readonly traffic: string | null;
  /** Job starts per second by job type (label `name`); null when the service runs no jobs. */
  readonly jobs: string | null;
  /** Memory budget of all workers together, bytes; null when unknown. */
  readonly limit: string | null;
  /** Any series that exists when the service is scraped at all (tells "unknown service" from "no memory metric"). */
  readonly presence: string | null;
  /**
   * Scrape health per target (1 scraped, 0 failed), one series per instance: tells "not scraped"
   * from "process gone". null disables it; gaps are then inferred from the memory series alone.
   */
  readonly up: string | null;
}

export type BackendAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

export interface PrometheusSettings {
  /** Base URL, e.g. http://prometheus:9090 or a Mimir/Thanos query frontend prefix. */
  readonly url: string;
  readonly auth: BackendAuth;
  /** Extra headers on every request, e.g. X-Scope-OrgID for Mimir tenants. */
  readonly headers: Readonly<Record<string, string>>;
  /** Per-request time limit. */
  readonly timeoutMs: number;
  /** Largest response body accepted, bytes. */
  readonly maxResponseBytes: number;
  /** Most memory series accepted for one service (one per worker). */
  readonly maxSeries: number;
  /** Smallest query step; the step grows with the window to stay under 11,000 points. */
  readonly minStepSeconds: number;
}

export interface ServiceSettings {
  readonly queries: QueryTemplates;
  /** Static budget for all workers together, bytes; overrides the limit query. */
  readonly limitBytes: number | null;
  /** Worker processes expected per instance; when > 1 and series carry no pid, data is per pod. */
  readonly workersPerInstance: number | null;
}

export const DEFAULT_QUERIES: QueryTemplates = {
  memory: 'process_resident_memory_bytes{job="$service"}',
  traffic: 'sum(rate(http_requests_total{job="$service"}[5m]))',
  jobs: 'sum by (name) (rate(celery_task_started_total{job="$service"}[5m]))',
  limit: 'sum(container_spec_memory_limit_bytes{container="$service"})',
  presence: 'count({job="$service"})',
  up: 'up{job="$service"}',
};
