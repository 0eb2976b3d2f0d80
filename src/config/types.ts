/** Resolved, validated settings. Produced by `loadConfig`; everything else only reads them. */

import { PRESETS, type Granularity, type PresetId, type QueryTemplates } from '../domain/presets';

export type { QueryTemplates };

export type BackendAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

/** The certificates of a CA file, and where they came from (for messages). */
export interface CaBundle {
  /** The setting it was read from and its path, e.g. `PROMETHEUS_CA_FILE (/etc/pymem/ca.pem)`. */
  readonly source: string;
  /** Only the PEM certificate blocks of the file. */
  readonly pem: string;
}

export interface PrometheusSettings {
  /** Base URL, e.g. http://prometheus:9090 or a Mimir/Thanos query frontend prefix. */
  readonly url: string;
  readonly auth: BackendAuth;
  /** Extra headers on every request (checked at start-up: valid names and values, no clash with auth or tenant). */
  readonly headers: Readonly<Record<string, string>>;
  /** Tenant of a multi-tenant backend (Mimir, Cortex), sent as X-Scope-OrgID; null for none. */
  readonly tenant: string | null;
  /**
   * A private CA to trust for https URLs, as PEM text read and checked at start-up: text, not a
   * path, so it crosses to the worker threads as plain data. null: the system's CAs only.
   */
  readonly ca: CaBundle | null;
  /** Per-request time limit. */
  readonly timeoutMs: number;
  /** Largest response body accepted, bytes. */
  readonly maxResponseBytes: number;
  /** Most memory series accepted for one service (one per worker). */
  readonly maxSeries: number;
  /** Smallest query step; the step grows with the window to stay under 11,000 points. */
  readonly minStepSeconds: number;
}

/** One way to read a service's memory: a preset's queries (with the config's overrides), or the config's own. */
export interface SourceQueries {
  /** The preset, or `custom` when the config sets its own memory query. */
  readonly preset: PresetId | 'custom';
  /** What one memory series stands for; null for custom queries (pymem tells from the labels). */
  readonly granularity: Granularity | null;
  readonly queries: QueryTemplates;
}

export interface ServiceSettings {
  /**
   * The sources to try, in order: the first whose memory query returns data is used. One entry
   * when the config names a preset or sets its own memory query; the presets in detection order
   * otherwise.
   */
  readonly sources: readonly SourceQueries[];
  /** The first source's queries (what is sent when there is nothing to choose). */
  readonly queries: QueryTemplates;
  /** Static budget for all workers together, bytes; overrides the limit query. */
  readonly limitBytes: number | null;
  /** Worker processes expected per instance; when > 1 and series carry no pid, data is per pod. */
  readonly workersPerInstance: number | null;
}

/** The queries used when nothing is configured: the prometheus-client preset's. */
export const DEFAULT_QUERIES: QueryTemplates = PRESETS['prometheus-client'].queries;
