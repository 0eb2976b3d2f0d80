/**
 * The Prometheus HTTP API as a boundary: zod schemas for the response envelope,
 * mapping of matrix results onto the query grid, and translation of every failure
 * (transport, HTTP status, body) into a MetricsError a person can act on.
 *
 * Everything here is pure except that it inspects error objects it is given.
 * The same API is served by Prometheus, VictoriaMetrics, Thanos and Mimir.
 */
import { AxiosError, isCancel } from 'axios';
import { z } from 'zod';
import type { Grid, GridSeries } from '../domain/series';
import { printable } from '../domain/service-name';
import { MetricsError, type MetricsErrorCode } from './errors';

/** Which of our queries a request was for; named in every message. */
export type QueryName = 'memory' | 'traffic' | 'jobs' | 'limit' | 'presence' | 'up' | 'restarts' | 'scrape-interval' | 'ping';

export interface RequestContext {
  /** "Prometheus at http://host:9090", never with credentials. */
  readonly backend: string;
  readonly query: QueryName;
  /** The PromQL that was sent. */
  readonly promql: string;
}

// ---------------------------------------------------------------------------
// Schemas

const SAMPLE_TEXT = /^(?:NaN|[+-]?Inf|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/;

/** Sample values arrive as strings: "1234", "1.5e+09", "NaN", "+Inf", "-Inf". */
export function parseSampleValue(text: string): number {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    default:
      if (!SAMPLE_TEXT.test(text)) throw new RangeError(`not a Prometheus sample value: "${printable(text, 40)}"`);
      return Number(text);
  }
}

const sampleValue = z
  .string()
  .refine((text) => SAMPLE_TEXT.test(text), { message: 'expected a sample value such as "1.5", "NaN" or "+Inf"' })
  .transform(parseSampleValue);

/** [unix time in seconds (may carry a fraction), value]. */
const samplePair = z.tuple([z.number(), sampleValue]);
const labelSet = z.record(z.string(), z.string());

/**
 * The bulk of a range answer: checked by one hand-written loop instead of a schema per pair,
 * because a week of 64 workers is hundreds of thousands of pairs and per-element schemas cost
 * seconds there. It checks exactly what samplePair checks.
 */
const samplePairs = z.custom<unknown[]>((value) => Array.isArray(value), { message: 'expected an array of [time, value] pairs' }).transform((pairs, ctx) => {
  const out: [number, number][] = new Array(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    const pair: unknown = pairs[i];
    if (!Array.isArray(pair) || pair.length !== 2) {
      ctx.addIssue({ code: 'custom', message: 'expected a [unix seconds, "sample value"] pair', path: [i] });
      return z.NEVER;
    }
    if (typeof pair[0] !== 'number') {
      ctx.addIssue({ code: 'custom', message: 'expected a number of unix seconds', path: [i, 0] });
      return z.NEVER;
    }
    if (typeof pair[1] !== 'string' || !SAMPLE_TEXT.test(pair[1])) {
      ctx.addIssue({ code: 'custom', message: 'expected a sample value such as "1.5", "NaN" or "+Inf"', path: [i, 1] });
      return z.NEVER;
    }
    out[i] = [pair[0], parseSampleValue(pair[1])];
  }
  return out;
});

const matrixData = z.object({
  resultType: z.literal('matrix'),
  result: z.array(
    z.object({
      metric: labelSet,
      // Series of native histograms carry `histograms` instead; we only read floats.
      values: samplePairs.default([]),
    }),
  ),
});
const vectorData = z.object({
  resultType: z.literal('vector'),
  result: z.array(z.object({ metric: labelSet, value: samplePair })),
});
const scalarData = z.object({ resultType: z.literal('scalar'), result: samplePair });
const stringData = z.object({ resultType: z.literal('string'), result: z.tuple([z.number(), z.string()]) });

const resultData = z.discriminatedUnion('resultType', [matrixData, vectorData, scalarData, stringData]);

const envelope = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: resultData,
    warnings: z.array(z.string()).optional(),
  }),
  z.object({
    status: z.literal('error'),
    errorType: z.string(),
    error: z.string(),
  }),
]);

