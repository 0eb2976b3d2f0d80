/**
 * PrometheusSource against a real Prometheus 2.42 with backfilled fixtures, and its
 * error mapping against local node:http servers that misbehave on purpose.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { AxiosError } from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUERIES, type PrometheusSettings, type QueryTemplates, type ServiceSettings } from '../../src/config/types';
import { type GridSeries, HOUR_MS, MIB, GIB, type ServiceSeries } from '../../src/domain/series';
import { MetricsError, type MetricsErrorCode } from '../../src/metrics/errors';
import { PrometheusSource } from '../../src/metrics/prometheus';
import { type MetricFamily, type Sample, openMetricsLines, writeOpenMetrics } from '../support/openmetrics';
import { freePort, type RunningPrometheus, startPrometheus } from '../support/prometheus';

// ---------------------------------------------------------------------------
// Fixtures: 6 h at a 15 s scrape from 2026-03-02T00:00:00Z.

const T0 = Date.UTC(2026, 2, 2) / 1000;
const SCRAPE = 15;
const SAMPLES = (6 * 3600) / SCRAPE + 1; // 1441, both ends included
const HALF = 720; // sample index of 03:00

function* samples(value: (i: number) => number, from = 0, to = SAMPLES): Generator<Sample> {
  for (let i = from; i < to; i += 1) yield { tSeconds: T0 + i * SCRAPE, value: value(i) };
}

/** The four workers of svc-a; pid 202 starts at 03:00 (a restarted worker). */
const WORKERS = [
  { instance: 'web-1', pid: '101', memory: (i: number) => 100 * MIB + i * 4096, from: 0 },
  { instance: 'web-1', pid: '102', memory: (i: number) => 120 * MIB + i * 8192, from: 0 },
  { instance: 'web-2', pid: '201', memory: () => 140 * MIB, from: 0 },
  { instance: 'web-2', pid: '202', memory: (i: number) => 50 * MIB + (i - HALF) * 1000, from: HALF },
] as const;

/** Requests counter of svc-a: 10/s until 03:00, 20/s after. */
const requestsA = (i: number): number => 1e6 + 150 * Math.min(i, HALF) + 300 * Math.max(0, i - HALF);

function families(): MetricFamily[] {
  return [
    {
      name: 'process_resident_memory_bytes',
      type: 'gauge',
      series: [
        ...WORKERS.map((w) => ({
          labels: { job: 'svc-a', instance: w.instance, pid: w.pid },
          samples: [...samples(w.memory, w.from)],
        })),
        ...Array.from({ length: 12 }, (_, k) => ({
          labels: { job: 'svc-many', instance: 'w', pid: String(k + 1) },
          samples: [...samples(() => 80 * MIB)],
        })),
        { labels: { job: 'a"b', pid: '1' }, samples: [...samples(() => 42 * MIB)] },
        { labels: { job: 'a.b', pid: '1' }, samples: [...samples(() => 43 * MIB)] },
        { labels: { job: 'aXb', pid: '1' }, samples: [...samples(() => 44 * MIB)] },
      ],
    },
    {
      name: 'http_requests',
      type: 'counter',
      series: [
        { labels: { job: 'svc-a' }, samples: [...samples(requestsA)] },
        { labels: { job: 'svc-b' }, samples: [...samples((i) => 5 * SCRAPE * i)] },
      ],
    },
    {
      name: 'celery_task_started',
      type: 'counter',
      series: [
        { labels: { job: 'svc-a', name: 'export' }, samples: [...samples((i) => 3 * i)] },
        { labels: { job: 'svc-a', name: 'report' }, samples: [...samples((i) => 15 * i)] },
      ],
    },
    {
      name: 'container_spec_memory_limit_bytes',
      type: 'gauge',
      series: [{ labels: { container: 'svc-a' }, samples: [...samples((i) => (i < 1200 ? 2 * GIB : 3 * GIB))] }],
    },
    { name: 'up', type: 'gauge', series: [{ labels: { job: 'svc-b' }, samples: [...samples(() => 1)] }] },
  ];
}

