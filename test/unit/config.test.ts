import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, linksFor, linkTemplatesFor, loadConfig, serviceSettingsFor, type AppConfig, type Env, type LoadOptions } from '../../src/config/load';
import { PRESET_IDS, PRESETS } from '../../src/domain/presets';
import { DEFAULT_QUERIES } from '../../src/config/types';
import { checkTemplate } from '../../src/domain/promql-template';
import { isTimeZone, parseDurationSetting, parseSize } from '../../src/config/units';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** loadConfig with YAML text served for `cfg.yaml`. */
function withFile(yaml: string, env: Env = {}, extra: Partial<LoadOptions> = {}): AppConfig {
  return loadConfig({
    env: { PYMEM_CONFIG: 'cfg.yaml', ...env },
    readFile: (path) => {
      if (path !== 'cfg.yaml') throw Object.assign(new Error(`unexpected read of ${path}`), { code: 'ENOENT' });
      return yaml;
    },
    ...extra,
  });
}

/** The ConfigError thrown by `load`; fails the test when nothing (or something else) is thrown. */
function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but the configuration loaded');
}

function expectOneLine(error: ConfigError): void {
  expect(error.message).not.toMatch(/[\r\n]/);
  expect(error.message.startsWith('invalid configuration: ')).toBe(true);
  expect(error.name).toBe('ConfigError');
}

describe('loadConfig: defaults', () => {
  it('with no environment: no backend, default queries, 6h window, UTC', () => {
    const config = loadConfig({ env: {} });
    expect(config).toEqual({
      prometheus: null,
      queries: DEFAULT_QUERIES,
      source: 'auto',
      queryOverrides: {},
      services: {},
      links: { dashboard: null, runbook: null },
      analysis: { defaultWindowMs: 6 * HOUR, maxWindowMs: 30 * DAY, timeZone: 'UTC' },
      digest: { cron: null, timeZone: null, channels: {} },
      access: null,
      showSource: false,
      configFile: null,
    });
  });

  it('treats blank variables as unset', () => {
    const config = loadConfig({ env: { PROMETHEUS_URL: '   ', PYMEM_TZ: '', PYMEM_CONFIG: ' ', PROMETHEUS_TIMEOUT: ' ' } });
    expect(config.prometheus).toBeNull();
    expect(config.analysis.timeZone).toBe('UTC');
    expect(config.configFile).toBeNull();
  });

  it('fills every backend setting with its default', () => {
    const config = loadConfig({ env: { PROMETHEUS_URL: 'http://prometheus:9090' } });
    expect(config.prometheus).toEqual({
      url: 'http://prometheus:9090',
      auth: { kind: 'none' },
      headers: {},
      tenant: null,
      ca: null,
      timeoutMs: 15_000,
      maxResponseBytes: 64 * MIB,
      maxSeries: 512,
      minStepSeconds: 15,
    });
  });

  it('serviceSettingsFor an unconfigured service tries every preset, per process before per pod', () => {
    const settings = serviceSettingsFor(loadConfig({ env: {} }), 'checkout-api');
    expect(settings.sources.map((s) => [s.preset, s.granularity])).toEqual([
      ['prometheus-client', 'process'],
      ['multiprocess-gauge', 'process'],
      ['process-exporter', 'process'],
      ['cadvisor', 'pod'],
    ]);
    expect(settings.sources.map((s) => s.queries)).toEqual(PRESET_IDS.map((id) => PRESETS[id].queries));
    expect(settings.queries).toEqual(DEFAULT_QUERIES);
    expect(settings.limitBytes).toBeNull();
    expect(settings.workersPerInstance).toBeNull();
  });
});