export type ApiEnvelope = z.infer<typeof envelope>;
export type ApiResultData = z.infer<typeof resultData>;
export type MatrixSeries = z.infer<typeof matrixData>['result'][number];

/** A successful answer: the data and any warnings the backend attached (Thanos partial responses, ...). */
export interface ApiSuccess {
  readonly data: ApiResultData;
  readonly warnings: readonly string[];
}

// ---------------------------------------------------------------------------
// Interpreting an HTTP answer

/** What came back over HTTP, before any interpretation. */
export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/**
 * Turns an HTTP answer into the API's data, or throws a MetricsError saying what went wrong.
 * Called for every status code: the error envelope of a 400 is as informative as a 200.
 */
export function interpretAnswer(answer: HttpAnswer, context: RequestContext, maxResponseBytes: number): ApiSuccess {
  const { status } = answer;
  if (Buffer.byteLength(answer.body, 'utf8') > maxResponseBytes) throw responseTooLarge(context, maxResponseBytes);
  if (status === 401 || status === 403) throw refused(answer, context);

  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch (error) {
    throw notTheApi(answer, context, 'an answer that is not JSON', error);
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) {
    throw notTheApi(answer, context, `JSON that does not match the Prometheus API (${summariseIssues(parsed.error)})`, parsed.error);
  }
  const body = parsed.data;
  if (body.status === 'error') throw apiError(status, body.errorType, body.error, context);
  if (status < 200 || status > 299) {
    throw notTheApi(answer, context, `a success envelope with HTTP ${status}`, undefined);
  }
  return { data: body.data, warnings: body.warnings ?? [] };
}

/**
 * 401 and 403. Mimir and Cortex answer a request without a tenant with 401 "no org id", so a body
 * that speaks of a tenant or org id points at the tenant setting rather than the credentials.
 */
function refused(answer: HttpAnswer, context: RequestContext): MetricsError {
  const { status } = answer;
  const said = answer.body.trim() === '' ? '' : ` ("${printable(answer.body.trim().split('\n')[0] ?? '', 100)}")`;
  const head = `${context.backend} refused ${queryLabel(context.query)} with HTTP ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}${said}`;
  if (/org.?id|tenant/i.test(answer.body)) {
    return new MetricsError(
      'unauthorized',
      `${head}: it wants a tenant; set PROMETHEUS_TENANT (prometheus.tenant) to the tenant id, sent as X-Scope-OrgID, and check that it may read metrics.`,
    );
  }
  return new MetricsError(
    'unauthorized',
    `${head}: check the credentials configured for it (PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD), ` +
      'the tenant (PROMETHEUS_TENANT) on a multi-tenant backend, and that they may read metrics.',
  );
}

/** The matrix of a range query, or a 'bad-response' error when the backend answered with another result type. */
export function expectMatrix(success: ApiSuccess, context: RequestContext): readonly MatrixSeries[] {
  if (success.data.resultType === 'matrix') return success.data.result;
  throw new MetricsError(
    'bad-response',
    `${context.backend} answered ${queryLabel(context.query)} with a ${success.data.resultType} where a range query returns a matrix: ` +
      'check that the URL points at the Prometheus HTTP API.',
  );
}

/**
 * Places each series on the grid: sample time t (seconds) goes to index
 * round((t * 1000 - startMs) / stepMs); samples off the grid are dropped and
 * grid points without a sample stay NaN.
 */
export function toGridSeries(series: readonly MatrixSeries[], grid: Grid): GridSeries[] {
  return series.map(({ metric, values }) => {
    const out = new Float64Array(grid.length).fill(Number.NaN);
    for (const [tSeconds, value] of values) {
      const index = Math.round((tSeconds * 1000 - grid.startMs) / grid.stepMs);
      if (index >= 0 && index < grid.length) out[index] = value;
    }
    return { labels: metric, values: out };
  });
}

/** The last value of a series that is a number (not NaN), or null. */
export function lastValue(values: Float64Array): number | null {
  for (let i = values.length - 1; i >= 0; i -= 1) {
    const v = values[i]!;
    if (!Number.isNaN(v)) return v;
  }
  return null;
}