const WINDOW = { endMs: (T0 + 6 * 3600) * 1000, durationMs: 6 * HOUR_MS };

function settings(url: string, overrides: Partial<PrometheusSettings> = {}): PrometheusSettings {
  return {
    url,
    auth: { kind: 'none' },
    headers: {},
    tenant: null,
    ca: null,
    timeoutMs: 10_000,
    maxResponseBytes: 16 * MIB,
    maxSeries: 10,
    minStepSeconds: 15,
    ...overrides,
  };
}

/** One source, the default queries with these changed. */
function services(queries: Partial<QueryTemplates> = {}, limitBytes: number | null = null): (s: string) => ServiceSettings {
  const resolved = { ...DEFAULT_QUERIES, ...queries };
  return () => ({ sources: [{ preset: 'prometheus-client', granularity: 'process', queries: resolved }], queries: resolved, limitBytes, workersPerInstance: null });
}

async function failure(promise: Promise<unknown>): Promise<MetricsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MetricsError) return error;
    throw error;
  }
  throw new Error('expected a MetricsError, the call succeeded');
}

function worker(result: ServiceSeries, pid: string): GridSeries {
  const found = result.memory.find((s) => s.labels['pid'] === pid);
  if (!found) throw new Error(`no memory series with pid ${pid}`);
  return found;
}

// ---------------------------------------------------------------------------