describe('loadConfig: PROMETHEUS_URL', () => {
  it.each([
    'http://prometheus:9090',
    'https://prom.example.com',
    'http://10.0.0.1:9090/prometheus',
    'https://mimir.example.com/prometheus/',
    '  http://prometheus:9090  ',
  ])('accepts %j', (url) => {
    expect(loadConfig({ env: { PROMETHEUS_URL: url } }).prometheus?.url).toBe(url.trim());
  });

  it.each(['prometheus:9090', 'ftp://prometheus', 'not a url', 'http://', 'file:///etc/passwd', '//prometheus:9090'])('refuses %j with one line naming PROMETHEUS_URL', (url) => {
    const error = configError(() => loadConfig({ env: { PROMETHEUS_URL: url } }));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^PROMETHEUS_URL: expected an http\(s\) URL/);
    expect(error.issues[0]).toContain('http://prometheus:9090');
    expectOneLine(error);
  });

  it.each([
    ['ftp://admin:hunter2@prometheus:9090', 'ftp://***@prometheus:9090'],
    ['gopher://admin:hunter2@prometheus', 'gopher://***@prometheus'],
    ['http://admin:hunter2@', 'http://***@'],
    ['http://admin:hunter2@prom etheus:9090', 'http://***@prom etheus:9090'],
  ])('never echoes the password in %j', (url, shown) => {
    const error = configError(() => loadConfig({ env: { PROMETHEUS_URL: url } }));
    expect(error.message).not.toContain('hunter2');
    expect(error.issues.join(' ')).not.toContain('hunter2');
    expect(error.message).toContain(JSON.stringify(shown));
    expectOneLine(error);
  });

  it('a newline in the URL does not break the message into lines', () => {
    const error = configError(() => loadConfig({ env: { PROMETHEUS_URL: 'ftp://x\ny' } }));
    expectOneLine(error);
  });

  it('--prometheus wins over PROMETHEUS_URL, which wins over the file', () => {
    const yaml = 'prometheus:\n  url: http://from-file:9090\n';
    expect(withFile(yaml).prometheus?.url).toBe('http://from-file:9090');
    expect(withFile(yaml, { PROMETHEUS_URL: 'http://from-env:9090' }).prometheus?.url).toBe('http://from-env:9090');
    expect(withFile(yaml, { PROMETHEUS_URL: 'http://from-env:9090' }, { prometheusUrl: 'http://from-flag:9090' }).prometheus?.url).toBe(
      'http://from-flag:9090',
    );
    expect(loadConfig({ env: { PROMETHEUS_URL: 'ftp://bad' }, prometheusUrl: 'http://from-flag:9090' }).prometheus?.url).toBe('http://from-flag:9090');
  });

  it('names the setting the bad URL came from', () => {
    expect(configError(() => loadConfig({ env: { PROMETHEUS_URL: 'http://ok:9090' }, prometheusUrl: 'ftp://x' })).issues).toEqual([
      '--prometheus: expected an http(s) URL such as http://prometheus:9090, got "ftp://x"',
    ]);
    expect(configError(() => withFile('prometheus:\n  url: ftp://x\n')).issues).toEqual([
      'cfg.yaml: prometheus.url: expected an http(s) URL such as http://prometheus:9090, got "ftp://x"',
    ]);
  });
});

describe('loadConfig: PROMETHEUS_TIMEOUT', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['45', 45_000],
    ['1.5s', 1_500],
    ['500ms', 500],
  ])('%j -> %i ms', (raw, ms) => {
    expect(loadConfig({ env: { PROMETHEUS_URL: 'http://p:9090', PROMETHEUS_TIMEOUT: raw } }).prometheus?.timeoutMs).toBe(ms);
  });

  it.each(['soon', '0', '-5s', '10 minutes', '1x'])('refuses %j naming PROMETHEUS_TIMEOUT', (raw) => {
    const error = configError(() => loadConfig({ env: { PROMETHEUS_URL: 'http://p:9090', PROMETHEUS_TIMEOUT: raw } }));
    expect(error.issues).toEqual([`PROMETHEUS_TIMEOUT: expected a duration such as 15s or 1m, got ${JSON.stringify(raw)}`]);
    expectOneLine(error);
  });

  it('reads prometheus.timeout from the file (a number is seconds) and lets the environment win', () => {
    expect(withFile('prometheus:\n  url: http://p:9090\n  timeout: 20\n').prometheus?.timeoutMs).toBe(20_000);
    expect(withFile('prometheus:\n  url: http://p:9090\n  timeout: 1m\n').prometheus?.timeoutMs).toBe(60_000);
    expect(withFile('prometheus:\n  url: http://p:9090\n  timeout: 1m\n', { PROMETHEUS_TIMEOUT: '5s' }).prometheus?.timeoutMs).toBe(5_000);
    expect(configError(() => withFile('prometheus:\n  url: http://p:9090\n  timeout: later\n')).issues).toEqual([
      'cfg.yaml: prometheus.timeout: expected a duration such as 15s or 1m, got "later"',
    ]);
  });
});