function apiError(status: number, errorType: string, error: string, context: RequestContext): MetricsError {
  const said = `"${printable(error, 300)}" (${errorType})`;
  if (status === 400 || status === 422) {
    return new MetricsError(
      'bad-query',
      `${context.backend} rejected ${queryLabel(context.query)} with ${said}. ` +
        `The query sent was: ${printable(context.promql, 300)}. ${fixHint(context.query)}`,
    );
  }
  if (status >= 500 || status === 429) {
    return new MetricsError(
      'server-error',
      `${context.backend} failed on ${queryLabel(context.query)} with HTTP ${status}: ${said}. ` +
        'It may be overloaded or restarting: try again in a minute, or a shorter window.',
    );
  }
  return new MetricsError(
    'bad-response',
    `${context.backend} answered ${queryLabel(context.query)} with HTTP ${status}: ${said}. ` +
      'Check that the URL points at the Prometheus HTTP API, including any path prefix (Mimir: /prometheus).',
  );
}

function notTheApi(answer: HttpAnswer, context: RequestContext, what: string, cause: unknown): MetricsError {
  const excerpt = `"${printable(answer.body.replace(/\s+/g, ' ').trim(), 120)}"`;
  const type = answer.contentType ? `, ${answer.contentType.split(';')[0]}` : '';
  if (answer.status >= 500) {
    // Prometheus answers 503 in plain text while it starts or replays its WAL.
    return new MetricsError(
      'server-error',
      `${context.backend} failed on ${queryLabel(context.query)} with HTTP ${answer.status}${type}: ${excerpt}. ` +
        'It may be starting up, overloaded or behind a failing proxy: try again in a minute.',
      { cause },
    );
  }
  return new MetricsError(
    'bad-response',
    `${context.backend} answered ${queryLabel(context.query)} with ${what} (HTTP ${answer.status}${type}: ${excerpt}). ` +
      'Check that the URL points at the Prometheus HTTP API, including any path prefix, and not at a UI or a login page.',
    { cause },
  );
}

function summariseIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : 'body';
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : '';
  return printable(shown.join('; ') + more, 300);
}

// ---------------------------------------------------------------------------
// Transport failures

/** Why a request's signal fired, as seen by the caller that set the signals up. */
export type AbortReason = 'caller' | 'timeout' | null;

export interface TransportFacts {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Which signal aborted the request, when one did. */
  readonly abortedBy: AbortReason;
}

const UNREACHABLE_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: is it running, and is the port right?',
  ENOTFOUND: 'the host name does not resolve (DNS): check the host in the URL',
  EAI_AGAIN: 'DNS lookup failed temporarily: check the host in the URL and DNS',
  EHOSTUNREACH: 'no route to the host: check the URL and the network between the bot and the backend',
  ENETUNREACH: 'network unreachable: check the URL and the network between the bot and the backend',
  EHOSTDOWN: 'the host is down: check the URL and that the server is running',
  ECONNRESET: 'the connection was reset: check the URL, and any proxy or TLS settings in between',
  EPIPE: 'the connection was closed while sending: check the URL and any proxy in between',
  ERR_INVALID_URL: 'the URL is not valid: check the backend URL in the config',
};

/** Maps an error thrown by axios (or anything else on the way) onto a MetricsError. */
export function mapTransportError(error: unknown, context: RequestContext, facts: TransportFacts): MetricsError {
  if (error instanceof MetricsError) return error;
  const cause = error instanceof AxiosError ? redactAxiosError(error) : error;
  if (isCancel(error) || (error instanceof AxiosError && error.code === AxiosError.ERR_CANCELED)) {
    return facts.abortedBy === 'timeout' ? timedOut(context, facts, cause) : aborted(context, cause);
  }
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === AxiosError.ETIMEDOUT || code === AxiosError.ECONNABORTED || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return timedOut(context, facts, cause);
  }
  if (/maxContentLength size of \d+ exceeded/.test(message)) {
    return responseTooLarge(context, facts.maxResponseBytes, cause);
  }
  const reason = code === undefined ? undefined : (UNREACHABLE_REASONS[code] ?? tlsReason(code));
  if (reason !== undefined) {
    return new MetricsError('unreachable', `Could not reach ${context.backend} (${reason}).`, { cause });
  }
  if (code === AxiosError.ERR_BAD_RESPONSE) {
    // The server went away in the middle of the answer.
    return new MetricsError(
      'server-error',
      `${context.backend} broke off its answer to ${queryLabel(context.query)} (${printable(message, 120)}): try again in a minute.`,
      { cause },
    );
  }
  return new MetricsError(
    'unreachable',
    `Could not reach ${context.backend} (${printable(message, 160)}${code ? `, ${code}` : ''}): check the URL and that the server is running.`,
    { cause },
  );
}

