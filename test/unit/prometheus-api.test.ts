import { inspect } from 'node:util';
import { AxiosError, AxiosHeaders, CanceledError, type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it } from 'vitest';
import type { Grid } from '../../src/domain/series';
import { MetricsError, type MetricsErrorCode } from '../../src/metrics/errors';
import {
  expectMatrix,
  type HttpAnswer,
  interpretAnswer,
  isFatal,
  lastValue,
  mapTransportError,
  parseSampleValue,
  redactAxiosError,
  redactUrl,
  type RequestContext,
  toGridSeries,
} from '../../src/metrics/prometheus-api';

const context: RequestContext = {
  backend: 'Prometheus at http://prom:9090',
  query: 'memory',
  promql: 'process_resident_memory_bytes{job="svc"}',
};
const MAX = 1024 * 1024;

function answer(status: number, body: unknown, contentType = 'application/json'): HttpAnswer {
  return { status, contentType, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

function failure(fn: () => unknown): MetricsError {
  try {
    fn();
  } catch (error) {
    if (error instanceof MetricsError) return error;
    throw error;
  }
  throw new Error('expected a MetricsError, nothing was thrown');
}

const matrix = (result: unknown): unknown => ({ status: 'success', data: { resultType: 'matrix', result } });

describe('parseSampleValue', () => {
  it.each([
    ['1234', 1234],
    ['1.5e+09', 1.5e9],
    ['-0.25', -0.25],
    ['+Inf', Number.POSITIVE_INFINITY],
    ['-Inf', Number.NEGATIVE_INFINITY],
  ])('%s -> %d', (text, value) => {
    expect(parseSampleValue(text)).toBe(value);
  });

  it('reads NaN', () => {
    expect(parseSampleValue('NaN')).toBeNaN();
  });

  it('refuses text that is not a number', () => {
    expect(() => parseSampleValue('12abc')).toThrow(RangeError);
    expect(() => parseSampleValue('')).toThrow(RangeError);
  });
});

describe('interpretAnswer', () => {
  it('parses a matrix with string values, NaN and infinities', () => {
    const body = matrix([
      { metric: { job: 'svc', pid: '1' }, values: [[1772409600, '10'], [1772409615, 'NaN'], [1772409630, '+Inf']] },
    ]);
    const series = expectMatrix(interpretAnswer(answer(200, body), context, MAX), context);
    expect(series).toHaveLength(1);
    expect(series[0]!.metric).toEqual({ job: 'svc', pid: '1' });
    expect(series[0]!.values[0]).toEqual([1772409600, 10]);
    expect(series[0]!.values[1]![1]).toBeNaN();
    expect(series[0]!.values[2]![1]).toBe(Number.POSITIVE_INFINITY);
  });

  it('keeps the warnings of a success envelope', () => {
    const body = { ...(matrix([]) as object), warnings: ['partial response: store x unavailable'] };
    expect(interpretAnswer(answer(200, body), context, MAX).warnings).toEqual(['partial response: store x unavailable']);
  });

  it('turns a 400 error envelope into bad-query naming the query and quoting Prometheus', () => {
    const body = { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unclosed left parenthesis' };
    const error = failure(() => interpretAnswer(answer(400, body), context, MAX));
    expect(error.code).toBe('bad-query');
    expect(error.message).toContain('the memory query');
    expect(error.message).toContain('1:5: parse error: unclosed left parenthesis');
    expect(error.message).toContain('process_resident_memory_bytes{job="svc"}');
    expect(error.message).toContain('http://prom:9090');
  });

  it('treats 422 (execution error) as bad-query too', () => {
    const body = { status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' };
    expect(failure(() => interpretAnswer(answer(422, body), context, MAX)).code).toBe('bad-query');
  });

  it('maps 5xx with or without JSON to server-error', () => {
    const json = { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' };
    const withJson = failure(() => interpretAnswer(answer(503, json), context, MAX));
    expect(withJson.code).toBe('server-error');
    expect(withJson.message).toContain('query timed out in expression evaluation');
    const starting = failure(() => interpretAnswer(answer(503, 'Service Unavailable', 'text/plain'), context, MAX));
    expect(starting.code).toBe('server-error');
    expect(starting.message).toContain('HTTP 503');
    expect(starting.message).toContain('Service Unavailable');
  });

  it('maps 401 and 403 to unauthorized, whatever the body', () => {
    expect(failure(() => interpretAnswer(answer(401, 'nope', 'text/plain'), context, MAX)).code).toBe('unauthorized');
    expect(failure(() => interpretAnswer(answer(403, { status: 'error' }), context, MAX)).code).toBe('unauthorized');
  });

  it('points a 401 about a missing tenant at the tenant setting, and others at the credentials', () => {
    const tenant = failure(() => interpretAnswer(answer(401, 'no org id\n', 'text/plain'), context, MAX));
    expect(tenant.code).toBe('unauthorized');
    expect(tenant.message).toContain('("no org id")');
    expect(tenant.message).toContain('set PROMETHEUS_TENANT');
    const credentials = failure(() => interpretAnswer(answer(401, '', 'text/plain'), context, MAX));
    expect(credentials.message).toMatch(/HTTP 401 Unauthorized: check the credentials configured for it \(PROMETHEUS_BEARER_TOKEN/);
  });

  it('maps HTML and schema mismatches to bad-response, keeping the cause', () => {
    const html = failure(() => interpretAnswer(answer(200, '<!DOCTYPE html><html>login</html>', 'text/html'), context, MAX));
    expect(html.code).toBe('bad-response');
    expect(html.message).toContain('text/html');
    expect(html.message).toContain('<!DOCTYPE html>');
    expect(html.cause).toBeInstanceOf(SyntaxError);

    const wrongShape = failure(() =>
      interpretAnswer(answer(200, matrix([{ metric: {}, values: [['1772409600', 5]] }])), context, MAX),
    );
    expect(wrongShape.code).toBe('bad-response');
    expect(wrongShape.message).toMatch(/data\.result\.0\.values\.0\.0/);

    const badNumber = failure(() => interpretAnswer(answer(200, matrix([{ metric: {}, values: [[1, 'x']] }])), context, MAX));
    expect(badNumber.code).toBe('bad-response');
  });

  it('maps a 404 (wrong path prefix) to bad-response', () => {
    const error = failure(() => interpretAnswer(answer(404, '404 page not found', 'text/plain'), context, MAX));
    expect(error.code).toBe('bad-response');
    expect(error.message).toContain('HTTP 404');
  });

  it('refuses a body larger than the limit', () => {
    const error = failure(() => interpretAnswer(answer(200, matrix([])), context, 10));
    expect(error.code).toBe('response-too-large');
    expect(error.message).toContain('10 bytes');
  });

  it('refuses a non-matrix answer to a range query', () => {
    const scalar = { status: 'success', data: { resultType: 'scalar', result: [1, '1'] } };
    const success = interpretAnswer(answer(200, scalar), context, MAX);
    expect(failure(() => expectMatrix(success, context)).code).toBe('bad-response');
  });
});

describe('toGridSeries', () => {
  const grid: Grid = { startMs: 1_772_409_600_000, stepMs: 60_000, length: 4 };

  it('places samples by rounded index, drops those off the grid, NaN elsewhere', () => {
    const [series] = toGridSeries(
      [
        {
          metric: { pid: '7' },
          values: [
            [1772409540, 99], // one step before the start: dropped
            [1772409600, 1],
            [1772409660.4, 2], // rounds to index 1
            [1772409779.9, 4], // rounds to index 3
            [1772409840, 99], // one step after the end: dropped
          ],
        },
      ],
      grid,
    );
    expect(series!.labels).toEqual({ pid: '7' });
    expect(series!.values).toBeInstanceOf(Float64Array);
    expect(Array.from(series!.values)).toEqual([1, 2, Number.NaN, 4]);
  });

  it('lastValue skips trailing NaN', () => {
    expect(lastValue(new Float64Array([1, 2, Number.NaN]))).toBe(2);
    expect(lastValue(new Float64Array([Number.NaN]))).toBeNull();
  });
});

describe('mapTransportError', () => {
  const facts = { timeoutMs: 2500, maxResponseBytes: MAX, abortedBy: null } as const;
  const axiosError = (code: string, message = code): AxiosError => {
    const config = { headers: new AxiosHeaders({ Authorization: 'Bearer s3cret', Accept: 'application/json' }) };
    return new AxiosError(message, code, config as InternalAxiosRequestConfig, { _header: 'Authorization: Bearer s3cret' });
  };

  it.each([
    ['ECONNREFUSED', 'unreachable', 'connection refused'],
    ['ENOTFOUND', 'unreachable', 'DNS'],
    ['ETIMEDOUT', 'timeout', '2.5 s'],
    ['ECONNABORTED', 'timeout', '2.5 s'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'unreachable', 'set PROMETHEUS_CA_FILE'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unreachable', 'set PROMETHEUS_CA_FILE'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'unreachable', 'set PROMETHEUS_CA_FILE'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'unreachable', 'does not name the host'],
    ['CERT_HAS_EXPIRED', 'unreachable', 'validity period'],
    ['EPROTO', 'unreachable', 'http:// or https://'],
  ])('%s -> %s', (code, expected, words) => {
    const error = mapTransportError(axiosError(code), context, facts);
    expect(error.code).toBe(expected);
    expect(error.message).toContain(words);
    expect(error.message).toContain('http://prom:9090');
  });

  it('tells a size limit apart from other bad responses', () => {
    const error = mapTransportError(axiosError('ERR_BAD_RESPONSE', 'maxContentLength size of 1048576 exceeded'), context, facts);
    expect(error.code).toBe('response-too-large');
    expect(error.message).toContain('1 MiB');
  });

  it('tells a caller abort from our own deadline', () => {
    expect(mapTransportError(new CanceledError(), context, { ...facts, abortedBy: 'caller' }).code).toBe('aborted');
    expect(mapTransportError(new CanceledError(), context, { ...facts, abortedBy: 'timeout' }).code).toBe('timeout');
  });

  it('keeps the cause but strips secrets from it', () => {
    const error = mapTransportError(axiosError('ECONNREFUSED'), context, facts);
    expect(error.cause).toBeInstanceOf(AxiosError);
    expect(inspect(error, { depth: Infinity })).not.toContain('s3cret');
    expect(JSON.stringify((error.cause as AxiosError).toJSON())).not.toContain('s3cret');
  });

  it('redacts basic auth from the config', () => {
    const config = { headers: new AxiosHeaders(), auth: { username: 'u', password: 'hunter2' } };
    const error = redactAxiosError(new AxiosError('x', 'ECONNRESET', config as InternalAxiosRequestConfig));
    expect(inspect(error, { depth: Infinity })).not.toContain('hunter2');
  });
});

describe('helpers', () => {
  it('redactUrl removes user and password', () => {
    expect(redactUrl('https://bot:pa55@prom.example.com/prometheus')).toBe('https://prom.example.com/prometheus');
    expect(redactUrl('http://prom:9090')).toBe('http://prom:9090');
  });

  it('isFatal: only failures that make the backend unusable', () => {
    const fatal: MetricsErrorCode[] = ['unreachable', 'timeout', 'unauthorized', 'aborted'];
    const soft: MetricsErrorCode[] = ['bad-query', 'server-error', 'bad-response', 'response-too-large'];
    expect(fatal.map(isFatal)).toEqual([true, true, true, true]);
    expect(soft.map(isFatal)).toEqual([false, false, false, false]);
  });
});