describe('loadConfig: backend authentication', () => {
  const URL = { PROMETHEUS_URL: 'http://p:9090' };

  it.each([
    [{}, { kind: 'none' }],
    [{ PROMETHEUS_BEARER_TOKEN: 'tok' }, { kind: 'bearer', token: 'tok' }],
    [{ PROMETHEUS_USERNAME: 'u', PROMETHEUS_PASSWORD: 'p' }, { kind: 'basic', username: 'u', password: 'p' }],
  ] as const)('%j -> %j', (env, auth) => {
    expect(loadConfig({ env: { ...URL, ...env } }).prometheus?.auth).toEqual(auth);
  });

  it('refuses a bearer token together with basic auth', () => {
    const error = configError(() =>
      loadConfig({ env: { ...URL, PROMETHEUS_BEARER_TOKEN: 'tok-secret', PROMETHEUS_USERNAME: 'u', PROMETHEUS_PASSWORD: 'pw-secret' } }),
    );
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^PROMETHEUS_BEARER_TOKEN: .*not both/);
    expect(error.message).not.toContain('tok-secret');
    expect(error.message).not.toContain('pw-secret');
  });

  it('refuses a token with only a password', () => {
    const error = configError(() => loadConfig({ env: { ...URL, PROMETHEUS_BEARER_TOKEN: 'tok', PROMETHEUS_PASSWORD: 'pw' } }));
    expect(error.issues[0]).toMatch(/^PROMETHEUS_BEARER_TOKEN:/);
  });

  it('a username without a password names PROMETHEUS_PASSWORD', () => {
    const error = configError(() => loadConfig({ env: { ...URL, PROMETHEUS_USERNAME: 'alice' } }));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^PROMETHEUS_PASSWORD: basic auth needs both a username and a password/);
    expectOneLine(error);
  });

  it('a password without a username names PROMETHEUS_USERNAME and does not echo the password', () => {
    const error = configError(() => loadConfig({ env: { ...URL, PROMETHEUS_PASSWORD: 'pw-secret' } }));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^PROMETHEUS_USERNAME: /);
    expect(error.message).not.toContain('pw-secret');
  });

  it('reads auth from the file, environment first', () => {
    const yaml = 'prometheus:\n  url: http://p:9090\n  basicAuth:\n    username: fu\n    password: fp\n  headers:\n    X-Scope-OrgID: tenant-1\n';
    const config = withFile(yaml);
    expect(config.prometheus?.auth).toEqual({ kind: 'basic', username: 'fu', password: 'fp' });
    expect(config.prometheus?.headers).toEqual({ 'X-Scope-OrgID': 'tenant-1' });
    expect(withFile(yaml, { PROMETHEUS_USERNAME: 'eu' }).prometheus?.auth).toEqual({ kind: 'basic', username: 'eu', password: 'fp' });
    expect(configError(() => withFile(yaml, { PROMETHEUS_BEARER_TOKEN: 't' })).issues[0]).toMatch(/^PROMETHEUS_BEARER_TOKEN:/);
  });

  it('ignores auth variables when no backend is configured', () => {
    expect(loadConfig({ env: { PROMETHEUS_USERNAME: 'alice' } }).prometheus).toBeNull();
  });
});

