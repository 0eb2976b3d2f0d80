import type { DoctorProbe } from '../domain/doctor';
import type { ServiceSeries } from '../domain/series';

/** The window to fetch: it ends at endMs and lasts durationMs. */
export interface WindowRequest {
  readonly endMs: number;
  readonly durationMs: number;
}

export interface SeriesRequest {
  /** Already validated with `parseServiceName`. */
  readonly service: string;
  readonly window: WindowRequest;
  /** Aborts the request (shutdown, caller gave up). */
  readonly signal?: AbortSignal;
}

/** "Give me the memory, traffic, job and limit series of this service over this window." */
export interface MetricsSource {
  /** Short description for messages, e.g. "Prometheus at http://prom:9090" or "demo data". */
  readonly description: string;
  fetchService(request: SeriesRequest): Promise<ServiceSeries>;
  /** Which sources have data for a service, each preset's queries counted (`pymem doctor`). */
  probeService(request: SeriesRequest): Promise<DoctorProbe>;
  /** Services this source knows about, when it can tell (the demo source can; Prometheus returns null). */
  knownServices(): readonly string[] | null;
  /** Cheap reachability check for readiness probes. */
  ping(signal?: AbortSignal): Promise<void>;
}
