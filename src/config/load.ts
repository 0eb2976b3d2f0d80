/**
 * Configuration: environment variables plus an optional YAML file, validated once at start-up.
 * Every problem is reported as "<setting>: <what is wrong>", all of them at once.
 */

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { checkLinkTemplate, LINK_KINDS, NO_LINKS, renderLinks, type LinkContext, type Links } from '../domain/links';
import { checkTemplate, TemplateError } from '../domain/promql-template';
import { parseServiceName } from '../domain/service-name';
import type { AccessPolicy } from '../domain/access';
import { SLACK_LIMITS } from '../slack/limits';
import { DETECTION_ORDER, PRESET_IDS, PRESETS, isPresetId, type PresetId } from '../domain/presets';
import { checkCaPem, headerProblems, tenantProblem } from './backend-checks';
import { DEFAULT_QUERIES, type BackendAuth, type CaBundle, type PrometheusSettings, type QueryTemplates, type ServiceSettings, type SourceQueries } from './types';
import { isTimeZone, parseDurationSetting, parseSize } from './units';
import { textEnv, type Env, type TextEnv } from './env';

export type { Env };

export interface AnalysisSettings {
  readonly defaultWindowMs: number;
  /** Longest window a request may ask for. */
  readonly maxWindowMs: number;
  /** IANA zone for times in messages and charts. */
  readonly timeZone: string;
}

/** Which source to read a service's memory from: a preset, or `auto` (try them in order of precision). */
export type SourceChoice = 'auto' | PresetId;

export interface ServiceOverride {
  /** null: the global choice. */
  readonly source: SourceChoice | null;
  readonly queries: Partial<QueryTemplates>;
  readonly limitBytes: number | null;
  readonly workersPerInstance: number | null;
  /** Link templates of this service's own; a key that is absent falls back to the global one, null switches it off. */
  readonly links: Partial<Links>;
}

/** Digest schedules from the config file; the environment can override the default one. */
export interface DigestFileSettings {
  readonly cron: string | null;
  readonly timeZone: string | null;
  readonly channels: Readonly<Record<string, { readonly cron: string | null; readonly timeZone: string | null }>>;
}

export interface AppConfig {
  /** Null when no backend is configured (demo data only). */
  readonly prometheus: PrometheusSettings | null;
  /** The default source's queries with the file's overrides (what a service without settings is sent when a preset is pinned). */
  readonly queries: QueryTemplates;
  /** `source` in the file: a preset, or auto. */
  readonly source: SourceChoice;
  /** `queries` in the file, as given: they apply on top of whichever source is used. */
  readonly queryOverrides: Partial<QueryTemplates>;
  readonly services: Readonly<Record<string, ServiceOverride>>;
  /** URL templates for the buttons under reports and digest entries (domain/links.ts); null where not configured. */
  readonly links: Links;
  readonly analysis: AnalysisSettings;
  readonly digest: DigestFileSettings;
  /** Which channel may query which services; null when not configured (every channel may query every service). */
  readonly access: AccessPolicy | null;
  /**
   * `report.showSource`: whether messages posted to Slack name the backend (its URL) and quote
   * its error texts. Off by default: a channel is a wider audience than the logs.
   */
  readonly showSource: boolean;
  readonly configFile: string | null;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly string[]) {
    // One line, whatever the issues contain (a multi-line YAML template, say).
    super(`invalid configuration: ${issues.map((i) => i.replace(/\s*\n\s*/g, ' ')).join('; ')}`);
  }
}

export interface LoadOptions {
  readonly env: Env;
  /** --config on the command line; wins over PYMEM_CONFIG. */
  readonly configPath?: string;
  /** --prometheus on the command line; wins over the environment and the file. */
  readonly prometheusUrl?: string;
  readonly readFile?: (path: string) => string;
  /** The clock, for checking that the CA file's certificates have not expired. */
  readonly now?: () => number;
}

const DEFAULTS = {
  timeoutMs: 15_000,
  maxResponseBytes: 64 * 1024 * 1024,
  maxSeries: 512,
  minStepSeconds: 15,
  defaultWindowMs: 6 * 3_600_000,
  maxWindowMs: 30 * 86_400_000,
} as const;

const duration = z.union([z.string(), z.number()]);
const size = z.union([z.string(), z.number()]);
const template = z.string().min(1);
const queriesSchema = z.strictObject({
  memory: template.optional(),
  traffic: template.nullable().optional(),
  jobs: template.nullable().optional(),
  limit: template.nullable().optional(),
  presence: template.nullable().optional(),
  up: template.nullable().optional(),
  restarts: template.nullable().optional(),
});
const sourceSchema = z.string().min(1);
const linksSchema = z.strictObject({
  dashboard: template.nullable().optional(),
  runbook: template.nullable().optional(),
});