describe('OpenMetrics writer', () => {
  it('writes TYPE lines, _total counters, escaped labels, seconds, and # EOF', () => {
    const text = [
      ...openMetricsLines([
        { name: 'jobs', type: 'counter', series: [{ labels: { job: 'a"b\\c\nd' }, samples: [{ tSeconds: T0, value: 1 }] }] },
        { name: 'mem', type: 'gauge', series: [{ labels: {}, samples: [{ tSeconds: T0, value: Number.NaN }] }] },
      ]),
    ].join('');
    expect(text).toBe(
      '# TYPE jobs counter\n' +
        `jobs_total{job="a\\"b\\\\c\\nd"} 1 ${T0}\n` +
        '# TYPE mem gauge\n' +
        `mem NaN ${T0}\n` +
        '# EOF\n',
    );
  });

  it('refuses milliseconds, out-of-order samples and split families', () => {
    const one = (samplesOf: Sample[], name = 'm'): MetricFamily => ({
      name,
      type: 'gauge',
      series: [{ labels: {}, samples: samplesOf }],
    });
    expect(() => [...openMetricsLines([one([{ tSeconds: T0 * 1000, value: 1 }])])]).toThrow(/milliseconds/);
    expect(() => [...openMetricsLines([one([{ tSeconds: T0 + 15, value: 1 }, { tSeconds: T0, value: 1 }])])]).toThrow(
      /time order/,
    );
    expect(() => [...openMetricsLines([one([]), one([])])]).toThrow(/twice/);
  });

  it('streams large files to disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pymem-om-'));
    try {
      const file = join(dir, 'big.om');
      const series = Array.from({ length: 50 }, (_, k) => ({ labels: { pid: String(k) }, samples: samples((i) => i) }));
      await writeOpenMetrics(file, [{ name: 'big', type: 'gauge', series }]);
      const lines = (await readFile(file, 'utf8')).split('\n');
      expect(lines).toHaveLength(1 + 50 * SAMPLES + 2); // TYPE, samples, # EOF, '' after the final newline
      expect(lines[1]).toBe(`big{pid="0"} 0 ${T0}`);
      expect(lines.at(-2)).toBe('# EOF');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('PrometheusSource against a real Prometheus', () => {
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    prometheus = await startPrometheus({ families: families() });
  });
  afterAll(async () => {
    await prometheus?.stop();
  });

  /** Queries the server logged while `fn` ran. */
  async function queriesDuring(fn: () => Promise<unknown>): Promise<string[]> {
    const before = (await prometheus.queryLog()).length;
    await fn().catch(() => undefined);
    return (await prometheus.queryLog()).slice(before);
  }

  it('backfilled data is queryable at the fixture timestamps', async () => {
    const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent('process_resident_memory_bytes{pid="101"}')}&time=${T0 + 1000 * SCRAPE}`;
    const body: unknown = await (await fetch(url)).json();
    expect(body).toMatchObject({ status: 'success', data: { result: [{ value: [T0 + 15_000, String(100 * MIB + 1000 * 4096)] }] } });
  });

  it('maps memory onto a 15 s grid of 1441 points with exact values and NaN where missing', async () => {
    const source = new PrometheusSource(settings(prometheus.url), services());
    const result = await source.fetchService({ service: 'svc-a', window: WINDOW });

    expect(result.service).toBe('svc-a');
    expect(result.grid).toEqual({ startMs: T0 * 1000, stepMs: 15_000, length: SAMPLES });
    expect(result.memory.map((s) => s.labels['pid']).sort()).toEqual(['101', '102', '201', '202']);
    expect(worker(result, '101').labels).toEqual({
      __name__: 'process_resident_memory_bytes',
      job: 'svc-a',
      instance: 'web-1',
      pid: '101',
    });
    expect(worker(result, '101').values).toBeInstanceOf(Float64Array);
    expect(worker(result, '101').values).toHaveLength(SAMPLES);
    expect(worker(result, '101').values[0]).toBe(100 * MIB);
    expect(worker(result, '101').values[1000]).toBe(100 * MIB + 1000 * 4096);
    expect(worker(result, '102').values[1440]).toBe(120 * MIB + 1440 * 8192);
    expect(worker(result, '201').values[777]).toBe(140 * MIB);
    // The restarted worker has no samples before 03:00.
    expect(worker(result, '202').values[HALF - 1]).toBeNaN();
    expect(worker(result, '202').values[0]).toBeNaN();
    expect(worker(result, '202').values[HALF]).toBe(50 * MIB);
    expect(worker(result, '202').values[1440]).toBe(50 * MIB + 720 * 1000);
    expect(result.warnings).toEqual([]);
  });

  it('computes traffic as a rate, jobs by name and the limit from metrics', async () => {
    const source = new PrometheusSource(settings(prometheus.url), services());
    const result = await source.fetchService({ service: 'svc-a', window: WINDOW });

    expect(result.traffic).not.toBeNull();
    const traffic = result.traffic!.values;
    expect(traffic[0]).toBeNaN(); // one sample in the first 5 minutes: no rate yet
    expect(traffic[100]).toBeCloseTo(10, 9);
    expect(traffic[HALF + 100]).toBeCloseTo(20, 9);

    const byName = new Map(result.jobs.map((s) => [s.labels['name'], s.values]));
    expect([...byName.keys()].sort()).toEqual(['export', 'report']);
    expect(byName.get('export')![600]).toBeCloseTo(0.2, 9);
    expect(byName.get('report')![600]).toBeCloseTo(1, 9);

    // The last value wins: the limit was raised from 2 to 3 GiB at sample 1200.
    expect(result.limit).toEqual({ bytes: 3 * GIB, source: 'metrics' });
  });

  it('sends the rendered queries with the planned start, end and step', async () => {
    const source = new PrometheusSource(settings(prometheus.url), services());
    const before = (await prometheus.queryLogEntries()).length;
    await source.fetchService({ service: 'svc-a', window: WINDOW });
    const entries = (await prometheus.queryLogEntries()).slice(before);
    // The scrape interval is measured first: over 6 hours at 15 s it leaves the rates at [5m].
    const probe = 'max(count_over_time(up{job="svc-a"}[1h]))';
    expect(entries.map((e) => e.query).sort()).toEqual(
      [
        'process_resident_memory_bytes{job="svc-a"}',
        'sum(rate(http_requests_total{job="svc-a"}[5m]))',
        'sum by (name) (rate(celery_task_started_total{job="svc-a"}[5m]))',
        'sum(container_spec_memory_limit_bytes{container="svc-a"})',
        'up{job="svc-a"}',
        probe,
      ].sort(),
    );
    expect(entries.find((e) => e.query === probe)!.params).toMatchObject({ start: '2026-03-02T00:00:00.000Z', end: '2026-03-02T06:00:00.000Z', step: 3600 });
    for (const entry of entries.filter((e) => e.query !== probe)) {
      expect(entry.path).toBe('/api/v1/query_range');
      expect(entry.params).toMatchObject({
        start: '2026-03-02T00:00:00.000Z',
        end: '2026-03-02T06:00:00.000Z',
        step: 15,
      });
    }
  });

  it('rates a short window over a short range, measured from the scrape interval', async () => {
    const source = new PrometheusSource(settings(prometheus.url), services());
    const endMs = (T0 + 6 * 3600) * 1000;
    const sent = await queriesDuring(async () => {
      const result = await source.fetchService({ service: 'svc-a', window: { endMs, durationMs: 10 * 60_000 } });
      // Scraped every 15 s: four scrapes make the range, a minute instead of five.
      expect(result.source.queries.traffic).toBe('sum(rate(http_requests_total{job="svc-a"}[1m]))');
      expect(result.source.queries.jobs).toBe('sum by (name) (rate(celery_task_started_total{job="svc-a"}[1m]))');
      expect(result.traffic!.values.every((v) => Number.isFinite(v))).toBe(true);
    });
    expect(sent).toContain('max(count_over_time(up{job="svc-a"}[5m]))');
  });

  it('sends no scrape-interval query when the rates carry their own range', async () => {
    const source = new PrometheusSource(
      settings(prometheus.url),
      services({ traffic: 'sum(rate(http_requests_total{job="$service"}[2m]))', jobs: null }),
    );
    const sent = await queriesDuring(async () => {
      await source.fetchService({ service: 'svc-a', window: { endMs: (T0 + 6 * 3600) * 1000, durationMs: 10 * 60_000 } });
    });
    expect(sent.some((q) => q.includes('count_over_time'))).toBe(false);
    expect(sent).toContain('sum(rate(http_requests_total{job="svc-a"}[2m]))');
  });

  it('aligns an unaligned window end down to the step', async () => {
    const source = new PrometheusSource(settings(prometheus.url, { minStepSeconds: 60 }), services());
    const endMs = (T0 + 6 * 3600 - 10) * 1000;
    const result = await source.fetchService({ service: 'svc-a', window: { endMs, durationMs: HOUR_MS } });
    expect(result.grid).toEqual({ startMs: (T0 + 6 * 3600 - 60 - 3600) * 1000, stepMs: 60_000, length: 61 });
    // 05:59:00 is sample 1436; 04:59:00 is sample 1196.
    expect(worker(result, '101').values[60]).toBe(100 * MIB + 1436 * 4096);
    expect(worker(result, '101').values[0]).toBe(100 * MIB + 1196 * 4096);
  });

  it('takes the limit from the config without querying for it', async () => {
    const source = new PrometheusSource(settings(prometheus.url), services({}, 5 * GIB));
    let result: ServiceSeries | undefined;
    const sent = await queriesDuring(async () => {
      result = await source.fetchService({ service: 'svc-a', window: WINDOW });
    });
    expect(result?.limit).toEqual({ bytes: 5 * GIB, source: 'config' });
    // memory, traffic, jobs, up and the scrape-interval probe.
    expect(sent).toHaveLength(5);
    expect(sent.some((q) => q.includes('container_spec_memory_limit_bytes'))).toBe(false);
  });

  it('throws unknown-service when neither memory nor presence find anything', async () => {
    const source = new PrometheusSource(settings(prometheus.url), services());
    const error = await failure(source.fetchService({ service: 'nope', window: WINDOW }));
    expect(error.code).toBe('unknown-service');
    expect(error.message).toContain('No series at all have job="nope" in this window');
    expect(error.message).toContain('check the service name or the window');
  });

  it('returns empty memory without an error for a service that has other metrics', async () => {
    const source = new PrometheusSource(settings(prometheus.url), services());
    const sent = await queriesDuring(async () => {
      const result = await source.fetchService({ service: 'svc-b', window: WINDOW });
      expect(result.memory).toEqual([]);
      expect(result.traffic!.values[600]).toBeCloseTo(5, 9);
      expect(result.jobs).toEqual([]);
      expect(result.limit).toBeNull();
      expect(result.warnings).toEqual([]);
    });
    expect(sent).toContain('count({job="svc-b"})');
  });

  it('without a presence query, an empty memory answer is not an error', async () => {
    const source = new PrometheusSource(settings(prometheus.url), services({ presence: null }));
    const result = await source.fetchService({ service: 'nope', window: WINDOW });
    expect(result.memory).toEqual([]);
    expect(result.traffic).toBeNull();
  });

  it('escapes a service name that would break the query', async () => {
    const source = new PrometheusSource(settings(prometheus.url), services());
    let result: ServiceSeries | undefined;
    const sent = await queriesDuring(async () => {
      result = await source.fetchService({ service: 'a"b', window: WINDOW });
    });
    expect(sent).toContain('process_resident_memory_bytes{job="a\\"b"}');
    expect(result?.memory).toHaveLength(1);
    expect(result?.memory[0]!.labels['job']).toBe('a"b');
    expect(result?.memory[0]!.values[10]).toBe(42 * MIB);
  });

  it('escapes regex metacharacters when the template matches with =~', async () => {
    const source = new PrometheusSource(
      settings(prometheus.url),
      services({ memory: 'process_resident_memory_bytes{job=~"$service"}' }),
    );
    let result: ServiceSeries | undefined;
    const sent = await queriesDuring(async () => {
      result = await source.fetchService({ service: 'a.b', window: WINDOW });
    });
    expect(sent).toContain('process_resident_memory_bytes{job=~"a\\\\.b"}');
    // Unescaped, "a.b" would also match job="aXb".
    expect(result?.memory.map((s) => s.labels['job'])).toEqual(['a.b']);
  });

  it('refuses more memory series than maxSeries', async () => {
    const source = new PrometheusSource(settings(prometheus.url, { maxSeries: 10 }), services());
    const error = await failure(source.fetchService({ service: 'svc-many', window: WINDOW }));
    expect(error.code).toBe('too-many-series');
    expect(error.message).toContain('returned 12 series');
    expect(error.message).toContain('limit of 10');
    expect(error.message).toContain('Narrow the memory query in the config');
  });

  it('turns a broken optional query into a warning', async () => {
    const source = new PrometheusSource(
      settings(prometheus.url),
      services({ traffic: 'sum(rate(http_requests_total{job="$service"}[5m])' }),
    );
    const result = await source.fetchService({ service: 'svc-a', window: WINDOW });
    expect(result.memory).toHaveLength(4);
    expect(result.traffic).toBeNull();
    expect(result.jobs).toHaveLength(2);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('the traffic query');
    expect(result.warnings[0]).toContain('parse error');
    expect(result.warnings[0]).toContain('Fix the traffic query template in the config');
  });

  it('fails with bad-query when the memory query is broken', async () => {
    const source = new PrometheusSource(
      settings(prometheus.url),
      services({ memory: 'process_resident_memory_bytes{job="$service"' }),
    );
    const error = await failure(source.fetchService({ service: 'svc-a', window: WINDOW }));
    expect(error.code).toBe('bad-query');
    expect(error.message).toContain('the memory query');
    expect(error.message).toMatch(/parse error/);
    expect(error.message).toContain(prometheus.url);
  });

  it('ping succeeds with an instant query=1', async () => {
    const source = new PrometheusSource(settings(prometheus.url), services());
    const sent = await queriesDuring(() => source.ping());
    await expect(source.ping()).resolves.toBeUndefined();
    expect(sent).toEqual(['1']);
    expect(source.description).toBe(`Prometheus at ${prometheus.url}`);
    expect(source.knownServices()).toBeNull();
  });
});

// ---------------------------------------------------------------------------
// Misbehaving backends on loopback.

interface SeenRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

interface StubServer {
  readonly url: string;
  readonly requests: SeenRequest[];
}

const servers: Server[] = [];

async function stub(handle: (request: SeenRequest, response: ServerResponse) => void): Promise<StubServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const seen = { url: req.url ?? '', headers: req.headers };
    requests.push(seen);
    handle(seen, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, requests };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const emptyMatrix = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } });
const memoryMatrix = JSON.stringify({
  status: 'success',
  data: { resultType: 'matrix', result: [{ metric: { pid: '1' }, values: [[T0 + 6 * 3600, '1048576']] }] },
});

function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
}

/** Memory answers with one series; the other queries get `other`. */
function byQuery(other: (res: ServerResponse, query: string) => void) {
  return (req: SeenRequest, res: ServerResponse): void => {
    const query = new URL(req.url, 'http://x').searchParams.get('query') ?? '';
    if (query.startsWith('process_resident_memory_bytes')) json(res, 200, memoryMatrix);
    else other(res, query);
  };
}

async function code(source: PrometheusSource, request: Partial<Parameters<PrometheusSource['fetchService']>[0]> = {}) {
  return failure(source.fetchService({ service: 'svc', window: WINDOW, ...request }));
}

describe('error mapping against misbehaving servers', () => {
  const expectCode = (error: MetricsError, expected: MetricsErrorCode): void => {
    expect({ code: error.code, message: error.message }).toMatchObject({ code: expected });
  };

  it('nothing listening -> unreachable, naming the URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await code(new PrometheusSource(settings(url), services()));
    expectCode(error, 'unreachable');
    expect(error.message).toContain(url);
    expect(error.message).toContain('connection refused');
    expect(error.cause).toBeDefined();
  });

  it('unknown host -> unreachable', async () => {
    const error = await code(new PrometheusSource(settings('http://pymem-no-such-host.invalid:9090'), services()));
    expectCode(error, 'unreachable');
    expect(error.message).toContain('DNS');
  });

  it('a server that never answers -> timeout', async () => {
    const server = await stub(() => undefined);
    const error = await code(new PrometheusSource(settings(server.url, { timeoutMs: 300 }), services()));
    expectCode(error, 'timeout');
    expect(error.message).toContain('300 ms');
  });

  it('a server that trickles its answer past the deadline -> timeout', async () => {
    const server = await stub((_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const error = await code(new PrometheusSource(settings(server.url, { timeoutMs: 400 }), services()));
    expectCode(error, 'timeout');
  });

  it('503 with a text body (Prometheus starting) -> server-error', async () => {
    const server = await stub((_, res) => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('Service Unavailable'));
    const error = await code(new PrometheusSource(settings(server.url), services()));
    expectCode(error, 'server-error');
    expect(error.message).toContain('HTTP 503');
    expect(error.message).toContain('Service Unavailable');
  });

  it('200 with HTML -> bad-response', async () => {
    const server = await stub((_, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><html><body>Grafana</body></html>'),
    );
    const error = await code(new PrometheusSource(settings(server.url), services()));
    expectCode(error, 'bad-response');
    expect(error.message).toContain('text/html');
  });

  it.each([
    ['with Content-Length', true],
    ['chunked', false],
  ])('a huge body (%s) -> response-too-large', async (_, withLength) => {
    const body = `{"status":"success","data":{"resultType":"matrix","result":[${'{"metric":{},"values":[]},'.repeat(100_000)}]}}`;
    const server = await stub((_req, res) => {
      res.writeHead(200, withLength ? { 'Content-Length': Buffer.byteLength(body) } : {});
      res.end(body);
    });
    const error = await code(new PrometheusSource(settings(server.url, { maxResponseBytes: MIB }), services()));
    expectCode(error, 'response-too-large');
    expect(error.message).toContain('1 MiB');
    // axios cut the download short (maxContentLength), rather than the size check after it.
    expect(error.cause).toBeInstanceOf(AxiosError);
  });

  it('401 -> unauthorized, and the token appears nowhere in the error', async () => {
    const server = await stub((_, res) => res.writeHead(401, { 'Content-Type': 'text/plain' }).end('Unauthorized'));
    const token = 'tok-SECRET-1234';
    const error = await code(new PrometheusSource(settings(server.url, { auth: { kind: 'bearer', token } }), services()));
    expectCode(error, 'unauthorized');
    expect(error.message).not.toContain(token);
    expect(inspect(error, { depth: Infinity })).not.toContain(token);
  });

  it('a transport failure keeps its cause without the password', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const password = 'pw-SECRET-5678';
    const auth = { kind: 'basic', username: 'bot', password } as const;
    const error = await code(new PrometheusSource(settings(url, { auth }), services()));
    expectCode(error, 'unreachable');
    expect(error.cause).toBeDefined();
    expect(inspect(error, { depth: Infinity })).not.toContain(password);
  });

  it('credentials in the URL are used but never shown', async () => {
    const server = await stub((_, res) => json(res, 200, memoryMatrix));
    const url = server.url.replace('http://', 'http://bot:pw-SECRET@');
    const source = new PrometheusSource(settings(url), services({ traffic: null, jobs: null, limit: null }));
    expect(source.description).toBe(`Prometheus at ${server.url}`);
    await source.fetchService({ service: 'svc', window: WINDOW });
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('bot:pw-SECRET').toString('base64')}`);
  });

  it('sends bearer auth, extra headers and Accept on every query', async () => {
    const server = await stub((_, res) => json(res, 200, emptyMatrix));
    const source = new PrometheusSource(
      settings(server.url, { auth: { kind: 'bearer', token: 'tok-1' }, headers: { 'X-Scope-OrgID': 'tenant-7' } }),
      services({ presence: null }),
    );
    await source.fetchService({ service: 'svc', window: WINDOW });
    expect(server.requests).toHaveLength(6);
    for (const req of server.requests) {
      expect(req.headers.authorization).toBe('Bearer tok-1');
      expect(req.headers['x-scope-orgid']).toBe('tenant-7');
      expect(req.headers.accept).toBe('application/json');
      expect(req.url.startsWith('/api/v1/query_range?')).toBe(true);
    }
    const memoryRequest = server.requests.find((r) => decodeURIComponent(r.url).includes('process_resident_memory_bytes'))!;
    const params = new URL(memoryRequest.url, 'http://x').searchParams;
    expect(params.get('start')).toBe(String(T0));
    expect(params.get('end')).toBe(String(T0 + 6 * 3600));
    expect(params.get('step')).toBe('15');
  });

  it('sends basic auth', async () => {
    const server = await stub((_, res) => json(res, 200, memoryMatrix));
    const source = new PrometheusSource(
      settings(server.url, { auth: { kind: 'basic', username: 'bot', password: 'p:w' } }),
      services(),
    );
    await source.ping();
    expect(server.requests[0]!.url).toBe('/api/v1/query?query=1');
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('bot:p:w').toString('base64')}`);
  });

  it('runs memory, traffic, jobs, limit and up concurrently', async () => {
    // Holds every answer until all five queries have arrived: sequential requests would time out.
    // Only the scrape-interval probe is answered at once: the rate queries wait for it.
    const waiting: (() => void)[] = [];
    const server = await stub((req, res) => {
      if (decodeURIComponent(req.url).includes('count_over_time')) return json(res, 200, emptyMatrix);
      waiting.push(() => json(res, 200, memoryMatrix));
      if (waiting.length === 5) for (const answer of waiting) answer();
    });
    const source = new PrometheusSource(settings(server.url, { timeoutMs: 2000 }), services());
    const result = await source.fetchService({ service: 'svc', window: WINDOW });
    expect(server.requests).toHaveLength(6);
    expect(result.memory[0]!.values[1440]).toBe(MIB);
    expect(result.limit).toEqual({ bytes: MIB, source: 'metrics' });
  });

  it('returns each target\'s up series, and a failed up query is only a warning', async () => {
    const upMatrix = JSON.stringify({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          { metric: { __name__: 'up', job: 'svc', instance: 'a:9200' }, values: [[T0 + 6 * 3600, '1']] },
          { metric: { __name__: 'up', job: 'svc', instance: 'b:9200' }, values: [[T0 + 6 * 3600, '0']] },
        ],
      },
    });
    const server = await stub(byQuery((res, query) => (query.startsWith('up{') ? json(res, 200, upMatrix) : json(res, 200, emptyMatrix))));
    const result = await new PrometheusSource(settings(server.url), services({ presence: null })).fetchService({ service: 'svc', window: WINDOW });
    expect(result.targets.map((t) => [t.labels['instance'], t.values[1440]])).toEqual([
      ['a:9200', 1],
      ['b:9200', 0],
    ]);
    const failing = await stub(byQuery((res, query) => (query.startsWith('up{') ? json(res, 500, '{"status":"error","errorType":"internal","error":"no up"}') : json(res, 200, emptyMatrix))));
    const degraded = await new PrometheusSource(settings(failing.url), services({ presence: null })).fetchService({ service: 'svc', window: WINDOW });
    expect(degraded.targets).toEqual([]);
    expect(degraded.warnings.join(' ')).toContain('the up query');
  });

  it('a server error on an optional query becomes a warning', async () => {
    const server = await stub(
      byQuery((res, query) =>
        query.includes('celery')
          ? json(res, 500, JSON.stringify({ status: 'error', errorType: 'internal', error: 'boom in jobs' }))
          : json(res, 200, emptyMatrix),
      ),
    );
    const result = await new PrometheusSource(settings(server.url), services()).fetchService({ service: 'svc', window: WINDOW });
    expect(result.memory).toHaveLength(1);
    expect(result.jobs).toEqual([]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('the jobs query');
    expect(result.warnings[0]).toContain('boom in jobs');
  });

  it('unauthorized on an optional query fails the whole request', async () => {
    const server = await stub(byQuery((res) => res.writeHead(403).end()));
    expectCode(await code(new PrometheusSource(settings(server.url), services())), 'unauthorized');
  });

  it('an abort through the signal -> aborted', async () => {
    const server = await stub(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await code(new PrometheusSource(settings(server.url), services()), { signal: controller.signal });
    expectCode(error, 'aborted');
    expect(server.requests.length).toBeGreaterThan(0);
  });

  it('an already aborted signal -> aborted, nothing sent', async () => {
    const server = await stub((_, res) => json(res, 200, emptyMatrix));
    const error = await code(new PrometheusSource(settings(server.url), services()), { signal: AbortSignal.abort() });
    expectCode(error, 'aborted');
    expect(server.requests).toHaveLength(0);
  });

  it('ping maps failures the same way', async () => {
    const server = await stub((_, res) => res.writeHead(503).end('starting'));
    const error = await failure(new PrometheusSource(settings(server.url), services()).ping());
    expectCode(error, 'server-error');
    expect(error.message).toContain('the reachability check');
  });
});

describe('templates that cannot take the service name', () => {
  it('a backtick in a raw-string template is a bad query on memory, a warning elsewhere', async () => {
    const server = await stub(byQuery((res) => json(res, 200, emptyMatrix)));
    const rawTraffic = services({ traffic: 'sum(rate(http_requests_total{job=`$service`}[5m]))' });
    const result = await new PrometheusSource(settings(server.url), rawTraffic).fetchService({ service: 'a`b', window: WINDOW });
    expect(result.memory).toHaveLength(1);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('the traffic query');

    const rawMemory = services({ memory: 'process_resident_memory_bytes{job=`$service`}' });
    const error = await failure(new PrometheusSource(settings(server.url), rawMemory).fetchService({ service: 'a`b', window: WINDOW }));
    expect(error.code).toBe('bad-query');
    expect(error.message).toContain('the memory query');
  });
});
