/** Settings of the running bot (Slack, HTTP port, database), on top of the analysis settings. */

import { availableParallelism } from 'node:os';
import { cronProblem, type DigestSettings } from './schedule';
import { botEnv, textEnv, type DatabaseSettings, type Env, type LogLevel, type MachineFacts, type TextEnv } from './env';
import { ConfigError, loadConfig, type AppConfig } from './load';
import { isTimeZone } from './units';

export { DEFAULT_SQLITE_PATH, defaultAnalysisThreads, parseDatabaseUrl, type DatabaseSettings, type MachineFacts } from './env';

export interface SlackSettings {
  /** The one workspace's xoxb- token; null in OAuth mode, where each installation brings its own. */
  readonly botToken: string | null;
  /** Set: OAuth mode (issue 14), installed through /slack/install into any number of workspaces. */
  readonly oauth: OAuthSettings | null;
  readonly signingSecret: string;
  /** Set: Socket Mode (no public URL needed). Unset: HTTP requests at POST /slack/events. */
  readonly appToken: string | null;
  /** Web API base URL, e.g. for GovSlack or a local stand-in; null for slack.com. */
  readonly apiUrl: string | null;
}

/** The app's credentials for Slack's OAuth flow (from "Basic Information"). */
export interface OAuthSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Signs the state parameter that ties the redirect back to the browser that started the install. */
  readonly stateSecret: string;
}

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
  readonly logLevel: LogLevel;
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