const fileSchema = z.strictObject({
  prometheus: z
    .strictObject({
      url: z.string().optional(),
      timeout: duration.optional(),
      bearerToken: z.string().optional(),
      basicAuth: z.strictObject({ username: z.string(), password: z.string() }).optional(),
      headers: z.record(z.string(), z.string()).optional(),
      tenant: z.string().optional(),
      caFile: z.string().optional(),
      maxResponseSize: size.optional(),
      maxSeries: z.number().int().positive().optional(),
      minStep: duration.optional(),
    })
    .optional(),
  source: sourceSchema.optional(),
  queries: queriesSchema.optional(),
  links: linksSchema.optional(),
  report: z.strictObject({ showSource: z.boolean().optional() }).optional(),
  analysis: z
    .strictObject({
      window: duration.optional(),
      maxWindow: duration.optional(),
      timeZone: z.string().optional(),
    })
    .optional(),
  access: z
    .strictObject({
      channels: z.record(z.string(), z.array(z.string().min(1))),
      unlisted: z.enum(['allow', 'deny']).optional(),
    })
    .optional(),
  digest: z
    .strictObject({
      cron: z.string().optional(),
      timeZone: z.string().optional(),
      channels: z.record(z.string(), z.strictObject({ cron: z.string().optional(), timeZone: z.string().optional() })).optional(),
    })
    .optional(),
  services: z
    .record(
      z.string(),
      z.strictObject({
        source: sourceSchema.optional(),
        queries: queriesSchema.optional(),
        limit: size.optional(),
        workersPerInstance: z.number().int().positive().optional(),
        links: linksSchema.optional(),
      }),
    )
    .optional(),
});

type FileConfig = z.infer<typeof fileSchema>;

