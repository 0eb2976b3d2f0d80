/**
 * Source presets: the sets of queries for the metrics Python services usually have, with what
 * each can tell. pymem tries them in order of precision (one series per process before one per
 * pod) unless the config names one, and says in every report which one it used.
 */

import type { Granularity } from './series';

export const PRESET_IDS = ['prometheus-client', 'multiprocess-gauge', 'process-exporter', 'cadvisor'] as const;
export type PresetId = (typeof PRESET_IDS)[number];

export function isPresetId(value: string): value is PresetId {
  return (PRESET_IDS as readonly string[]).includes(value);
}

export type { Granularity };

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
  /** Container restarts per pod (a counter, e.g. kube-state-metrics'); null when the source has none. */
  readonly restarts: string | null;
}

export interface SourcePreset {
  readonly id: PresetId;
  /** One line for tables and footers. */
  readonly title: string;
  readonly granularity: Granularity;
  readonly queries: QueryTemplates;
  /** What the service must export for this preset to have data. */
  readonly needs: string;
}

/**
 * The traffic, job and presence queries most services share: the app's own counters, by job.
 * `$rate_interval` follows the scrape interval and the window (domain/rate-interval.ts).
 */
const APP_QUERIES = {
  traffic: 'sum(rate(http_requests_total{job="$service"}[$rate_interval]))',
  jobs: 'sum by (name) (rate(celery_task_started_total{job="$service"}[$rate_interval]))',
  presence: 'count({job="$service"})',
  up: 'up{job="$service"}',
} as const;

export const PRESETS: Readonly<Record<PresetId, SourcePreset>> = {
  'prometheus-client': {
    id: 'prometheus-client',
    title: 'prometheus_client process metrics',
    granularity: 'process',
    queries: {
      memory: 'process_resident_memory_bytes{job="$service"}',
      ...APP_QUERIES,
      limit: 'sum(container_spec_memory_limit_bytes{container="$service"})',
      restarts: null,
    },
    needs: 'process_resident_memory_bytes from each worker process (a pid label, or one process per scrape target)',
  },
  'multiprocess-gauge': {
    id: 'multiprocess-gauge',
    title: 'per-worker RSS gauge (prometheus_client multiprocess, liveall)',
    granularity: 'process',
    queries: {
      memory: 'python_worker_rss_bytes{job="$service"}',
      ...APP_QUERIES,
      limit: 'sum(container_spec_memory_limit_bytes{container="$service"})',
      restarts: null,
    },
    needs: "a gauge python_worker_rss_bytes set by each worker, multiprocess_mode='liveall' (a pid label per worker)",
  },
  'process-exporter': {
    id: 'process-exporter',
    title: 'process-exporter, one group per pid',
    granularity: 'process',
    queries: {
      // Group names like "checkout-api-4312" ({{.PID}} in the group name): one series per process.
      memory: 'namedprocess_namegroup_memory_bytes{memtype="resident", groupname=~"$service-[0-9]+"}',
      ...APP_QUERIES,
      limit: 'sum(container_spec_memory_limit_bytes{container="$service"})',
      // The exporter's own targets: a host whose exporter was down leaves its processes without data.
      up: 'up{job=~"process-exporter|process_exporter"}',
      restarts: null,
    },
    needs: 'process-exporter with a group per process: name "$service-{{.PID}}"',
  },
  cadvisor: {
    id: 'cadvisor',
    title: 'cAdvisor container memory, one series per pod',
    granularity: 'pod',
    queries: {
      memory: 'container_memory_working_set_bytes{container="$service"}',
      ...APP_QUERIES,
      presence: 'count(container_memory_working_set_bytes{container="$service"})',
      limit: 'sum(kube_pod_container_resource_limits{resource="memory", container="$service"})',
      // The kubelets serving cAdvisor: a node whose kubelet was not scraped leaves its pods without data.
      up: 'up{job=~"kubelet|cadvisor"}',
      restarts: 'sum by (pod) (kube_pod_container_status_restarts_total{container="$service"})',
    },
    needs: 'cAdvisor (the kubelet) and kube-state-metrics; container named like the service',
  },
};

/** Presets in the order pymem tries them: one series per process before one per pod. */
export const DETECTION_ORDER: readonly PresetId[] = ['prometheus-client', 'multiprocess-gauge', 'process-exporter', 'cadvisor'];