/** The bot's settings from the environment (src/config/env.ts) and the config file it names; one ConfigError listing every problem. */
export function loadBotConfig(env: Env, machine: MachineFacts = { cores: availableParallelism() }): BotConfig {
  const issues: string[] = [];
  let app: AppConfig | null = null;
  try {
    app = loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) issues.push(...error.issues);
    else throw error;
  }

  const texts = textEnv(env);
  const bot = botEnv(env, machine);
  const { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: signingSecret, SLACK_APP_TOKEN: appToken } = texts;
  const apiUrl = bot.ok ? bot.value.slackApiUrl : null;
  const oauth = oauthSettings(texts, issues);
  let slack: SlackSettings | null = null;
  if (oauth !== null) {
    // One mode at a time: a fixed token would silently answer for one workspace only.
    if (botToken !== undefined) issues.push('SLACK_BOT_TOKEN: leave it unset in OAuth mode (SLACK_CLIENT_ID is set): each workspace gets its token when it installs pymem');
    if (appToken !== undefined) issues.push('SLACK_APP_TOKEN: OAuth mode needs HTTP mode (Slack redirects the browser to /slack/oauth_redirect); unset it');
    if (signingSecret === undefined) issues.push('SLACK_SIGNING_SECRET: required in OAuth mode (from "Basic Information")');
    slack = { botToken: null, oauth, signingSecret: signingSecret ?? '', appToken: null, apiUrl };
  } else if (botToken !== undefined || signingSecret !== undefined || appToken !== undefined) {
    if (botToken === undefined) issues.push('SLACK_BOT_TOKEN: required when other Slack settings are set (the xoxb- token from "OAuth & Permissions"); or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET for OAuth mode');
    else if (!botToken.startsWith('xoxb-')) issues.push('SLACK_BOT_TOKEN: expected a bot token starting with xoxb-');
    if (appToken !== undefined && !appToken.startsWith('xapp-')) issues.push('SLACK_APP_TOKEN: expected an app-level token starting with xapp- (Socket Mode)');
    if (signingSecret === undefined && appToken === undefined) {
      issues.push('SLACK_SIGNING_SECRET: required for HTTP mode (from "Basic Information"); or set SLACK_APP_TOKEN for Socket Mode');
    }
    if (botToken !== undefined) {
      slack = { botToken, oauth: null, signingSecret: signingSecret ?? '', appToken: appToken ?? null, apiUrl };
    }
  }
  if (!bot.ok) issues.push(...bot.issues);

  const digest = app ? resolveDigest(texts, app, issues) : null;

  const demo = bot.ok ? bot.value.demo : bot.demo;
  if (app && app.prometheus === null && !demo && slack !== null) {
    issues.push('PROMETHEUS_URL: the bot needs a metrics backend (or PYMEM_DEMO=true to serve the built-in demo services)');
  }
  if (issues.length > 0 || app === null || digest === null || !bot.ok) throw new ConfigError(issues);
  const b = bot.value;
  return {
    app,
    slack,
    port: b.port,
    host: b.host,
    database: b.database,
    demo: b.demo,
    logLevel: b.logLevel,
    analysisThreads: b.analysisThreads,
    maxConcurrentAnalyses: b.maxConcurrentAnalyses,
    analysisTimeoutMs: b.analysisTimeoutMs,
    maxQueueWaitMs: b.maxQueueWaitMs,
    resultCacheTtlMs: b.resultCacheTtlMs,
    slackRetryDeadlineMs: b.slackRetryDeadlineMs,
    shutdownGraceMs: b.shutdownGraceMs,
    shutdownDrainMs: b.shutdownDrainMs,
    digest: { ...digest, leaseMs: b.digestLeaseMs, replicaId: b.replicaId, concurrency: b.digestConcurrency, serviceTimeoutMs: b.digestServiceTimeoutMs },
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

/** The digest schedules, where the environment's PYMEM_DIGEST_CRON and PYMEM_DIGEST_TZ meet the config file. */
function resolveDigest(texts: TextEnv, app: AppConfig, issues: string[]): Pick<DigestSettings, 'schedule' | 'channels'> {
  const cronKey = texts.PYMEM_DIGEST_CRON ? 'PYMEM_DIGEST_CRON' : 'digest.cron';
  const cronExpr = texts.PYMEM_DIGEST_CRON ?? app.digest.cron ?? DEFAULT_DIGEST_CRON;
  const problem = cronProblem(cronExpr);
  if (problem) issues.push(`${cronKey}: ${JSON.stringify(cronExpr)} is not a valid schedule (${problem}); e.g. "0 8 * * 1-5" for 08:00 on weekdays`);
  const zoneKey = texts.PYMEM_DIGEST_TZ ? 'PYMEM_DIGEST_TZ' : 'digest.timeZone';
  const timeZone = texts.PYMEM_DIGEST_TZ ?? app.digest.timeZone ?? app.analysis.timeZone;
  if (!isTimeZone(timeZone)) issues.push(`${zoneKey}: unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as Europe/Berlin`);
  const channels: Record<string, { cron: string; timeZone: string }> = {};
  for (const [channel, own] of Object.entries(app.digest.channels)) {
    const c = own.cron ?? cronExpr;
    const p = cronProblem(c);
    if (p) issues.push(`digest.channels.${channel}.cron: ${JSON.stringify(c)} is not a valid schedule (${p})`);
    channels[channel] = { cron: c, timeZone: own.timeZone ?? timeZone };
  }
  return { schedule: { cron: cronExpr, timeZone }, channels };
}

/** OAuth mode's three settings: all set, or none (then null); a partial set names what is missing. */
function oauthSettings(texts: TextEnv, issues: string[]): OAuthSettings | null {
  const { SLACK_CLIENT_ID: clientId, SLACK_CLIENT_SECRET: clientSecret, SLACK_STATE_SECRET: stateSecret } = texts;
  if (clientId === undefined && clientSecret === undefined && stateSecret === undefined) return null;
  if (clientId === undefined) issues.push('SLACK_CLIENT_ID: required in OAuth mode (the Client ID from "Basic Information")');
  if (clientSecret === undefined) issues.push('SLACK_CLIENT_SECRET: required in OAuth mode (the Client Secret from "Basic Information")');
  if (stateSecret === undefined) issues.push('SLACK_STATE_SECRET: required in OAuth mode (any long random text, e.g. from `openssl rand -hex 32`)');
  else if (stateSecret.length < 16) issues.push('SLACK_STATE_SECRET: too short to sign anything; use at least 16 random characters (e.g. `openssl rand -hex 32`)');
  if (clientId === undefined || clientSecret === undefined || stateSecret === undefined) return null;
  return { clientId, clientSecret, stateSecret };
}

/** Every secret value in the settings, for scrubbing logs. */
export function secretsOf(config: BotConfig): string[] {
  const out: string[] = [];
  if (config.slack) {
    out.push(config.slack.botToken ?? '', config.slack.signingSecret, ...(config.slack.appToken ? [config.slack.appToken] : []));
    if (config.slack.oauth) out.push(config.slack.oauth.clientSecret, config.slack.oauth.stateSecret);
  }
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
