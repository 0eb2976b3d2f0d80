/** Structured logs with pino; secrets are redacted wherever they might appear. */

import pino, { type Logger } from 'pino';
import { LogLevel, type Logger as SlackLogger } from '@slack/logger';

/** Paths that may carry a secret in any object we log: tokens, signing secret, auth headers, passwords. */
export const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'password',
  'authorization',
  'Authorization',
  'headers.authorization',
  'headers.Authorization',
  'headers["x-slack-signature"]',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.password',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'err.config.headers.Authorization',
  'err.config.auth',
];

export interface LoggerOptions {
  /**
   * Secret values (tokens, passwords) to scrub from every line, wherever they appear: in a
   * message, an error's text, a URL, a stack. Field redaction alone misses those.
   */
  readonly secrets?: readonly string[];
  readonly destination?: pino.DestinationStream;
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const secrets = [...new Set(options.secrets ?? [])].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  const pinoOptions: pino.LoggerOptions = {
    level,
    base: { app: 'pymem' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
    ...(secrets.length > 0 ? { hooks: { streamWrite: (line: string) => scrub(line, secrets) } } : {}),
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/** Replaces each secret (and its JSON- and URL-escaped forms) with [redacted]. */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])) {
      if (form.length > 0 && out.includes(form)) out = out.split(form).join('[redacted]');
    }
  }
  return out;
}

/** Bolt wants its own Logger interface; forward it to pino under the `bolt` component. */
export function boltLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'bolt' });
  const text = (msg: unknown[]): string => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : safeJson(m))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => child.debug(text(msg)),
    info: (...msg: unknown[]) => child.info(text(msg)),
    warn: (...msg: unknown[]) => child.warn(text(msg)),
    error: (...msg: unknown[]) => child.error(text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export type { Logger };
