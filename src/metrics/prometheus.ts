/**
 * MetricsSource over the Prometheus HTTP API (`/api/v1/query_range`), which
 * Prometheus, VictoriaMetrics, Thanos and Mimir all serve.
 */
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { TENANT_HEADER } from '../config/backend-checks';
import { DETECTION_ORDER, PRESETS } from '../domain/presets';
import { DEFAULT_QUERIES, type PrometheusSettings, type ServiceSettings, type SourceQueries } from '../config/types';
import type { DoctorProbe, PresetProbe, ProbeSelection, QueryCount } from '../domain/doctor';
import { renderTemplate, TemplateError, type TemplateValues, usesRateInterval } from '../domain/promql-template';
import { plainSelector, promDuration, rateIntervalSeconds, scrapeIntervalFromCounts } from '../domain/rate-interval';
import { printable } from '../domain/service-name';
import type { GridSeries, MemoryLimit, ServiceSeries } from '../domain/series';
import { MetricsError } from './errors';
import {
  type AbortReason,
  type ApiSuccess,
  expectMatrix,
  interpretAnswer,
  isFatal,
  lastValue,
  mapTransportError,
  queryLabel,
  type QueryName,
  redactUrl,
  type RequestContext,
  toGridSeries,
} from './prometheus-api';
import type { MetricsSource, SeriesRequest } from './source';
import { planRange, type RangePlan } from './step';

export interface PrometheusSourceOptions {
  /** The axios instance to send requests with (tests, proxies, custom agents). */
  readonly http?: AxiosInstance;
}

/** How long a source found for a service is tried first. */
const DETECTION_TTL_MS = 10 * 60_000;

/** The answers of a source's optional queries. */
interface Companions {
  readonly traffic: Optional<QueryAnswer | null>;
  readonly jobs: Optional<QueryAnswer | null>;
  readonly limit: Optional<QueryAnswer | null>;
  readonly up: Optional<QueryAnswer | null>;
  readonly restarts: Optional<QueryAnswer | null>;
}

/** Outcome of an optional query: its value, or the warning that replaces it. */
type Optional<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly warning: string };

/** The series of one range query and the warnings the backend attached to it. */
interface QueryAnswer {
  readonly series: GridSeries[];
  readonly warnings: readonly string[];
}