/** Whether a failure of an optional query should fail the whole request (the backend is not usable at all). */
export function isFatal(code: MetricsErrorCode): boolean {
  switch (code) {
    case 'unreachable':
    case 'timeout':
    case 'unauthorized':
    case 'aborted':
      return true;
    case 'bad-query':
    case 'server-error':
    case 'bad-response':
    case 'response-too-large':
    case 'too-many-series':
    case 'unknown-service':
    case 'no-series':
      return false;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/** Node's codes for a certificate chain that does not lead to a CA it trusts. */
const UNTRUSTED_CERT = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;

function tlsReason(code: string): string | undefined {
  if (UNTRUSTED_CERT.test(code)) {
    return (
      `TLS failed (${code}): the server's certificate is not signed by a CA pymem trusts; ` +
      'set PROMETHEUS_CA_FILE (prometheus.caFile) to the PEM file of the CA that signed it'
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS failed (${code}): the server's certificate does not name the host in the URL; use the host name the certificate was issued for`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `TLS failed (${code}): the server's certificate is outside its validity period; renew it, or check the clocks`;
  }
  if (/^(EPROTO|ERR_SSL_WRONG_VERSION_NUMBER)$/.test(code)) {
    return `TLS failed (${code}): the server does not seem to speak TLS on this port; check whether the URL should be http:// or https://`;
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code)) {
    return `TLS failed (${code}): check the URL's scheme, the server's certificate, and PROMETHEUS_CA_FILE if it is signed by a private CA`;
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

function timedOut(context: RequestContext, facts: TransportFacts, cause: unknown): MetricsError {
  return new MetricsError(
    'timeout',
    `${context.backend} did not answer ${queryLabel(context.query)} within ${formatSeconds(facts.timeoutMs)}: ` +
      'it may be overloaded; try a shorter window, or raise the backend timeout in the config.',
    { cause },
  );
}

function aborted(context: RequestContext, cause: unknown): MetricsError {
  return new MetricsError('aborted', `The request to ${context.backend} for ${queryLabel(context.query)} was cancelled.`, {
    cause,
  });
}

function responseTooLarge(context: RequestContext, maxResponseBytes: number, cause?: unknown): MetricsError {
  return new MetricsError(
    'response-too-large',
    `The answer of ${context.backend} to ${queryLabel(context.query)} is larger than the ${formatBytes(maxResponseBytes)} limit: ` +
      'narrow the query in the config (fewer series), use a shorter window, or raise the response size limit.',
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Strips what could carry a secret from an axios error before it is kept as a cause:
 * the request objects hold the raw request head (Authorization included), the config
 * holds headers and basic-auth credentials.
 */
export function redactAxiosError(error: AxiosError): AxiosError {
  const config = error.config;
  if (config) {
    delete config.auth;
    for (const name of Object.keys(config.headers ?? {})) {
      if (!/^(accept|content-type|user-agent|accept-encoding|content-length)$/i.test(name)) {
        config.headers.set(name, '[redacted]');
      }
    }
    if (typeof config.url === 'string') config.url = redactUrl(config.url);
    if (typeof config.baseURL === 'string') config.baseURL = redactUrl(config.baseURL);
  }
  error.request = undefined;
  if (error.response) {
    error.response.request = undefined;
    error.response.config = config ?? error.response.config;
  }
  return error;
}

// ---------------------------------------------------------------------------
// Wording

/** The URL without user name and password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

export function queryLabel(query: QueryName): string {
  return query === 'ping' ? 'the reachability check (query=1)' : `the ${query} query`;
}

function fixHint(query: QueryName): string {
  return query === 'ping'
    ? 'The backend may not speak PromQL: check the URL.'
    : `Fix the ${query} query template in the config.`;
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}