/** Reads and validates everything; returns the config or throws one ConfigError listing every problem. */
export function loadConfig(options: LoadOptions): AppConfig {
  const issues: string[] = [];
  const env = textEnv(options.env);
  const path = options.configPath ?? env.PYMEM_CONFIG;
  const file = path ? readConfigFile(path, options.readFile ?? ((p) => readFileSync(p, 'utf8')), issues) : {};
  const where = (key: string): string => `${path ?? 'config file'}: ${key}`;

  const queryOverrides = file.queries ? partialQueries(file.queries, where('queries'), issues) : {};
  const queries = { ...DEFAULT_QUERIES, ...queryOverrides };
  const source = resolveSource(file.source, where('source'), issues) ?? 'auto';
  const links: Links = { ...NO_LINKS, ...resolveLinks(file.links, null, where('links'), issues) };
  const services: Record<string, ServiceOverride> = {};
  for (const [name, raw] of Object.entries(file.services ?? {})) {
    const key = where(`services.${name}`);
    const parsed = parseServiceName(name);
    if (!parsed.ok) issues.push(`${key}: ${parsed.error}`);
    const own = raw.queries ? partialQueries(raw.queries, `${key}.queries`, issues) : {};
    const limitBytes = raw.limit === undefined ? null : parseSize(raw.limit);
    if (raw.limit !== undefined && limitBytes === null) issues.push(`${key}.limit: expected a size such as 8GiB or 512MiB, got ${JSON.stringify(raw.limit)}`);
    const ownLinks = raw.links ? resolveLinks(raw.links, parsed.ok ? name : null, `${key}.links`, issues) : {};
    services[name] = { source: resolveSource(raw.source, `${key}.source`, issues), queries: own, limitBytes, workersPerInstance: raw.workersPerInstance ?? null, links: ownLinks };
  }

  const prometheus = resolvePrometheus(options, env, file, where, issues);
  const analysis = resolveAnalysis(env, file, where, issues);
  const digest = resolveDigestFile(file, where, issues);
  const access = resolveAccess(file, where, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return { prometheus, queries, source, queryOverrides, services, links, analysis, digest, access, showSource: file.report?.showSource ?? false, configFile: path ?? null };
}

/**
 * The settings one service is analysed with. A memory query of the config's own is used as it is;
 * a named preset is used alone; otherwise every preset is tried in order of precision. The config's
 * other query overrides apply on top of whichever source is used.
 */
export function serviceSettingsFor(config: AppConfig, service: string): ServiceSettings {
  const own = config.services[service];
  const choice = own?.source ?? config.source;
  const overrides: Partial<QueryTemplates> = { ...config.queryOverrides, ...(own?.queries ?? {}) };
  const withOverrides = (id: PresetId): QueryTemplates => ({ ...PRESETS[id].queries, ...overrides });
  const sources: SourceQueries[] =
    overrides.memory !== undefined
      ? [{ preset: 'custom', granularity: null, queries: withOverrides(choice === 'auto' ? 'prometheus-client' : choice) }]
      : choice !== 'auto'
        ? [{ preset: choice, granularity: PRESETS[choice].granularity, queries: withOverrides(choice) }]
        : DETECTION_ORDER.map((id) => ({ preset: id, granularity: PRESETS[id].granularity, queries: withOverrides(id) }));
  return {
    sources,
    queries: sources[0]!.queries,
    limitBytes: own?.limitBytes ?? null,
    workersPerInstance: own?.workersPerInstance ?? null,
  };
}

function resolveSource(raw: string | undefined, key: string, issues: string[]): SourceChoice | null {
  if (raw === undefined) return null;
  if (raw === 'auto' || isPresetId(raw)) return raw;
  issues.push(`${key}: unknown source ${JSON.stringify(raw)}; use auto or one of ${PRESET_IDS.join(', ')}`);
  return null;
}

/** The link templates for one service: its own on top of the global ones. */
export function linkTemplatesFor(config: AppConfig, service: string): Links {
  return { ...config.links, ...(config.services[service]?.links ?? {}) };
}

/** The rendered links for one service and window (a report's, a digest's); null when none is configured. */
export function linksFor(config: AppConfig, ctx: LinkContext): Links | null {
  return renderLinks(linkTemplatesFor(config, ctx.service), ctx, SLACK_LIMITS.buttonUrl);
}

function readConfigFile(path: string, read: (p: string) => string, issues: string[]): FileConfig {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    issues.push(`config file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return {};
  }
  let data: unknown;
  try {
    data = parseYaml(text) ?? {};
  } catch (error) {
    issues.push(`config file ${path}: not valid YAML (${firstLine(error instanceof Error ? error.message : String(error))})`);
    return {};
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      issues.push(`config file ${path}: ${key}: ${issue.message}`);
    }
    return {};
  }
  return parsed.data;
}

function partialQueries(raw: NonNullable<FileConfig['queries']>, key: string, issues: string[]): Partial<QueryTemplates> {
  const out: { -readonly [K in keyof QueryTemplates]?: QueryTemplates[K] } = {};
  for (const name of ['memory', 'traffic', 'jobs', 'limit', 'presence', 'up', 'restarts'] as const) {
    const value = raw[name];
    if (value === undefined) continue;
    if (value !== null) {
      try {
        checkTemplate(value);
      } catch (error) {
        issues.push(`${key}.${name}: ${error instanceof TemplateError ? error.message : String(error)}`);
        continue;
      }
    }
    if (name === 'memory') {
      if (value === null) issues.push(`${key}.memory: cannot be null, pymem needs a memory query`);
      else out.memory = value;
    } else {
      out[name] = value;
    }
  }
  return out;
}

/**
 * Checks each link template; `service` is the service a per-service template belongs to (null for
 * the global ones, or when the name itself is invalid and already reported).
 */
function resolveLinks(raw: FileConfig['links'], service: string | null, key: string, issues: string[]): Partial<Links> {
  const out: { -readonly [K in keyof Links]?: Links[K] } = {};
  for (const kind of LINK_KINDS) {
    const value = raw?.[kind];
    if (value === undefined) continue;
    if (value !== null) {
      const problem = checkLinkTemplate(value, service, SLACK_LIMITS.buttonUrl);
      if (problem !== null) {
        issues.push(`${key}.${kind}: ${problem}`);
        continue;
      }
    }
    out[kind] = value;
  }
  return out;
}

function resolvePrometheus(
  options: LoadOptions,
  env: TextEnv,
  file: FileConfig,
  where: (key: string) => string,
  issues: string[],
): PrometheusSettings | null {
  const fileProm = file.prometheus ?? {};
  const urlSource = options.prometheusUrl !== undefined ? '--prometheus' : env.PROMETHEUS_URL ? 'PROMETHEUS_URL' : where('prometheus.url');
  const url = options.prometheusUrl ?? env.PROMETHEUS_URL ?? fileProm.url;
  if (url === undefined) return null;
  if (!isHttpUrl(url)) {
    issues.push(`${urlSource}: expected an http(s) URL such as http://prometheus:9090, got ${JSON.stringify(redactUserInfo(url))}`);
  } else if (/[?#]/.test(url)) {
    // The API paths are appended to the URL as text: a query or fragment would swallow them.
    issues.push(`${urlSource}: the URL cannot carry a query string or fragment (${JSON.stringify(redactUserInfo(url))}); give only scheme, host, port and any path prefix, such as https://mimir:8080/prometheus`);
  }

  const timeoutRaw = env.PROMETHEUS_TIMEOUT ?? fileProm.timeout;
  const timeoutMs = timeoutRaw === undefined ? DEFAULTS.timeoutMs : parseDurationSetting(timeoutRaw);
  if (timeoutMs === null) {
    const key = env.PROMETHEUS_TIMEOUT ? 'PROMETHEUS_TIMEOUT' : where('prometheus.timeout');
    issues.push(`${key}: expected a duration such as 15s or 1m, got ${JSON.stringify(timeoutRaw)}`);
  }

  const auth = resolveAuth(env, fileProm, where, issues);
  const tenantKey = env.PROMETHEUS_TENANT ? 'PROMETHEUS_TENANT' : where('prometheus.tenant');
  const tenantRaw = env.PROMETHEUS_TENANT ?? fileProm.tenant;
  const tenantIssue = tenantRaw === undefined ? null : tenantProblem(tenantRaw);
  if (tenantIssue !== null) issues.push(`${tenantKey}: ${tenantIssue}`);
  const tenant = tenantRaw === undefined || tenantIssue !== null ? null : tenantRaw;
  const headers = fileProm.headers ?? {};
  for (const problem of headerProblems(headers, auth, tenantRaw ?? null)) issues.push(`${where('prometheus.headers')}.${problem}`);
  const ca = resolveCa(env, fileProm, url, where, issues, options);
  const maxResponseBytes = fileProm.maxResponseSize === undefined ? DEFAULTS.maxResponseBytes : parseSize(fileProm.maxResponseSize);
  if (maxResponseBytes === null) issues.push(`${where('prometheus.maxResponseSize')}: expected a size such as 64MiB, got ${JSON.stringify(fileProm.maxResponseSize)}`);
  const minStepMs = fileProm.minStep === undefined ? DEFAULTS.minStepSeconds * 1000 : parseDurationSetting(fileProm.minStep);
  if (minStepMs === null || (minStepMs !== null && minStepMs < 1000)) {
    issues.push(`${where('prometheus.minStep')}: expected a duration of at least 1s, got ${JSON.stringify(fileProm.minStep)}`);
  }
  return {
    url,
    auth,
    headers,
    tenant,
    ca,
    timeoutMs: timeoutMs ?? DEFAULTS.timeoutMs,
    maxResponseBytes: maxResponseBytes ?? DEFAULTS.maxResponseBytes,
    maxSeries: fileProm.maxSeries ?? DEFAULTS.maxSeries,
    minStepSeconds: Math.max(1, Math.round((minStepMs ?? DEFAULTS.minStepSeconds * 1000) / 1000)),
  };
}

/** Reads and checks the private CA file, when one is set. */
function resolveCa(
  env: TextEnv,
  fileProm: NonNullable<FileConfig['prometheus']>,
  url: string,
  where: (key: string) => string,
  issues: string[],
  options: LoadOptions,
): CaBundle | null {
  const key = env.PROMETHEUS_CA_FILE ? 'PROMETHEUS_CA_FILE' : where('prometheus.caFile');
  const path = env.PROMETHEUS_CA_FILE ?? nonEmpty(fileProm.caFile);
  if (path === undefined) return null;
  if (isHttpUrl(url) && !/^https:/i.test(url)) {
    issues.push(`${key}: a CA file is only used for https:// URLs, and the backend URL is http://; use https:// or remove the CA file`);
    return null;
  }
  let text: string;
  try {
    text = (options.readFile ?? ((p) => readFileSync(p, 'utf8')))(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const hint = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory, not a file' : code;
    issues.push(`${key}: cannot read the CA file ${path} (${hint}); set it to the PEM file of the CA that signed the backend's certificate`);
    return null;
  }
  const checked = checkCaPem(text, (options.now ?? Date.now)());
  if (!checked.ok) {
    issues.push(`${key}: ${path} ${checked.problem}`);
    return null;
  }
  return { source: `${key} (${path})`, pem: checked.pem };
}

function resolveAuth(env: TextEnv, fileProm: NonNullable<FileConfig['prometheus']>, where: (key: string) => string, issues: string[]): BackendAuth {
  const token = env.PROMETHEUS_BEARER_TOKEN ?? fileProm.bearerToken;
  const username = env.PROMETHEUS_USERNAME ?? fileProm.basicAuth?.username;
  const password = env.PROMETHEUS_PASSWORD ?? fileProm.basicAuth?.password;
  if (token !== undefined && (username !== undefined || password !== undefined)) {
    issues.push('PROMETHEUS_BEARER_TOKEN: set either a bearer token or a username and password for the metrics backend, not both');
    return { kind: 'none' };
  }
  if (token !== undefined) return { kind: 'bearer', token };
  if (username !== undefined || password !== undefined) {
    if (username === undefined || password === undefined) {
      const missing = username === undefined ? 'PROMETHEUS_USERNAME' : 'PROMETHEUS_PASSWORD';
      issues.push(`${missing}: basic auth needs both a username and a password (${where('prometheus.basicAuth')} works too)`);
      return { kind: 'none' };
    }
    return { kind: 'basic', username, password };
  }
  return { kind: 'none' };
}

function resolveAnalysis(env: TextEnv, file: FileConfig, where: (key: string) => string, issues: string[]): AnalysisSettings {
  const fileAnalysis = file.analysis ?? {};
  const zoneKey = env.PYMEM_TZ ? 'PYMEM_TZ' : where('analysis.timeZone');
  const timeZone = env.PYMEM_TZ ?? fileAnalysis.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) issues.push(`${zoneKey}: unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as Europe/Berlin or UTC`);

  const windowKey = env.PYMEM_DEFAULT_WINDOW ? 'PYMEM_DEFAULT_WINDOW' : where('analysis.window');
  const windowRaw = env.PYMEM_DEFAULT_WINDOW ?? fileAnalysis.window;
  const defaultWindowMs = windowRaw === undefined ? DEFAULTS.defaultWindowMs : parseDurationSetting(windowRaw);
  if (defaultWindowMs === null) issues.push(`${windowKey}: expected a duration such as 6h or 1d, got ${JSON.stringify(windowRaw)}`);

  const maxRaw = fileAnalysis.maxWindow;
  const maxWindowMs = maxRaw === undefined ? DEFAULTS.maxWindowMs : parseDurationSetting(maxRaw);
  if (maxWindowMs === null) issues.push(`${where('analysis.maxWindow')}: expected a duration such as 30d, got ${JSON.stringify(maxRaw)}`);
  if (defaultWindowMs !== null && maxWindowMs !== null && defaultWindowMs > maxWindowMs) {
    issues.push(`${windowKey}: the default window is longer than the longest allowed (${where('analysis.maxWindow')})`);
  }
  return {
    timeZone: isTimeZone(timeZone) ? timeZone : 'UTC',
    defaultWindowMs: defaultWindowMs ?? DEFAULTS.defaultWindowMs,
    maxWindowMs: maxWindowMs ?? DEFAULTS.maxWindowMs,
  };
}

function resolveAccess(file: FileConfig, where: (key: string) => string, issues: string[]): AccessPolicy | null {
  if (!file.access) return null;
  for (const [channel, patterns] of Object.entries(file.access.channels)) {
    if (!/^[CGD][A-Z0-9]{2,}$/.test(channel)) issues.push(`${where(`access.channels.${channel}`)}: expected a Slack channel id such as C0123ABCD`);
    for (const p of patterns) {
      if (!/^[A-Za-z0-9*][A-Za-z0-9_.:*-]*$/.test(p)) issues.push(`${where(`access.channels.${channel}`)}: "${p}" is not a service name or pattern (letters, digits, - _ . : and *)`);
    }
  }
  return { channels: file.access.channels, unlisted: file.access.unlisted ?? 'deny' };
}

function resolveDigestFile(file: FileConfig, where: (key: string) => string, issues: string[]): DigestFileSettings {
  const raw = file.digest ?? {};
  const zone = (value: string | undefined, key: string): string | null => {
    if (value === undefined) return null;
    if (!isTimeZone(value)) issues.push(`${where(key)}: unknown time zone ${JSON.stringify(value)}`);
    return value;
  };
  const channels: Record<string, { cron: string | null; timeZone: string | null }> = {};
  for (const [channel, settings] of Object.entries(raw.channels ?? {})) {
    if (!/^[CGD][A-Z0-9]{2,}$/.test(channel)) issues.push(`${where(`digest.channels.${channel}`)}: expected a Slack channel id such as C0123ABCD`);
    channels[channel] = { cron: settings.cron ?? null, timeZone: zone(settings.timeZone, `digest.channels.${channel}.timeZone`) };
  }
  return { cron: raw.cron ?? null, timeZone: zone(raw.timeZone, 'digest.timeZone'), channels };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** Never echo a password typed into a URL back into a message. */
function redactUserInfo(value: string): string {
  // Everything up to the last @ may be user info, whether or not a scheme or a slash precedes it.
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/i, '$1***@');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