export class PrometheusSource implements MetricsSource {
  readonly description: string;
  private readonly http: AxiosInstance;
  private readonly baseUrl: string;
  private readonly auth: AxiosRequestConfig['auth'] | undefined;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly settings: PrometheusSettings,
    private readonly serviceSettings: (service: string) => ServiceSettings,
    options: PrometheusSourceOptions = {},
  ) {
    const { baseUrl, urlAuth } = splitCredentials(settings.url);
    this.baseUrl = baseUrl;
    this.description = `Prometheus at ${baseUrl}`;
    this.http = options.http ?? axios.create(settings.ca === null ? {} : { httpsAgent: httpsAgentTrusting(settings.ca.pem) });
    this.headers = { ...settings.headers, ...(settings.tenant === null ? {} : { [TENANT_HEADER]: settings.tenant }), Accept: 'application/json' };
    switch (settings.auth.kind) {
      case 'bearer':
        this.headers['Authorization'] = `Bearer ${settings.auth.token}`;
        this.auth = undefined;
        break;
      case 'basic':
        this.auth = { username: settings.auth.username, password: settings.auth.password };
        break;
      case 'none':
        // Credentials written into the URL (http://user:pass@host) still work, but never show up in messages.
        this.auth = urlAuth;
        break;
      default: {
        const unknownAuth: never = settings.auth;
        throw new Error(`unknown auth kind ${JSON.stringify(unknownAuth)}`);
      }
    }
  }

  knownServices(): readonly string[] | null {
    return null;
  }

  /** Runs `query=1` as an instant query: it works on every backend that serves the API (unlike /-/ready). */
  async ping(signal?: AbortSignal): Promise<void> {
    await this.get('/api/v1/query', { query: '1' }, { backend: this.description, query: 'ping', promql: '1' }, signal);
  }

  async fetchService(request: SeriesRequest): Promise<ServiceSeries> {
    const { service, window, signal } = request;
    const config = this.serviceSettings(service);
    const plan = planRange(window, this.settings.minStepSeconds);
    // One controller for the whole request, so a fatal failure cancels the queries still in flight.
    const { controller, release } = followCaller(signal);
    // The range `$rate_interval` stands for, per source: measured once, only for a source whose rates ask for it.
    const rateValues = new Map<SourceQueries, Promise<TemplateValues>>();
    const valuesFor = (source: SourceQueries): Promise<TemplateValues> => {
      let values = rateValues.get(source);
      if (values === undefined) {
        values = this.rateValues(source, service, plan, controller.signal);
        rateValues.set(source, values);
      }
      return values;
    };
    const run = async (query: QueryName, template: string, source?: SourceQueries): Promise<QueryAnswer> => {
      const values = source === undefined ? {} : await valuesFor(source);
      return this.range(query, this.render(query, template, service, values), plan, controller.signal, signal);
    };
    try {
      const sources = this.inDetectionOrder(service, config.sources);
      // The first source's other queries go out with its memory query: it is the one that usually answers.
      const first = sources[0]!;
      const firstRest = this.companions(first, config, run);
      firstRest.catch(() => undefined);
      let chosen = first;
      let memory = await run('memory', first.queries.memory).catch((error: unknown) => {
        controller.abort();
        throw error;
      });
      let rest: Promise<Companions> = firstRest;
      for (const candidate of sources.slice(1)) {
        if (memory.series.length > 0) break;
        // A preset's query the backend refuses (a function it lacks) rules that preset out, nothing more.
        const answer = await run('memory', candidate.queries.memory).catch((error: unknown) => {
          if (error instanceof MetricsError && !isFatal(error.code)) return null;
          throw error;
        });
        if (answer === null || answer.series.length === 0) continue;
        chosen = candidate;
        memory = answer;
        rest = this.companions(candidate, config, run);
      }
      if (sources.length > 1 && memory.series.length > 0) this.detected.set(service, { preset: chosen.preset, atMs: Date.now() });
      const { traffic, jobs, limit, up, restarts } = await rest.catch((error: unknown) => {
        controller.abort();
        throw error;
      });
      const values = await valuesFor(chosen);

      const warnings = [...memory.warnings];
      const trafficSeries = collect(traffic, warnings);
      const jobSeries = collect(jobs, warnings);
      const limitSeries = collect(limit, warnings);
      const upSeries = collect(up, warnings);
      const restartSeries = collect(restarts, warnings);
      this.checkSeriesCount(service, memory.series.length);
      if (memory.series.length === 0) {
        warnings.push(...(await this.checkPresence(service, chosen.queries.presence, plan, controller.signal, signal)));
      }
      // A companion that could not be built was never sent (its warning says why): there is no PromQL to show.
      const rendered = (query: QueryName, template: string | null): string | null => (template === null ? null : this.renderedOrNull(query, template, service, values));
      return {
        service,
        grid: plan.grid,
        memory: memory.series,
        traffic: trafficSeries === null ? null : firstSeries(trafficSeries, 'traffic', warnings),
        jobs: jobSeries ?? [],
        limit: config.limitBytes !== null ? { bytes: config.limitBytes, source: 'config' } : limitFrom(limitSeries ?? []),
        targets: upSeries ?? [],
        restarts: restartSeries ?? [],
        source: {
          preset: chosen.preset,
          granularity: chosen.granularity,
          selection: sources.length > 1 ? 'auto' : chosen.preset === 'custom' ? 'custom' : 'pinned',
          queries: {
            memory: this.render('memory', chosen.queries.memory, service),
            traffic: rendered('traffic', chosen.queries.traffic),
            jobs: rendered('jobs', chosen.queries.jobs),
            limit: config.limitBytes === null ? rendered('limit', chosen.queries.limit) : null,
            up: rendered('up', chosen.queries.up),
            restarts: rendered('restarts', chosen.queries.restarts),
          },
        },
        warnings,
      };
    } finally {
      release();
    }
  }

  /**
   * `pymem doctor`: every preset's memory query and companions over the window, each answer
   * counted. Identical PromQL (the presets share their traffic and job queries) is sent once; a
   * query the backend refuses becomes a failed count, a backend that is down an error.
   */
  async probeService(request: SeriesRequest): Promise<DoctorProbe> {
    const { service, window, signal } = request;
    const config = this.serviceSettings(service);
    const plan = planRange(window, this.settings.minStepSeconds);
    const { controller, release } = followCaller(signal);
    const sent = new Map<string, Promise<QueryCount>>();
    const count = (query: QueryName, template: string | null): Promise<QueryCount> => {
      if (template === null) return Promise.resolve({ status: 'off' });
      let promql: string;
      try {
        promql = this.render(query, template, service);
      } catch (error) {
        return Promise.resolve({ status: 'failed', reason: error instanceof Error ? error.message : String(error) });
      }
      const known = sent.get(promql);
      if (known) return known;
      const answer = this.range(query, promql, plan, controller.signal, signal).then(
        (a): QueryCount => ({ status: 'found', series: a.series.length }),
        (error: unknown): QueryCount => {
          if (error instanceof MetricsError && !isFatal(error.code)) return { status: 'failed', reason: error.message };
          controller.abort();
          throw error;
        },
      );
      sent.set(promql, answer);
      return answer;
    };
    const first = config.sources[0]!;
    const selection: ProbeSelection = config.sources.length > 1 ? { kind: 'auto' } : first.preset === 'custom' ? { kind: 'custom' } : { kind: 'pinned', preset: first.preset };
    // Every preset with the config's overrides where the config has them; its own memory query as one more row.
    const candidates: SourceQueries[] = [
      ...(first.preset === 'custom' ? [first] : []),
      ...DETECTION_ORDER.map((id) => config.sources.find((s) => s.preset === id) ?? { preset: id, granularity: PRESETS[id].granularity, queries: PRESETS[id].queries }),
    ];
    const limitOn = config.limitBytes === null;
    try {
      const probes = candidates.map(async (c): Promise<PresetProbe> => {
        const [memory, traffic, jobs, limit, up] = await Promise.all([
          count('memory', c.queries.memory),
          count('traffic', c.queries.traffic),
          count('jobs', c.queries.jobs),
          count('limit', limitOn ? c.queries.limit : null),
          count('up', c.queries.up),
        ]);
        // A memory query that cannot be built is shown as its template: the failed count says why.
        const memoryQuery = this.renderedOrNull('memory', c.queries.memory, service) ?? c.queries.memory;
        return { preset: c.preset, granularity: c.granularity, memoryQuery, memory, traffic, jobs, limit, up };
      });
      const presets = await Promise.all(probes);
      return {
        service,
        backend: this.description,
        window: { start: new Date(plan.grid.startMs).toISOString(), end: new Date(plan.endSeconds * 1000).toISOString() },
        selection,
        limitFromConfig: !limitOn,
        presets,
      };
    } finally {
      release();
    }
  }

  /** Sources a service was found on recently go first: one memory query instead of several. */
  private readonly detected = new Map<string, { readonly preset: string; readonly atMs: number }>();

  private inDetectionOrder(service: string, sources: readonly SourceQueries[]): readonly SourceQueries[] {
    const known = this.detected.get(service);
    if (!known || Date.now() - known.atMs > DETECTION_TTL_MS) return sources;
    const hit = sources.find((s) => s.preset === known.preset);
    return hit ? [hit, ...sources.filter((s) => s !== hit)] : sources;
  }

  /** The optional queries of one source, in parallel; a failure that leaves the backend usable becomes a warning. */
  private async companions(
    source: SourceQueries,
    config: ServiceSettings,
    run: (query: QueryName, template: string, source?: SourceQueries) => Promise<QueryAnswer>,
  ): Promise<Companions> {
    const { queries } = source;
    // A limit set in the config wins; the limit query is not even sent.
    const limitTemplate = config.limitBytes === null ? queries.limit : null;
    const [traffic, jobs, limit, up, restarts] = await Promise.all([
      this.optional(queries.traffic, (t) => run('traffic', t, source)),
      this.optional(queries.jobs, (t) => run('jobs', t, source)),
      this.optional(limitTemplate, (t) => run('limit', t)),
      this.optional(queries.up, (t) => run('up', t)),
      this.optional(queries.restarts, (t) => run('restarts', t)),
    ]);
    return { traffic, jobs, limit, up, restarts };
  }

  private checkSeriesCount(service: string, count: number): void {
    if (count <= this.settings.maxSeries) return;
    throw new MetricsError(
      'too-many-series',
      `The memory query for "${printable(service)}" returned ${count} series from ${this.description}, ` +
        `more than the limit of ${this.settings.maxSeries} (one series per worker process is expected). ` +
        'Narrow the memory query in the config (e.g. add a matcher for the right container or process), ' +
        'or raise the series limit if the service really runs that many workers.',
    );
  }

  /**
   * The memory query found nothing. With a presence query we can tell "this service is not
   * scraped at all" (an error) from "it is, but has no memory metric" (insufficient data).
   */
  private async checkPresence(
    service: string,
    template: string | null,
    plan: RangePlan,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined,
  ): Promise<string[]> {
    if (template === null) return [];
    let promql = template;
    const presence = await this.optional(template, async (t) => {
      promql = this.render('presence', t, service);
      return this.range('presence', promql, plan, signal, callerSignal);
    });
    const warnings: string[] = [];
    const series = collect(presence, warnings);
    // A failed presence query cannot prove the service unknown: report it and carry on.
    if (series === null || series.some((s) => s.values.some((v) => !Number.isNaN(v)))) return warnings;
    const what =
      template === DEFAULT_QUERIES.presence
        ? `No series at all have job="${printable(service)}"`
        : `The presence query (${printable(promql, 200)}) found no series for "${printable(service)}"`;
    const minutes = Math.round(((plan.grid.length - 1) * plan.grid.stepMs) / 60_000);
    throw new MetricsError(
      'unknown-service',
      `${what} in this window (${minutes} minutes up to ${new Date(plan.endSeconds * 1000).toISOString()}) ` +
        `on ${this.description}: check the service name or the window.`,
    );
  }

  /**
   * What `$rate_interval` stands for in this source's rates: measured from the scrape interval of
   * its targets (see domain/rate-interval.ts). Sources whose rates have their own range skip it.
   */
  private async rateValues(source: SourceQueries, service: string, plan: RangePlan, signal: AbortSignal): Promise<TemplateValues> {
    const { queries } = source;
    const asks = [queries.traffic, queries.jobs].some((t) => t !== null && safelyUses(t));
    if (!asks) return {};
    const windowSeconds = plan.endSeconds - plan.startSeconds;
    const scrapeSeconds = await this.scrapeInterval([queries.up, queries.memory], service, plan, signal);
    return { rateInterval: promDuration(rateIntervalSeconds({ scrapeSeconds, stepSeconds: plan.stepSeconds, windowSeconds })) };
  }

  /**
   * The scrape interval of the first template that is a plain selector (the targets' `up`, else the
   * memory series): its raw samples counted over ranges spread through the window. null when no
   * template is a plain selector or the backend cannot answer; the caller then assumes a slow scrape.
   */
  private async scrapeInterval(templates: readonly (string | null)[], service: string, plan: RangePlan, signal: AbortSignal): Promise<number | null> {
    const selector = templates.map((t) => (t === null ? null : plainSelector(this.renderedOrNull('up', t, service) ?? ''))).find((s): s is string => s !== null) ?? null;
    if (selector === null) return null;
    const windowSeconds = plan.endSeconds - plan.startSeconds;
    const rangeSeconds = Math.round(Math.min(3600, Math.max(300, windowSeconds / 5)));
    const stepSeconds = Math.max(rangeSeconds, Math.ceil(windowSeconds / 10));
    const promql = `max(count_over_time(${selector}[${promDuration(rangeSeconds)}]))`;
    const context: RequestContext = { backend: this.description, query: 'scrape-interval', promql };
    const params = { query: promql, start: String(plan.endSeconds - Math.floor(windowSeconds / stepSeconds) * stepSeconds), end: String(plan.endSeconds), step: String(stepSeconds) };
    try {
      const answer = await this.get('/api/v1/query_range', params, context, signal);
      const counts = expectMatrix(answer, context).flatMap((s) => s.values.map(([, v]) => v));
      return scrapeIntervalFromCounts(counts, rangeSeconds);
    } catch {
      // Not knowing the interval costs only precision: the rate range falls back to a safe length.
      return null;
    }
  }

  /** Templates are checked when the config loads; a value that still cannot be placed is a bad query. */
  private render(query: QueryName, template: string, service: string, values: TemplateValues = {}): string {
    try {
      return renderTemplate(template, service, values);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      throw new MetricsError(
        'bad-query',
        `Could not build ${queryLabel(query)} for "${printable(service)}" (${error.message}): fix the ${query} query template in the config.`,
        { cause: error },
      );
    }
  }

  /** The PromQL, or null when the service name cannot go into the template (render says why, where that matters). */
  private renderedOrNull(query: QueryName, template: string, service: string, values: TemplateValues = {}): string | null {
    try {
      return this.render(query, template, service, values);
    } catch {
      return null;
    }
  }

  /** Runs an optional query; failures that leave the backend usable become a warning. */
  private async optional<T>(template: string | null, run: (template: string) => Promise<T>): Promise<Optional<T | null>> {
    if (template === null) return { ok: true, value: null };
    try {
      return { ok: true, value: await run(template) };
    } catch (error) {
      if (error instanceof MetricsError && !isFatal(error.code)) {
        return { ok: false, warning: error.message };
      }
      throw error;
    }
  }

  private async range(
    query: QueryName,
    promql: string,
    plan: RangePlan,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined,
  ): Promise<QueryAnswer> {
    const context: RequestContext = { backend: this.description, query, promql };
    const params = {
      query: promql,
      start: String(plan.startSeconds),
      end: String(plan.endSeconds),
      step: String(plan.stepSeconds),
    };
    const answer = await this.get('/api/v1/query_range', params, context, signal, callerSignal);
    const series = toGridSeries(expectMatrix(answer, context), plan.grid);
    const warnings = answer.warnings.map((w) => `${this.description} warned about ${queryLabel(query)}: ${w}`);
    return { series, warnings };
  }

  /** One GET against the API, with every failure mapped onto a MetricsError. */
  private async get(
    path: string,
    params: Record<string, string>,
    context: RequestContext,
    signal: AbortSignal | undefined,
    callerSignal: AbortSignal | undefined = signal,
  ): Promise<ApiSuccess> {
    const { timeoutMs, maxResponseBytes } = this.settings;
    // axios's own timeout only fires on an idle socket; this one bounds the whole exchange.
    const deadline = AbortSignal.timeout(timeoutMs);
    const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
    const abortReason = (): AbortReason =>
      callerSignal?.aborted || signal?.aborted ? 'caller' : deadline.aborted ? 'timeout' : null;
    try {
      const response = await this.http.request<string>({
        method: 'GET',
        url: `${this.baseUrl}${path}`,
        params,
        headers: this.headers,
        ...(this.auth === undefined ? {} : { auth: this.auth }),
        timeout: timeoutMs,
        signal: combined,
        maxContentLength: maxResponseBytes,
        maxBodyLength: maxResponseBytes,
        maxRedirects: 5,
        responseType: 'text',
        // Keep the raw text: we parse it ourselves so a non-JSON answer is reported, not swallowed.
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        transitional: { clarifyTimeoutError: true },
      });
      const contentType = response.headers['content-type'];
      return interpretAnswer(
        {
          status: response.status,
          contentType: typeof contentType === 'string' ? contentType : undefined,
          body: typeof response.data === 'string' ? response.data : String(response.data),
        },
        context,
        maxResponseBytes,
      );
    } catch (error) {
      throw mapTransportError(error, context, { timeoutMs, maxResponseBytes, abortedBy: abortReason() });
    }
  }
}

