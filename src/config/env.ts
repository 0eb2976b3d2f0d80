/**
 * Every environment variable pymem reads, in one zod schema, and the only module that touches
 * process.env. The rest of the code takes the typed settings built here (through loadConfig and
 * loadBotConfig) and never reads the environment itself.
 *
 * Three groups, because they are checked at different moments:
 * - TEXT_VARS: values that override the config file. Read here as trimmed text (unset when blank);
 *   they are checked where they meet the file, so a message names whichever of the two set the value.
 * - BOT_VARS: the running bot's own settings, checked here, each wrong one named with what it accepts.
 * - START_VARS: what `npm start` decides before anything else (the bot or the local playground).
 */

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { parseDurationSetting } from './units';

export type Env = Readonly<Record<string, string | undefined>>;

/** The process's environment: the one place pymem reads it. */
export function processEnv(): Env {
  return process.env;
}

/** Trimmed text; unset when missing or blank (so `FOO=` in a unit file means "not set"). */
const text = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** The value exactly as set, for flags compared as they are (PYMEM_PLAYGROUND=true). */
const raw = z.string().optional();

function integer(min: number, max: number) {
  return text.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}` });
    return z.NEVER;
  });
}

/** A duration in ms ("10s", "2m", or seconds), at least `min`; "0" means off where `min` is 0; `fallback` when unset. */
function duration(fallback: number, min: number) {
  return text.transform((v, ctx) => {
    if (v === undefined) return fallback;
    // parseDurationSetting refuses zero; here "0" and "0s" mean "off" where the setting allows it.
    const ms = /^0+(\.0*)?\s*(ms|s|m|h|d|w)?$/i.test(v) ? 0 : parseDurationSetting(v);
    if (ms !== null && ms >= min) return ms;
    ctx.addIssue({ code: 'custom', message: `expected a duration${min > 0 ? ` of at least ${min / 1000}s` : ''} such as ${Math.max(fallback, min) / 1000}s, got ${JSON.stringify(v)}` });
    return z.NEVER;
  });
}

const flag = text.transform((v, ctx) => {
  const value = v?.toLowerCase();
  if (value === undefined) return false;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  ctx.addIssue({ code: 'custom', message: `expected true or false, got ${JSON.stringify(value)}` });
  return z.NEVER;
});

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const logLevel = text.transform((v, ctx): LogLevel => {
  const level = (v ?? 'info').toLowerCase();
  const known = LOG_LEVELS.find((l) => l === level);
  if (known !== undefined) return known;
  ctx.addIssue({ code: 'custom', message: `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}` });
  return z.NEVER;
});

export type DatabaseSettings =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

export const DEFAULT_SQLITE_PATH = './data/pymem.sqlite';

/** `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is an SQLite file path (`sqlite:` prefix optional). */
export function parseDatabaseUrl(value: string | undefined, issues: string[] = []): DatabaseSettings {
  if (value === undefined) return { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      issues.push('DATABASE_URL: not a valid postgres:// URL');
    }
    return { kind: 'postgres', url: value };
  }
  const path = value.replace(/^sqlite:(\/\/)?/i, '');
  if (path.length === 0) issues.push('DATABASE_URL: empty SQLite path');
  return { kind: 'sqlite', path: path || DEFAULT_SQLITE_PATH };
}

const database = text.transform((v, ctx) => {
  const problems: string[] = [];
  const settings = parseDatabaseUrl(v, problems);
  for (const p of problems) ctx.addIssue({ code: 'custom', message: p.replace(/^DATABASE_URL: /, '') });
  return settings;
});

/** Facts about the machine the defaults depend on; passed in so the loader reads no global state. */
export interface MachineFacts {
  /** os.availableParallelism(): cores this process may use. */
  readonly cores: number;
}

/** The pool's default size: one thread per core, at least one, at most 16. */
export function defaultAnalysisThreads(cores: number): number {
  return Math.max(1, Math.min(16, Math.floor(cores)));
}

