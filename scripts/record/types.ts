/** Types of the recipe catalogue (recipes.ts) that the recorder (record.ts) runs. */
import type { PatternId } from '../../src/domain/diagnosis';

export type Server =
  | {
      readonly kind: 'gunicorn';
      readonly worker: 'sync' | 'gthread';
      readonly workers: number;
      readonly threads?: number;
      readonly maxRequests?: number;
      readonly maxRequestsJitter?: number;
    }
  | { readonly kind: 'uvicorn'; readonly workers: number }
  | { readonly kind: 'celery'; readonly concurrency: number };

export interface Phase {
  /** Seconds. */
  readonly dur: number;
  /** Requests per second to EACH instance (http) or tasks per second in all (celery). */
  readonly rps: number;
  /** Ramp linearly to this rate by the end of the phase. */
  readonly rps_end?: number;
  /** Printed as an event when the phase starts. */
  readonly label?: string;
}

export interface Stream {
  /** Celery task name; for http just a name. */
  readonly name: string;
  readonly phases: readonly Phase[];
  /** POST a body of this many KiB (http). */
  readonly body_kb?: number;
  /** Evenly spaced arrivals instead of +-40% jitter. */
  readonly steady?: boolean;
  readonly kwargs?: Readonly<Record<string, unknown>>;
}

export type Action =
  /** SIGSTOP the instance's exporter for forS seconds, then SIGCONT (scrapes time out, up = 0). */
  | { readonly at: number; readonly kind: 'stop-exporter'; readonly instance: number; readonly forS: number }
  /** SIGKILL one worker of the instance (the master respawns it under a new pid). */
  | { readonly at: number; readonly kind: 'kill-worker'; readonly instance: number }
  /** SIGHUP to the Gunicorn master: every worker replaced by a new pid. */
  | { readonly at: number; readonly kind: 'hup'; readonly instance: number }
  /** SIGTTIN to the Gunicorn master `count` times, `spacingS` apart: one more worker each. */
  | { readonly at: number; readonly kind: 'ttin'; readonly instance: number; readonly count: number; readonly spacingS: number }
  /** `celery control pool_grow n` to the instance's node. */
  | { readonly at: number; readonly kind: 'pool-grow'; readonly instance: number; readonly n: number };

export interface Recipe {
  readonly id: string;
  readonly pattern: PatternId;
  readonly components?: readonly PatternId[];
  readonly server: Server;
  readonly instances: number;
  /** PYMEM_CONFIG for every instance (see scripts/record/py/behaviours.py). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Per-instance overrides merged over `config`. */
  readonly instanceConfig?: readonly Readonly<Record<string, unknown>>[];
  /** Extra environment for the service processes (e.g. MALLOC_MMAP_THRESHOLD_). */
  readonly env?: Readonly<Record<string, string>>;
  /** Configured memory budget for the whole service (all instances), exported as container_spec_memory_limit_bytes. */
  readonly limitBytes?: number;
  readonly durationS: number;
  readonly streams: readonly Stream[];
  readonly actions?: readonly Action[];
  /** What the code really does. */
  readonly cause: string;
  /** Nuisances not captured by an action (e.g. an unrelated traffic burst, max_requests). */
  readonly extraNuisances?: readonly string[];
  /** What an engineer should read on the chart: checked against the data before a fixture is kept. */
  readonly reading: string;
}