/** The series of an optional query (null when not configured or failed), moving its warnings into `warnings`. */
function collect(result: Optional<QueryAnswer | null>, warnings: string[]): GridSeries[] | null {
  if (!result.ok) {
    warnings.push(result.warning);
    return null;
  }
  if (result.value === null) return null;
  warnings.push(...result.value.warnings);
  return result.value.series;
}

function firstSeries(series: readonly GridSeries[], query: QueryName, warnings: string[]): GridSeries | null {
  if (series.length > 1) {
    warnings.push(
      `${queryLabel(query)} returned ${series.length} series; using the first. ` +
        `Wrap the ${query} query in sum() in the config to get one series for the whole service.`,
    );
  }
  return series[0] ?? null;
}

/** The limit: last value of the first series, when positive. */
function limitFrom(series: readonly GridSeries[]): MemoryLimit | null {
  const first = series[0];
  if (first === undefined) return null;
  const bytes = lastValue(first.values);
  return bytes !== null && bytes > 0 && Number.isFinite(bytes) ? { bytes, source: 'metrics' } : null;
}

/**
 * An agent that trusts the private CA as well as Node's bundled roots (what NODE_EXTRA_CA_CERTS
 * does, for this backend only): `ca` alone would replace the roots. Built in whichever thread
 * runs the source, from the PEM text the settings carry.
 */
function httpsAgentTrusting(pem: string): HttpsAgent {
  return new HttpsAgent({ ca: [...rootCertificates, pem], keepAlive: true });
}

function splitCredentials(url: string): { baseUrl: string; urlAuth: { username: string; password: string } | undefined } {
  const trimmed = url.replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return { baseUrl: redactUrl(trimmed), urlAuth: undefined };
  }
  if (parsed.username === '' && parsed.password === '') return { baseUrl: trimmed, urlAuth: undefined };
  const urlAuth = { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  return { baseUrl: redactUrl(trimmed).replace(/\/+$/, ''), urlAuth };
}

/** A controller of the request's own that also aborts when the caller's signal does; release when done. */
function followCaller(signal: AbortSignal | undefined): { readonly controller: AbortController; release(): void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  return { controller, release: () => signal?.removeEventListener('abort', onAbort) };
}

function safelyUses(template: string): boolean {
  try {
    return usesRateInterval(template);
  } catch {
    return false;
  }
}