describe('loadConfig: time zone and windows', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'])('PYMEM_TZ=%s is accepted', (zone) => {
    expect(loadConfig({ env: { PYMEM_TZ: zone } }).analysis.timeZone).toBe(zone);
  });

  it.each(['Mars/Olympus', 'Europe/Berlinn', 'GMT+25'])('PYMEM_TZ=%s is refused', (zone) => {
    const error = configError(() => loadConfig({ env: { PYMEM_TZ: zone } }));
    expect(error.issues).toEqual([`PYMEM_TZ: unknown time zone ${JSON.stringify(zone)}; use an IANA name such as Europe/Berlin or UTC`]);
  });

  it('reads analysis settings from the file', () => {
    const config = withFile('analysis:\n  window: 24h\n  maxWindow: 7d\n  timeZone: Europe/Berlin\n');
    expect(config.analysis).toEqual({ defaultWindowMs: DAY, maxWindowMs: 7 * DAY, timeZone: 'Europe/Berlin' });
    expect(withFile('analysis:\n  timeZone: Europe/Berlin\n', { PYMEM_TZ: 'Asia/Tokyo' }).analysis.timeZone).toBe('Asia/Tokyo');
    expect(loadConfig({ env: { PYMEM_DEFAULT_WINDOW: '12h' } }).analysis.defaultWindowMs).toBe(12 * HOUR);
  });

  it('names the file key of a bad zone or window', () => {
    expect(configError(() => withFile('analysis:\n  timeZone: Nowhere/Land\n')).issues).toEqual([
      'cfg.yaml: analysis.timeZone: unknown time zone "Nowhere/Land"; use an IANA name such as Europe/Berlin or UTC',
    ]);
    expect(configError(() => withFile('analysis:\n  window: 2d\n  maxWindow: 1d\n')).issues).toEqual([
      'cfg.yaml: analysis.window: the default window is longer than the longest allowed (cfg.yaml: analysis.maxWindow)',
    ]);
    expect(configError(() => loadConfig({ env: { PYMEM_DEFAULT_WINDOW: 'forever' } })).issues).toEqual([
      'PYMEM_DEFAULT_WINDOW: expected a duration such as 6h or 1d, got "forever"',
    ]);
  });
});

describe('loadConfig: the YAML file', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('reads a real file named by PYMEM_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pymem-config-'));
    dirs.push(dir);
    const path = join(dir, 'pymem.yaml');
    writeFileSync(path, 'prometheus:\n  url: http://from-file:9090\nservices:\n  checkout-api:\n    limit: 2GiB\n');
    const config = loadConfig({ env: { PYMEM_CONFIG: path } });
    expect(config.configFile).toBe(path);
    expect(config.prometheus?.url).toBe('http://from-file:9090');
    expect(serviceSettingsFor(config, 'checkout-api').limitBytes).toBe(2 * GIB);
  });

  it('reports a missing file with its path and the error code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pymem-config-'));
    dirs.push(dir);
    const path = join(dir, 'missing.yaml');
    const error = configError(() => loadConfig({ env: { PYMEM_CONFIG: path } }));
    expect(error.issues).toEqual([`config file ${path}: cannot be read (ENOENT)`]);
  });

  it('--config wins over PYMEM_CONFIG', () => {
    const read: string[] = [];
    const config = loadConfig({
      env: { PYMEM_CONFIG: 'env.yaml' },
      configPath: 'flag.yaml',
      readFile: (path) => {
        read.push(path);
        return 'analysis:\n  window: 2h\n';
      },
    });
    expect(read).toEqual(['flag.yaml']);
    expect(config.configFile).toBe('flag.yaml');
    expect(config.analysis.defaultWindowMs).toBe(2 * HOUR);
  });

  it('accepts an empty file', () => {
    const config = withFile('');
    expect(config.queries).toEqual(DEFAULT_QUERIES);
    expect(config.configFile).toBe('cfg.yaml');
  });

  it('reports a YAML syntax error on one line', () => {
    const error = configError(() => withFile('queries: [\n  memory: x\n'));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^config file cfg\.yaml: not valid YAML \(/);
    expectOneLine(error);
  });

  it('reports a misspelt top-level key by name', () => {
    const error = configError(() => withFile('promethues:\n  url: http://p:9090\n'));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toContain('config file cfg.yaml');
    expect(error.issues[0]).toContain('(top level)');
    expect(error.issues[0]).toContain('promethues');
    expectOneLine(error);
  });

  it('reports a misspelt nested key with its path', () => {
    const error = configError(() => withFile('services:\n  checkout-api:\n    limt: 8GiB\n'));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toContain('services.checkout-api');
    expect(error.issues[0]).toContain('limt');
  });

  it('reports a wrong type with its path', () => {
    const error = configError(() => withFile('prometheus:\n  url: http://p:9090\n  maxSeries: lots\n'));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^config file cfg\.yaml: prometheus\.maxSeries: /);
  });

  it('reads backend limits from the file', () => {
    const config = withFile('prometheus:\n  url: http://p:9090\n  maxResponseSize: 128MiB\n  maxSeries: 64\n  minStep: 30s\n');
    expect(config.prometheus).toMatchObject({ maxResponseBytes: 128 * MIB, maxSeries: 64, minStepSeconds: 30 });
    expect(configError(() => withFile('prometheus:\n  url: http://p:9090\n  minStep: 500ms\n')).issues).toEqual([
      'cfg.yaml: prometheus.minStep: expected a duration of at least 1s, got "500ms"',
    ]);
    expect(configError(() => withFile('prometheus:\n  url: http://p:9090\n  maxResponseSize: huge\n')).issues).toEqual([
      'cfg.yaml: prometheus.maxResponseSize: expected a size such as 64MiB, got "huge"',
    ]);
  });
});

