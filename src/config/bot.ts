/** Settings of the running bot (Slack, HTTP port, database), on top of the analysis settings. */

import { availableParallelism, hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { cronProblem, type DigestSettings } from './schedule';
import { ConfigError, loadConfig, type AppConfig, type Env } from './load';
import { isTimeZone, parseDurationSetting } from './units';

export interface SlackSettings {
  readonly botToken: string;
  readonly signingSecret: string;
  /** Set: Socket Mode (no public URL needed). Unset: HTTP requests at POST /slack/events. */
  readonly appToken: string | null;
  /** Web API base URL, e.g. for GovSlack or a local stand-in; null for slack.com. */
  readonly apiUrl: string | null;
}

export type DatabaseSettings =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

export interface BotConfig {
  readonly app: AppConfig;
  /** Null when no Slack tokens are set. */
  readonly slack: SlackSettings | null;
  readonly port: number;
  /** Interface the HTTP server binds to. */
  readonly host: string;
  readonly database: DatabaseSettings;
  /** Serve the built-in demo services instead of a metrics backend. */
  readonly demo: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long a shutdown waits for work in progress before cancelling it. */
  readonly shutdownGraceMs: number;
  /** How long, after SIGTERM, the bot keeps serving with readiness false before it closes its listener. */
  readonly shutdownDrainMs: number;
  /**
   * Worker threads that fetch, analyse and draw charts (the acknowledgement path never waits for
   * them); 0 runs that work on the main thread, as pymem did before it had a pool.
   */
  readonly analysisThreads: number;
  /** Most analyses in progress at once across the pool (waiting on the backend or computing); more wait their turn. */
  readonly maxConcurrentAnalyses: number;
  /** Longest an analysis may take before the requester is told the backend is too slow. */
  readonly analysisTimeoutMs: number;
  /** A request whose analysis would wait longer than this to start is answered "busy" at once. */
  readonly maxQueueWaitMs: number;
  /** How long a finished analysis (and its uploaded chart) serves identical requests; 0 turns the cache off. */
  readonly resultCacheTtlMs: number;
  /** How long a Slack call that was rate limited or failed on Slack's side keeps being retried. */
  readonly slackRetryDeadlineMs: number;
  readonly digest: DigestSettings & {
    /** Services measured at once while composing digests. */
    readonly concurrency: number;
    /** Time limit for measuring one service. */
    readonly serviceTimeoutMs: number;
  };
}

export const DEFAULT_SQLITE_PATH = './data/pymem.sqlite';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Facts about the machine the defaults depend on; passed in so the loader reads no global state. */
export interface MachineFacts {
  /** os.availableParallelism(): cores this process may use. */
  readonly cores: number;
}

/** The pool's default size: one thread per core, at least one, at most 16. */
export function defaultAnalysisThreads(cores: number): number {
  return Math.max(1, Math.min(16, Math.floor(cores)));
}

export function loadBotConfig(env: Env, machine: MachineFacts = { cores: availableParallelism() }): BotConfig {
  const issues: string[] = [];
  let app: AppConfig | null = null;
  try {
    app = loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) issues.push(...error.issues);
    else throw error;
  }

  const botToken = clean(env['SLACK_BOT_TOKEN']);
  const signingSecret = clean(env['SLACK_SIGNING_SECRET']);
  const appToken = clean(env['SLACK_APP_TOKEN']);
  const apiUrl = clean(env['SLACK_API_URL']);
  let slack: SlackSettings | null = null;
  if (botToken !== undefined || signingSecret !== undefined || appToken !== undefined) {
    if (botToken === undefined) issues.push('SLACK_BOT_TOKEN: required when other Slack settings are set (the xoxb- token from "OAuth & Permissions")');
    else if (!botToken.startsWith('xoxb-')) issues.push('SLACK_BOT_TOKEN: expected a bot token starting with xoxb-');
    if (appToken !== undefined && !appToken.startsWith('xapp-')) issues.push('SLACK_APP_TOKEN: expected an app-level token starting with xapp- (Socket Mode)');
    if (signingSecret === undefined && appToken === undefined) {
      issues.push('SLACK_SIGNING_SECRET: required for HTTP mode (from "Basic Information"); or set SLACK_APP_TOKEN for Socket Mode');
    }
    if (botToken !== undefined) {
      slack = { botToken, signingSecret: signingSecret ?? '', appToken: appToken ?? null, apiUrl: apiUrl ?? null };
    }
  }
  if (apiUrl !== undefined && !/^https?:\/\/[^/]+/.test(apiUrl)) issues.push(`SLACK_API_URL: expected an http(s) URL such as https://slack.com/api/, got ${JSON.stringify(apiUrl)}`);

  const port = integer(env['PORT'], 3000, 'PORT', 0, 65_535, issues);
  const host = clean(env['HOST']) ?? '0.0.0.0';
  const database = parseDatabaseUrl(clean(env['DATABASE_URL']), issues);
  const demo = flag(env['PYMEM_DEMO'], 'PYMEM_DEMO', issues);
  const logLevelRaw = (clean(env['LOG_LEVEL']) ?? 'info').toLowerCase();
  const logLevel = (LOG_LEVELS as readonly string[]).includes(logLevelRaw) ? (logLevelRaw as BotConfig['logLevel']) : null;
  if (logLevel === null) issues.push(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevelRaw)}`);
  const analysisThreads = integer(env['PYMEM_ANALYSIS_THREADS'], defaultAnalysisThreads(machine.cores), 'PYMEM_ANALYSIS_THREADS', 0, 64, issues);
  // Two per thread by default: while one waits on the backend, the thread draws another's chart.
  const maxConcurrentAnalyses = integer(env['PYMEM_MAX_CONCURRENT_ANALYSES'], Math.min(64, 2 * Math.max(1, analysisThreads)), 'PYMEM_MAX_CONCURRENT_ANALYSES', 1, 64, issues);
  const analysisTimeoutMs = integer(env['PYMEM_ANALYSIS_TIMEOUT_MS'], 45_000, 'PYMEM_ANALYSIS_TIMEOUT_MS', 1_000, 600_000, issues);
  const shutdownGraceMs = duration(env, 'PYMEM_SHUTDOWN_GRACE', 10_000, 0, issues);
  const shutdownDrainMs = duration(env, 'PYMEM_SHUTDOWN_DRAIN', 10_000, 0, issues);
  const maxQueueWaitMs = duration(env, 'PYMEM_MAX_QUEUE_WAIT', 30_000, 1_000, issues);
  const resultCacheTtlMs = duration(env, 'PYMEM_RESULT_CACHE_TTL', 30_000, 0, issues);
  const slackRetryDeadlineMs = duration(env, 'PYMEM_SLACK_RETRY_DEADLINE', 30_000, 1_000, issues);

  const digest = app ? resolveDigest(env, app, issues) : null;

  if (app && app.prometheus === null && !demo && slack !== null) {
    issues.push('PROMETHEUS_URL: the bot needs a metrics backend (or PYMEM_DEMO=true to serve the built-in demo services)');
  }
  if (issues.length > 0 || app === null || digest === null) throw new ConfigError(issues);
  return {
    app,
    slack,
    port,
    host,
    database,
    demo,
    logLevel: logLevel ?? 'info',
    analysisThreads,
    maxConcurrentAnalyses,
    analysisTimeoutMs,
    maxQueueWaitMs,
    resultCacheTtlMs,
    slackRetryDeadlineMs,
    shutdownGraceMs,
    shutdownDrainMs,
    digest,
  };
}

/**
 * How long after SIGTERM the process exits at the latest, whatever is still running: the drain, the
 * grace, and 10 s to close. A supervisor's kill timeout (terminationGracePeriodSeconds) must be longer.
 */
export function shutdownDeadlineMs(config: Pick<BotConfig, 'shutdownDrainMs' | 'shutdownGraceMs'>): number {
  return config.shutdownDrainMs + config.shutdownGraceMs + 10_000;
}

export const DEFAULT_DIGEST_CRON = '0 8 * * *';

function resolveDigest(env: Env, app: AppConfig, issues: string[]): BotConfig['digest'] {
  const cronKey = clean(env['PYMEM_DIGEST_CRON']) ? 'PYMEM_DIGEST_CRON' : 'digest.cron';
  const cronExpr = clean(env['PYMEM_DIGEST_CRON']) ?? app.digest.cron ?? DEFAULT_DIGEST_CRON;
  const problem = cronProblem(cronExpr);
  if (problem) issues.push(`${cronKey}: ${JSON.stringify(cronExpr)} is not a valid schedule (${problem}); e.g. "0 8 * * 1-5" for 08:00 on weekdays`);
  const zoneKey = clean(env['PYMEM_DIGEST_TZ']) ? 'PYMEM_DIGEST_TZ' : 'digest.timeZone';
  const timeZone = clean(env['PYMEM_DIGEST_TZ']) ?? app.digest.timeZone ?? app.analysis.timeZone;
  if (!isTimeZone(timeZone)) issues.push(`${zoneKey}: unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as Europe/Berlin`);
  const channels: Record<string, { cron: string; timeZone: string }> = {};
  for (const [channel, own] of Object.entries(app.digest.channels)) {
    const c = own.cron ?? cronExpr;
    const p = cronProblem(c);
    if (p) issues.push(`digest.channels.${channel}.cron: ${JSON.stringify(c)} is not a valid schedule (${p})`);
    channels[channel] = { cron: c, timeZone: own.timeZone ?? timeZone };
  }
  const leaseRaw = clean(env['PYMEM_DIGEST_LEASE']);
  const leaseMs = leaseRaw === undefined ? 120_000 : parseDurationSetting(leaseRaw);
  if (leaseMs === null || leaseMs < 1_000) issues.push(`PYMEM_DIGEST_LEASE: expected a duration of at least 1s such as 2m, got ${JSON.stringify(leaseRaw)}`);
  const timeoutRaw = clean(env['PYMEM_DIGEST_SERVICE_TIMEOUT']);
  const serviceTimeoutMs = timeoutRaw === undefined ? 30_000 : parseDurationSetting(timeoutRaw);
  if (serviceTimeoutMs === null) issues.push(`PYMEM_DIGEST_SERVICE_TIMEOUT: expected a duration such as 30s, got ${JSON.stringify(timeoutRaw)}`);
  return {
    schedule: { cron: cronExpr, timeZone },
    channels,
    leaseMs: leaseMs ?? 120_000,
    replicaId: clean(env['PYMEM_REPLICA_ID']) ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    concurrency: integer(env['PYMEM_DIGEST_CONCURRENCY'], 8, 'PYMEM_DIGEST_CONCURRENCY', 1, 64, issues),
    serviceTimeoutMs: serviceTimeoutMs ?? 30_000,
  };
}

/** Every secret value in the settings, for scrubbing logs. */
export function secretsOf(config: BotConfig): string[] {
  const out: string[] = [];
  if (config.slack) out.push(config.slack.botToken, config.slack.signingSecret, ...(config.slack.appToken ? [config.slack.appToken] : []));
  const prom = config.app.prometheus;
  if (prom) {
    if (prom.auth.kind === 'bearer') out.push(prom.auth.token);
    if (prom.auth.kind === 'basic') out.push(prom.auth.password);
    out.push(...urlPassword(prom.url), ...Object.values(prom.headers).filter((v) => v.length >= 16));
  }
  if (config.database.kind === 'postgres') out.push(...urlPassword(config.database.url));
  return out.filter((s) => s.length > 0);
}

function urlPassword(raw: string): string[] {
  try {
    const url = new URL(raw);
    const fromQuery = url.searchParams.get('password');
    return [url.password ? decodeURIComponent(url.password) : '', fromQuery ?? ''].filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

/** `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is an SQLite file path (`sqlite:` prefix optional). */
export function parseDatabaseUrl(raw: string | undefined, issues: string[] = []): DatabaseSettings {
  if (raw === undefined) return { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    try {
      new URL(raw);
      return { kind: 'postgres', url: raw };
    } catch {
      issues.push('DATABASE_URL: not a valid postgres:// URL');
      return { kind: 'postgres', url: raw };
    }
  }
  const path = raw.replace(/^sqlite:(\/\/)?/i, '');
  if (path.length === 0) issues.push('DATABASE_URL: empty SQLite path');
  return { kind: 'sqlite', path: path || DEFAULT_SQLITE_PATH };
}

function clean(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(raw: string | undefined, fallback: number, key: string, min: number, max: number, issues: string[]): number {
  const value = clean(raw);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    issues.push(`${key}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return n;
}

/** A duration setting in ms ("10s", "2m", or seconds), at least `min`; the fallback when unset. */
function duration(env: Env, key: string, fallback: number, min: number, issues: string[]): number {
  const raw = clean(env[key]);
  if (raw === undefined) return fallback;
  // parseDurationSetting refuses zero; here "0" and "0s" mean "off" where the setting allows it.
  const ms = /^0+(\.0*)?\s*(ms|s|m|h|d|w)?$/i.test(raw) ? 0 : parseDurationSetting(raw);
  if (ms === null || ms < min) {
    issues.push(`${key}: expected a duration${min > 0 ? ` of at least ${min / 1000}s` : ''} such as ${Math.max(fallback, min) / 1000}s, got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return ms;
}

function flag(raw: string | undefined, key: string, issues: string[]): boolean {
  const value = clean(raw)?.toLowerCase();
  if (value === undefined) return false;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  issues.push(`${key}: expected true or false, got ${JSON.stringify(value)}`);
  return false;
}
