/**
 * Time series as the analysis engine sees them: every series sits on one shared
 * query grid (the `query_range` start/step), with NaN where a sample is absent.
 * Nothing here does I/O; sources (Prometheus, demo) produce these values.
 */

export type Labels = Readonly<Record<string, string>>;

/** The evaluation grid of a range query: point i is at startMs + i * stepMs. */
export interface Grid {
  readonly startMs: number;
  readonly stepMs: number;
  /** Number of grid points, both ends included. */
  readonly length: number;
}

/** One series on the grid. values[i] is NaN where the backend returned no sample. */
export interface GridSeries {
  readonly labels: Labels;
  readonly values: Float64Array;
}

export type LimitSource = 'config' | 'metrics';

export interface MemoryLimit {
  /** Memory budget for all of the service's workers together, in bytes. */
  readonly bytes: number;
  readonly source: LimitSource;
}

/** What one memory series stands for: one worker process, or one pod (however many processes it runs). */
export type Granularity = 'process' | 'pod';

/** Where the series came from: the source whose memory query found data, and the PromQL sent. */
export interface SeriesSource {
  /** A preset id (`prometheus-client`, `cadvisor`, ...), `custom` for the config's own queries, `demo`. */
  readonly preset: string;
  /** null when only the labels can tell (custom queries). */
  readonly granularity: Granularity | null;
  /**
   * How the source was chosen: the first preset with data (`auto`), the one the config names
   * (`pinned`), the config's own memory query (`custom`), or the demo's simulation (`simulated`).
   */
  readonly selection: 'auto' | 'pinned' | 'custom' | 'simulated';
  /** The PromQL sent, with the service filled in; null for a query that is off. */
  readonly queries: {
    readonly memory: string;
    readonly traffic: string | null;
    readonly jobs: string | null;
    readonly limit: string | null;
    readonly up: string | null;
    readonly restarts: string | null;
  };
}

/** Everything the classifier needs about one service over one window. */
export interface ServiceSeries {
  readonly service: string;
  readonly grid: Grid;
  /** Resident memory in bytes; each series is one worker process (one pid). */
  readonly memory: readonly GridSeries[];
  /** Requests per second for the whole service, or null when the query returned nothing. */
  readonly traffic: GridSeries | null;
  /** Job starts per second, one series per job type (label `name`); empty when absent. */
  readonly jobs: readonly GridSeries[];
  readonly limit: MemoryLimit | null;
  /**
   * Scrape health of the service's targets (Prometheus's `up`: 1 scraped, 0 failed), one series per
   * target with its `instance` label; empty when unknown. A worker whose target was down is missing
   * data, not a process that ended.
   */
  readonly targets: readonly GridSeries[];
  /** Container restarts per pod (a counter), where the source has them; empty otherwise. */
  readonly restarts: readonly GridSeries[];
  readonly source: SeriesSource;
  /** Non-fatal problems met while collecting (an optional query failed, ...). */
  readonly warnings: readonly string[];
}

export function gridTimeMs(grid: Grid, index: number): number {
  return grid.startMs + index * grid.stepMs;
}

export function gridEndMs(grid: Grid): number {
  return gridTimeMs(grid, grid.length - 1);
}

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