describe('loadConfig: sources', () => {
  it('pins a preset globally or per service; a pinned preset is the only source tried', () => {
    const config = withFile('source: cadvisor\nqueries:\n  traffic: null\nservices:\n  api:\n    source: multiprocess-gauge\n  auto-one:\n    source: auto\n');
    const pinned = serviceSettingsFor(config, 'other');
    expect(pinned.sources).toEqual([{ preset: 'cadvisor', granularity: 'pod', queries: { ...PRESETS.cadvisor.queries, traffic: null } }]);
    expect(serviceSettingsFor(config, 'api').sources.map((s) => s.preset)).toEqual(['multiprocess-gauge']);
    expect(serviceSettingsFor(config, 'auto-one').sources).toHaveLength(4);
  });

  it('refuses an unknown source, naming the choices', () => {
    const error = configError(() => withFile('source: grafana\nservices:\n  api:\n    source: nope\n'));
    expect(error.issues).toEqual([
      'cfg.yaml: source: unknown source "grafana"; use auto or one of prometheus-client, multiprocess-gauge, process-exporter, cadvisor',
      'cfg.yaml: services.api.source: unknown source "nope"; use auto or one of prometheus-client, multiprocess-gauge, process-exporter, cadvisor',
    ]);
  });

  it('every preset\'s queries are valid templates', () => {
    for (const id of PRESET_IDS) {
      for (const template of Object.values(PRESETS[id].queries)) if (template !== null) expect(() => checkTemplate(template), `${id}: ${template}`).not.toThrow();
    }
  });
});

