/** `pymem analyze <service> [...]`: one analysis, printed for a person or as JSON. */

import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { analyzeService } from '../analysis/analyze-service';
import { linksFor, loadConfig, serviceSettingsFor, type AppConfig, type Env } from '../config/load';
import { parseDuration } from '../domain/format';
import { parseServiceName } from '../domain/service-name';
import { DemoSource } from '../metrics/demo';
import { isMetricsError, type MetricsErrorCode } from '../metrics/errors';
import { PrometheusSource } from '../metrics/prometheus';
import type { MetricsSource } from '../metrics/source';
import { renderDiagnosisText, renderInsufficientText } from './text-report';
import { EXIT, UsageError, type CliIo } from './io';

export const ANALYZE_USAGE =
  'usage: pymem analyze <service> [--window 6h] [--end <RFC3339|unix seconds>] [--prometheus <url>] [--config <file>] [--demo] [--json] [--png <file>]';

const MIN_WINDOW_MS = 10 * 60_000;

export interface AnalyzeArgs {
  readonly service: string;
  readonly windowMs: number | null;
  readonly endMs: number;
  readonly prometheus?: string;
  readonly config?: string;
  readonly demo: boolean;
  readonly json: boolean;
  readonly png?: string;
}

export async function runAnalyzeCommand(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  const args = parseAnalyzeArgs(argv, io.now(), ANALYZE_USAGE, true);
  const { config, windowMs, source } = commandSettings(args, env);
  const timeZone = config.analysis.timeZone;
  let result;
  try {
    result = await analyzeService(
      { source, settings: (s) => serviceSettingsFor(config, s), timeZone },
      { service: args.service, endMs: args.endMs, windowMs },
    );
  } catch (error) {
    if (isMetricsError(error)) {
      io.stderr(`pymem: ${error.message}\n`);
      return exitFor(error.code);
    }
    throw error;
  }

  const window = result.status === 'insufficient-data' ? result.outcome.insufficient.window : result.outcome.diagnosis.window;
  const links = linksFor(config, { service: args.service, startMs: Date.parse(window.start), endMs: Date.parse(window.end) });
  const ctx = { sourceDescription: source.description, timeZone, links };
  if (result.status === 'insufficient-data') {
    const data = result.outcome.insufficient;
    if (args.json) io.stdout(JSON.stringify({ status: 'insufficient-data', ...data, links }, null, 2) + '\n');
    else io.stdout(renderInsufficientText(data, ctx));
    io.stderr(`pymem: ${data.message}\n`);
    return EXIT.noData;
  }

  const diagnosis = result.outcome.diagnosis;
  if (args.png !== undefined) {
    // Loaded only when asked for: the canvas library costs a noticeable start-up.
    const { renderMemoryChartPng } = await import('../charts/render-memory-chart.js');
    const png = await renderMemoryChartPng(result.series, diagnosis, result.outcome.fleet, timeZone);
    try {
      await writeFile(args.png, png);
    } catch (error) {
      io.stderr(`pymem: cannot write the chart to ${args.png} (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
      return EXIT.failure;
    }
  }
  if (args.json) io.stdout(JSON.stringify({ status: 'diagnosed', ...diagnosis, checklist: result.checklist, links }, null, 2) + '\n');
  else {
    io.stdout(renderDiagnosisText(diagnosis, result.checklist, ctx));
    if (args.png !== undefined) io.stdout(`\nChart written to ${args.png}\n`);
  }
  return EXIT.ok;
}

/** The arguments `analyze` and `doctor` share (`--png` only where `png` says so), each checked with its usage in the message. */
export function parseAnalyzeArgs(argv: readonly string[], nowMs: number, usage: string, png: boolean): AnalyzeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...SERVICE_WINDOW_OPTIONS, ...(png ? { png: { type: 'string' as const } } : {}) },
    });
  } catch (error) {
    throw usageErrorFrom(error, usage);
  }
  return checkedServiceWindowArgs(parsed.values, parsed.positionals, nowMs, usage);
}

/** The flags of every command that reads one service over a window (`analyze`, `doctor`, `verify`). */
export const SERVICE_WINDOW_OPTIONS = {
  window: { type: 'string', short: 'w' },
  end: { type: 'string' },
  prometheus: { type: 'string' },
  config: { type: 'string' },
  demo: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** What node:util's parseArgs refused, as a usage error: its first line, then the command's usage. */
export function usageErrorFrom(error: unknown, usage: string): UsageError {
  return new UsageError(`${firstLine(error instanceof Error ? error.message : String(error))}\n${usage}`);
}

/** The service and window flags, once node:util has parsed them: one service, a valid window, the end. */
export function checkedServiceWindowArgs(
  values: { readonly window?: string | undefined; readonly end?: string | undefined; readonly prometheus?: string | undefined; readonly config?: string | undefined; readonly demo?: boolean | undefined; readonly json?: boolean | undefined; readonly png?: string | boolean | undefined },
  positionals: readonly string[],
  nowMs: number,
  usage: string,
): AnalyzeArgs {
  if (positionals.length === 0) throw new UsageError(`a service name is required\n${usage}`);
  if (positionals.length > 1) throw new UsageError(`one service at a time (got ${positionals.length}: ${positionals.join(' ')})\n${usage}`);
  const name = parseServiceName(positionals[0]!);
  if (!name.ok) throw new UsageError(name.error);
  if (values.demo && values.prometheus !== undefined) throw new UsageError('--demo and --prometheus exclude each other');

  let windowMs: number | null = null;
  if (values.window !== undefined) {
    windowMs = parseDuration(values.window);
    if (windowMs === null) throw new UsageError(`--window: expected a duration such as 1h, 6h, 24h or 7d, got "${values.window}"`);
    if (windowMs < MIN_WINDOW_MS) throw new UsageError('--window: the shortest window is 10m');
  }
  const endMs = values.end === undefined ? nowMs : parseEnd(values.end);
  return {
    service: name.name,
    windowMs,
    endMs,
    demo: values.demo ?? false,
    json: values.json ?? false,
    ...(values.prometheus !== undefined ? { prometheus: values.prometheus } : {}),
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(typeof values.png === 'string' ? { png: values.png } : {}),
  };
}

/** RFC 3339 ("2026-03-02T12:00:00Z") or unix seconds; a value that can only be milliseconds is read as such. */
export function parseEnd(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    return n > 1e11 ? Math.round(n) : Math.round(n * 1000);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.exec(trimmed);
  if (m) {
    const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
    // Date.parse rolls 30 February over to March; refuse dates that do not exist instead.
    const valid = new Date(Date.UTC(year, month - 1, day));
    const exists = valid.getUTCFullYear() === year && valid.getUTCMonth() === month - 1 && valid.getUTCDate() === day;
    const ms = Date.parse(trimmed.replace(' ', 'T'));
    if (exists && hour < 24 && minute < 60 && second < 60 && Number.isFinite(ms)) return ms;
  }
  throw new UsageError(`--end: expected an RFC 3339 time such as 2026-03-02T12:00:00Z or unix seconds, got "${text}"`);
}

/** What `analyze` and `doctor` both start from: the config the flags point at, the window checked against it, and the source. */
export function commandSettings(args: AnalyzeArgs, env: Env): { readonly config: AppConfig; readonly windowMs: number; readonly source: MetricsSource } {
  const config = loadConfig({
    env,
    ...(args.config !== undefined ? { configPath: args.config } : {}),
    ...(args.prometheus !== undefined ? { prometheusUrl: args.prometheus } : {}),
  });
  const windowMs = args.windowMs ?? config.analysis.defaultWindowMs;
  if (windowMs > config.analysis.maxWindowMs) {
    throw new UsageError(`--window ${Math.round(windowMs / 3_600_000)}h is longer than the longest allowed window (analysis.maxWindow)`);
  }
  return { config, windowMs, source: pickSource(args, config) };
}

/** The demo services with --demo, else the configured backend; a clear usage error when there is none. */
export function pickSource(args: { readonly demo: boolean }, config: AppConfig): MetricsSource {
  if (args.demo) return new DemoSource();
  if (!config.prometheus) {
    throw new UsageError('no metrics backend: set PROMETHEUS_URL, pass --prometheus <url>, or try the built-in demo with --demo');
  }
  return new PrometheusSource(config.prometheus, (s) => serviceSettingsFor(config, s));
}

export function exitFor(code: MetricsErrorCode): number {
  switch (code) {
    case 'unknown-service':
    case 'no-series':
      return EXIT.noData;
    case 'bad-query':
    case 'too-many-series':
      return EXIT.config;
    case 'unreachable':
    case 'timeout':
    case 'unauthorized':
    case 'server-error':
    case 'bad-response':
    case 'response-too-large':
    case 'aborted':
      return EXIT.backend;
    default: {
      const unknown: never = code;
      return unknown;
    }
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