const TEXT_VARS = {
  PYMEM_CONFIG: text,
  PROMETHEUS_URL: text,
  PROMETHEUS_TIMEOUT: text,
  PROMETHEUS_TENANT: text,
  PROMETHEUS_CA_FILE: text,
  PROMETHEUS_BEARER_TOKEN: text,
  PROMETHEUS_USERNAME: text,
  PROMETHEUS_PASSWORD: text,
  PYMEM_TZ: text,
  PYMEM_DEFAULT_WINDOW: text,
  PYMEM_DIGEST_CRON: text,
  PYMEM_DIGEST_TZ: text,
  // Which of the three are set decides Socket Mode, HTTP mode or no Slack at all: checked together in loadBotConfig.
  SLACK_BOT_TOKEN: text,
  SLACK_SIGNING_SECRET: text,
  SLACK_APP_TOKEN: text,
  // OAuth mode (several workspaces, Enterprise Grid): all three or none; checked together in loadBotConfig.
  SLACK_CLIENT_ID: text,
  SLACK_CLIENT_SECRET: text,
  SLACK_STATE_SECRET: text,
};

/** In the order their problems are listed. */
function botVars(machine: MachineFacts) {
  return {
    SLACK_API_URL: text.transform((v, ctx) => {
      if (v !== undefined && !/^https?:\/\/[^/]+/.test(v)) {
        ctx.addIssue({ code: 'custom', message: `expected an http(s) URL such as https://slack.com/api/, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return v ?? null;
    }),
    PORT: integer(0, 65_535).transform((v) => v ?? 3000),
    HOST: text.transform((v) => v ?? '0.0.0.0'),
    DATABASE_URL: database,
    PYMEM_DEMO: flag,
    LOG_LEVEL: logLevel,
    PYMEM_ANALYSIS_THREADS: integer(0, 64).transform((v) => v ?? defaultAnalysisThreads(machine.cores)),
    // Unset: two per thread (see BotEnv), decided once the thread count is known.
    PYMEM_MAX_CONCURRENT_ANALYSES: integer(1, 64),
    PYMEM_ANALYSIS_TIMEOUT_MS: integer(1_000, 600_000).transform((v) => v ?? 45_000),
    PYMEM_SHUTDOWN_GRACE: duration(10_000, 0),
    PYMEM_SHUTDOWN_DRAIN: duration(10_000, 0),
    PYMEM_MAX_QUEUE_WAIT: duration(30_000, 1_000),
    PYMEM_RESULT_CACHE_TTL: duration(30_000, 0),
    PYMEM_SLACK_RETRY_DEADLINE: duration(30_000, 1_000),
    PYMEM_DIGEST_LEASE: text.transform((v, ctx) => {
      const ms = v === undefined ? 120_000 : parseDurationSetting(v);
      if (ms !== null && ms >= 1_000) return ms;
      ctx.addIssue({ code: 'custom', message: `expected a duration of at least 1s such as 2m, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }),
    PYMEM_DIGEST_SERVICE_TIMEOUT: text.transform((v, ctx) => {
      const ms = v === undefined ? 30_000 : parseDurationSetting(v);
      if (ms !== null) return ms;
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 30s, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }),
    // Names this process in digest claims; unique per start unless set.
    PYMEM_REPLICA_ID: text.transform((v) => v ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`),
    PYMEM_DIGEST_CONCURRENCY: integer(1, 64).transform((v) => v ?? 8),
  };
}

const START_VARS = {
  NODE_ENV: raw,
  PYMEM_PLAYGROUND: raw,
  PYMEM_PLAYGROUND_PUBLIC: raw,
  HOST: text,
  PORT: text,
  DATABASE_URL: text,
};

/** Every variable pymem reads, for documentation and tests. */
export const ENV_VARIABLES: readonly string[] = [...new Set([...Object.keys(TEXT_VARS), ...Object.keys(botVars({ cores: 1 })), ...Object.keys(START_VARS)])];

export type TextEnv = z.output<z.ZodObject<typeof TEXT_VARS>>;

/** The variables that override the config file, as trimmed text. Never fails. */
export function textEnv(env: Env): TextEnv {
  return z.object(TEXT_VARS).parse(env);
}

export interface BotEnv {
  readonly slackApiUrl: string | null;
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseSettings;
  readonly demo: boolean;
  readonly logLevel: LogLevel;
  readonly analysisThreads: number;
  readonly maxConcurrentAnalyses: number;
  readonly analysisTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly shutdownDrainMs: number;
  readonly maxQueueWaitMs: number;
  readonly resultCacheTtlMs: number;
  readonly slackRetryDeadlineMs: number;
  readonly digestLeaseMs: number;
  readonly digestServiceTimeoutMs: number;
  readonly replicaId: string;
  readonly digestConcurrency: number;
}

/** The bot's own settings, or every problem as `VARIABLE: what is wrong` (in the order of the schema). */
export function botEnv(env: Env, machine: MachineFacts): { readonly ok: true; readonly value: BotEnv } | { readonly ok: false; readonly issues: string[]; readonly demo: boolean } {
  const vars = botVars(machine);
  const parsed = z.object(vars).safeParse(env);
  if (!parsed.success) {
    // Whether the demo is on still decides whether a missing backend is a problem too.
    const demo = vars.PYMEM_DEMO.safeParse(env['PYMEM_DEMO']).data ?? false;
    return { ok: false, issues: parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`), demo };
  }
  const v = parsed.data;
  return {
    ok: true,
    value: {
      slackApiUrl: v.SLACK_API_URL,
      port: v.PORT,
      host: v.HOST,
      database: v.DATABASE_URL,
      demo: v.PYMEM_DEMO,
      logLevel: v.LOG_LEVEL,
      analysisThreads: v.PYMEM_ANALYSIS_THREADS,
      // Two per thread by default: while one waits on the backend, the thread draws another's chart.
      maxConcurrentAnalyses: v.PYMEM_MAX_CONCURRENT_ANALYSES ?? Math.min(64, 2 * Math.max(1, v.PYMEM_ANALYSIS_THREADS)),
      analysisTimeoutMs: v.PYMEM_ANALYSIS_TIMEOUT_MS,
      shutdownGraceMs: v.PYMEM_SHUTDOWN_GRACE,
      shutdownDrainMs: v.PYMEM_SHUTDOWN_DRAIN,
      maxQueueWaitMs: v.PYMEM_MAX_QUEUE_WAIT,
      resultCacheTtlMs: v.PYMEM_RESULT_CACHE_TTL,
      slackRetryDeadlineMs: v.PYMEM_SLACK_RETRY_DEADLINE,
      digestLeaseMs: v.PYMEM_DIGEST_LEASE,
      digestServiceTimeoutMs: v.PYMEM_DIGEST_SERVICE_TIMEOUT,
      replicaId: v.PYMEM_REPLICA_ID,
      digestConcurrency: v.PYMEM_DIGEST_CONCURRENCY,
    },
  };
}

/** What `npm start` decides before the bot starts: the bot, the local playground, or neither. */
export interface StartSettings {
  /** NODE_ENV=production: a missing Slack token is a mistake, not a wish for the playground. */
  readonly production: boolean;
  /** PYMEM_PLAYGROUND=true: run the playground even in production. */
  readonly playgroundForced: boolean;
  /** PYMEM_PLAYGROUND_PUBLIC as set; src/playground/host-policy.ts decides what it allows. */
  readonly playgroundPublic: string | undefined;
  /** Which of the bot's listen and database settings were set rather than defaulted (the playground has its own defaults). */
  readonly hostSet: boolean;
  readonly portSet: boolean;
  readonly databaseSet: boolean;
  /** The analysis settings (PYMEM_TZ, PYMEM_CONFIG, ...) the playground's bot takes over; not PYMEM_DEMO, which the playground sets itself. */
  readonly playgroundEnv: Readonly<Record<string, string>>;
}

export function startSettings(env: Env): StartSettings {
  const v = z.object(START_VARS).parse(env);
  return {
    production: v.NODE_ENV === 'production',
    playgroundForced: v.PYMEM_PLAYGROUND === 'true',
    playgroundPublic: v.PYMEM_PLAYGROUND_PUBLIC,
    hostSet: v.HOST !== undefined,
    portSet: v.PORT !== undefined,
    databaseSet: v.DATABASE_URL !== undefined,
    playgroundEnv: playgroundEnv(env),
  };
}

/** The PYMEM_ variables handed through to the bot the playground starts, except PYMEM_DEMO (the playground decides it). */
export function playgroundEnv(env: Env): Readonly<Record<string, string>> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[0].startsWith('PYMEM_') && e[0] !== 'PYMEM_DEMO'));
}