describe('loadConfig: queries and per-service overrides', () => {
  const YAML = [
    'queries:',
    '  traffic: null',
    '  jobs: \'sum by (name) (rate(jobs_total{svc="$service"}[5m]))\'',
    'services:',
    '  checkout-api:',
    '    queries:',
    '      memory: \'python_worker_rss_bytes{service="$service"}\'',
    '      traffic: \'sum(rate(req_total{service="$service"}[5m]))\'',
    '    limit: 8GiB',
    '    workersPerInstance: 8',
    '  billing-worker:',
    '    limit: 512MiB',
    '    queries:',
    '      jobs: null',
    '',
  ].join('\n');

  it('merges file queries over the defaults; null disables a query', () => {
    const config = withFile(YAML);
    expect(config.queries).toEqual({
      ...DEFAULT_QUERIES,
      traffic: null,
      jobs: 'sum by (name) (rate(jobs_total{svc="$service"}[5m]))',
    });
  });

  it('merges a service override over the file queries', () => {
    const config = withFile(YAML);
    // Its own memory query: used as it is, nothing detected.
    const checkout = serviceSettingsFor(config, 'checkout-api');
    const checkoutQueries = {
      ...DEFAULT_QUERIES,
      memory: 'python_worker_rss_bytes{service="$service"}',
      traffic: 'sum(rate(req_total{service="$service"}[5m]))',
      jobs: 'sum by (name) (rate(jobs_total{svc="$service"}[5m]))',
    };
    expect(checkout).toEqual({ sources: [{ preset: 'custom', granularity: null, queries: checkoutQueries }], queries: checkoutQueries, limitBytes: 8 * GIB, workersPerInstance: 8 });
    // Other overrides apply on top of every preset tried.
    const billing = serviceSettingsFor(config, 'billing-worker');
    expect(billing.queries).toEqual({ ...DEFAULT_QUERIES, traffic: null, jobs: null });
    expect(billing.sources.map((s) => s.queries.jobs)).toEqual([null, null, null, null]);
    expect(billing.sources[3]!.queries.memory).toBe(PRESETS.cadvisor.queries.memory);
    expect(billing.limitBytes).toBe(512 * MIB);
    const search = serviceSettingsFor(config, 'search-api');
    expect(search.queries).toEqual({ ...DEFAULT_QUERIES, traffic: null, jobs: 'sum by (name) (rate(jobs_total{svc="$service"}[5m]))' });
    expect(search.sources).toHaveLength(4);
  });

  it('keeps the override table as parsed', () => {
    expect(withFile(YAML).services['checkout-api']).toEqual({
      source: null,
      queries: { memory: 'python_worker_rss_bytes{service="$service"}', traffic: 'sum(rate(req_total{service="$service"}[5m]))' },
      limitBytes: 8 * GIB,
      workersPerInstance: 8,
      links: {},
    });
  });

  it('accepts traffic: null per service', () => {
    const config = withFile('services:\n  a:\n    queries:\n      traffic: null\n');
    expect(serviceSettingsFor(config, 'a').queries.traffic).toBeNull();
    expect(serviceSettingsFor(config, 'b').queries.traffic).toBe(DEFAULT_QUERIES.traffic);
  });

  it.each(['queries:\n  memory: null\n', 'services:\n  a:\n    queries:\n      memory: null\n'])('refuses memory: null (%j)', (yaml) => {
    const error = configError(() => withFile(yaml));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toContain('queries.memory');
  });

  it('refuses an empty template', () => {
    expect(configError(() => withFile("queries:\n  memory: ''\n")).issues[0]).toContain('queries.memory');
  });

  it('names an invalid template by its path', () => {
    expect(configError(() => withFile('queries:\n  memory: \'up{job="$service}\'\n')).issues).toEqual([
      'cfg.yaml: queries.memory: unterminated " string in query template "up{job=\\"$service}"',
    ]);
    const error = configError(() => withFile("services:\n  checkout-api:\n    queries:\n      traffic: \"rate(x{job='$service}[5m])\"\n"));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(/^cfg\.yaml: services\.checkout-api\.queries\.traffic: unterminated ' string/);
  });

  it.each([
    ['bad name', '"bad name" is not a service name'],
    ['-leading', '"-leading" is not a service name'],
    ['"quoted"', 'is not a service name'],
  ])('refuses the service key %j', (name, fragment) => {
    const error = configError(() => withFile(`services:\n  ${JSON.stringify(name)}:\n    limit: 1GiB\n`));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toContain(`cfg.yaml: services.${name}: `);
    expect(error.issues[0]).toContain(fragment);
  });

  it.each([
    ['8XB', '"8XB"'],
    ['-1', '-1'],
    ['"-1"', '"-1"'],
    ['0', '0'],
  ])('refuses limit %s', (limit, shown) => {
    const error = configError(() => withFile(`services:\n  a:\n    limit: ${limit}\n`));
    expect(error.issues).toEqual([`cfg.yaml: services.a.limit: expected a size such as 8GiB or 512MiB, got ${shown}`]);
  });

  it('refuses workersPerInstance that is not a positive integer', () => {
    expect(configError(() => withFile('services:\n  a:\n    workersPerInstance: 0\n')).issues[0]).toContain('services.a.workersPerInstance');
    expect(configError(() => withFile('services:\n  a:\n    workersPerInstance: 2.5\n')).issues[0]).toContain('services.a.workersPerInstance');
  });
});

describe('loadConfig: links', () => {
  const DASHBOARD = 'https://grafana.example/d/abc/memory?var-service=$service&from=$from_ms&to=$to_ms';
  const YAML = [
    'links:',
    `  dashboard: "${DASHBOARD}"`,
    '  runbook: https://wiki.example/runbooks/$service',
    'services:',
    '  search-api:',
    '    links:',
    '      runbook: https://wiki.example/search/${service}_memory',
    '  batch-worker:',
    '    links:',
    '      dashboard: null',
    '  shop:checkout.v2:',
    '    limit: 1GiB',
    '',
  ].join('\n');
  const WINDOW = { startMs: Date.UTC(2026, 2, 2, 6), endMs: Date.UTC(2026, 2, 2, 12) };

  it('is off unless configured', () => {
    const config = loadConfig({ env: {} });
    expect(config.links).toEqual({ dashboard: null, runbook: null });
    expect(linksFor(config, { service: 'checkout-api', ...WINDOW })).toBeNull();
  });

  it('keeps the global templates, and per service overrides key by key (null switches one off)', () => {
    const config = withFile(YAML);
    expect(config.links).toEqual({ dashboard: DASHBOARD, runbook: 'https://wiki.example/runbooks/$service' });
    expect(linkTemplatesFor(config, 'checkout-api')).toEqual(config.links);
    expect(linkTemplatesFor(config, 'search-api')).toEqual({ dashboard: DASHBOARD, runbook: 'https://wiki.example/search/${service}_memory' });
    expect(linkTemplatesFor(config, 'batch-worker')).toEqual({ dashboard: null, runbook: 'https://wiki.example/runbooks/$service' });
    expect(config.services['shop:checkout.v2']!.links).toEqual({});
  });

  it('renders them for a service and a window', () => {
    const config = withFile(YAML);
    expect(linksFor(config, { service: 'shop:checkout.v2', ...WINDOW })).toEqual({
      dashboard: 'https://grafana.example/d/abc/memory?var-service=shop%3Acheckout.v2&from=1772431200000&to=1772452800000',
      runbook: 'https://wiki.example/runbooks/shop%3Acheckout.v2',
    });
    expect(linksFor(config, { service: 'search-api', ...WINDOW })?.runbook).toBe('https://wiki.example/search/search-api_memory');
    expect(linksFor(config, { service: 'batch-worker', ...WINDOW })?.dashboard).toBeNull();
  });

  it('does not change what an analysis is keyed on: links are not part of the service settings', () => {
    const config = withFile(YAML);
    expect(serviceSettingsFor(config, 'search-api')).toEqual(serviceSettingsFor(withFile(''), 'search-api'));
  });

  it('names each bad template, and says what to fix', () => {
    const yaml = [
      'links:',
      '  dashboard: https://grafana.example/d/abc?var-service=$servce',
      '  runbook: wiki.example/runbooks/$service',
      'services:',
      '  checkout-api:',
      '    links:',
      `      dashboard: "https://grafana.example/d/abc?pad=${'x'.repeat(3000)}"`,
      '  shop:checkout:',
      '    links:',
      '      runbook: https://$service.wiki.example/',
      '',
    ].join('\n');
    const error = configError(() => withFile(yaml));
    expect(error.issues).toEqual([
      'cfg.yaml: links.dashboard: unknown placeholder "$servce"; the placeholders are $service, $from, $to, $from_ms and $to_ms (or ${service}, ...); write $$ for a $ that should stay in the URL',
      'cfg.yaml: links.runbook: with the service "checkout-api" it gives "wiki.example/runbooks/checkout-api", which is not a valid URL; check the characters around the placeholders (a name with ":" cannot go into a host name)',
      expect.stringMatching(/^cfg\.yaml: services\.checkout-api\.links\.dashboard: with the service "checkout-api" it gives ".*", which is 3\d{3} characters long, over the 3000 a Slack button's URL may have; shorten the template$/),
      expect.stringMatching(/^cfg\.yaml: services\.shop:checkout\.links\.runbook: with the service "shop:checkout" it gives "https:\/\/shop%3Acheckout\.wiki\.example\/", which is not a valid URL/),
    ]);
    expectOneLine(error);
  });

  it('refuses unknown keys, empty templates and a global $service in the host name', () => {
    expect(configError(() => withFile('links:\n  grafana: https://g.example/\n')).issues[0]).toMatch(/^config file cfg\.yaml: links: Unrecognized key: "grafana"/);
    expect(configError(() => withFile('links:\n  runbook: ""\n')).issues[0]).toMatch(/^config file cfg\.yaml: links\.runbook: /);
    expect(configError(() => withFile('links:\n  dashboard: https://$service.grafana.example/\n')).issues).toEqual([
      expect.stringMatching(/^cfg\.yaml: links\.dashboard: with a service name such as "shop:checkout\.v2" .* keep \$service out of the host name, or set the link per service under services\.<name>\.links$/),
    ]);
  });
});

describe('ConfigError: several problems at once', () => {
  it('lists every problem and keeps the message on one line', () => {
    const yaml = [
      'queries:',
      '  memory: \'up{job="$service}\'',
      'services:',
      '  bad name:',
      '    limit: 8XB',
      '',
    ].join('\n');
    const error = configError(() =>
      withFile(yaml, { PROMETHEUS_URL: 'ftp://p', PROMETHEUS_TIMEOUT: 'soon', PROMETHEUS_USERNAME: 'u', PYMEM_TZ: 'Mars/Olympus' }),
    );
    expect(error.issues).toEqual([
      'cfg.yaml: queries.memory: unterminated " string in query template "up{job=\\"$service}"',
      'cfg.yaml: services.bad name: "bad name" is not a service name: use letters, digits and - _ . : only, starting with a letter or digit',
      'cfg.yaml: services.bad name.limit: expected a size such as 8GiB or 512MiB, got "8XB"',
      'PROMETHEUS_URL: expected an http(s) URL such as http://prometheus:9090, got "ftp://p"',
      'PROMETHEUS_TIMEOUT: expected a duration such as 15s or 1m, got "soon"',
      'PROMETHEUS_PASSWORD: basic auth needs both a username and a password (cfg.yaml: prometheus.basicAuth works too)',
      'PYMEM_TZ: unknown time zone "Mars/Olympus"; use an IANA name such as Europe/Berlin or UTC',
    ]);
    expect(error.message).toBe(`invalid configuration: ${error.issues.join('; ')}`);
    expectOneLine(error);
  });

  it('still checks the environment when the file is not valid', () => {
    const error = configError(() => withFile('promethues: {}\n', { PYMEM_TZ: 'Nowhere' }));
    expect(error.issues).toHaveLength(2);
    expect(error.issues[0]).toContain('promethues');
    expect(error.issues[1]).toMatch(/^PYMEM_TZ: /);
  });
});

describe('parseSize', () => {
  it.each([
    ['8GiB', 8 * GIB],
    ['8Gi', 8 * GIB],
    ['8gib', 8 * GIB],
    ['8 GiB', 8 * GIB],
    ['512MiB', 512 * MIB],
    ['512Mi', 512 * MIB],
    ['2GB', 2_000_000_000],
    ['2G', 2_000_000_000],
    ['1.5GiB', 1.5 * GIB],
    ['100KiB', 102_400],
    ['100kB', 100_000],
    ['1TiB', 1024 ** 4],
    ['1024', 1024],
    ['1024B', 1024],
    [1024, 1024],
    [1.4, 1],
    ['abc', null],
    ['-1', null],
    ['8XB', null],
    ['0', null],
    [0, null],
    [-1, null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    ['', null],
    ['GiB', null],
    ['1e3', null],
    ['8 G iB', null],
  ] as const)('%j -> %j', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });
});

describe('parseDurationSetting', () => {
  it.each([
    ['15s', 15_000],
    ['6h', 6 * HOUR],
    ['7d', 7 * DAY],
    ['1w', 7 * DAY],
    ['90m', 90 * 60_000],
    ['1.5h', 1.5 * HOUR],
    ['500ms', 500],
    ['30', 30_000],
    [30, 30_000],
    [0.5, 500],
    [0, null],
    [-1, null],
    [Number.NaN, null],
    ['0s', null],
    ['abc', null],
    ['6 hours', null],
    ['-5m', null],
    ['', null],
  ] as const)('%j -> %j', (input, ms) => {
    expect(parseDurationSetting(input)).toBe(ms);
  });
});

describe('isTimeZone', () => {
  it.each([
    ['UTC', true],
    ['Europe/Berlin', true],
    ['America/Argentina/Buenos_Aires', true],
    ['Etc/GMT+5', true],
    ['Mars/Olympus', false],
    ['Europe/Berlinn', false],
    ['not a zone', false],
  ])('%j -> %j', (zone, ok) => {
    expect(isTimeZone(zone)).toBe(ok);
  });
});
