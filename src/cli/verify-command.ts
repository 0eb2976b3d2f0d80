/** `pymem verify <service> --since <time|deploy>`: did the growth stop after a change? Printed for a person or as JSON. */

import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { verifyService } from '../analysis/verify-service';
import { loadConfig, serviceSettingsFor, type AppConfig, type Env } from '../config/load';
import { formatDuration, formatTime } from '../domain/format';
import type { SinceChoice, Verification } from '../domain/verify';
import { isMetricsError } from '../metrics/errors';
import { checkedServiceWindowArgs, exitFor, parseEnd, pickSource, SERVICE_WINDOW_OPTIONS, usageErrorFrom, type AnalyzeArgs } from './analyze-command';
import { EXIT, UsageError, type CliIo } from './io';
import { wrap } from './text-report';

export const VERIFY_USAGE =
  'usage: pymem verify <service> [--since <RFC3339|unix seconds|deploy>] [--end <RFC3339|unix seconds>] [--window 6h] [--prometheus <url>] [--config <file>] [--demo] [--json] [--png <file>]';

export interface VerifyArgs extends AnalyzeArgs {
  /** null: the latest deploy in the window. */
  readonly sinceMs: number | null;
}

export async function runVerifyCommand(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  const args = parseVerifyArgs(argv, io.now());
  const config = loadConfig({
    env,
    ...(args.config !== undefined ? { configPath: args.config } : {}),
    ...(args.prometheus !== undefined ? { prometheusUrl: args.prometheus } : {}),
  });
  const windowMs = verifyWindow(args, config);
  const source = pickSource(args, config);
  const timeZone = config.analysis.timeZone;
  const since: SinceChoice = args.sinceMs === null ? { kind: 'latest-deploy', fallbackMs: null } : { kind: 'at', ms: args.sinceMs, origin: 'given' };
  let result;
  try {
    result = await verifyService({ source, settings: (s) => serviceSettingsFor(config, s), timeZone }, { service: args.service, endMs: args.endMs, windowMs, since });
  } catch (error) {
    if (isMetricsError(error)) {
      io.stderr(`pymem: ${error.message}\n`);
      return exitFor(error.code);
    }
    throw error;
  }
  if (result.status === 'insufficient-data') {
    if (args.json) io.stdout(JSON.stringify({ status: 'insufficient-data', service: args.service, reason: result.reason, message: result.message }, null, 2) + '\n');
    io.stderr(`pymem: ${result.message}\n`);
    return EXIT.noData;
  }
  const v = result.verification;
  if (args.png !== undefined) {
    // Loaded only when asked for: the canvas library costs a noticeable start-up.
    const { renderVerifyChartPng } = await import('../charts/render-verify-chart.js');
    const png = await renderVerifyChartPng(v, result.fleet, timeZone);
    try {
      await writeFile(args.png, png);
    } catch (error) {
      io.stderr(`pymem: cannot write the chart to ${args.png} (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
      return EXIT.failure;
    }
  }
  if (args.json) io.stdout(JSON.stringify(verificationJson(v), null, 2) + '\n');
  else {
    io.stdout(renderVerificationText(v, source.description, timeZone));
    if (args.png !== undefined) io.stdout(`\nChart written to ${args.png}\n`);
  }
  return EXIT.ok;
}

/** The JSON document of `pymem verify --json` (documented in the README). */
export function verificationJson(v: Verification): Record<string, unknown> {
  return {
    status: 'verified',
    service: v.service,
    since: v.since,
    sinceOrigin: v.sinceOrigin,
    before: v.before,
    after: v.after,
    verdict: v.verdict,
    confidence: v.confidence,
    needsMoreMinutes: v.needsMoreMs === null ? null : Math.round(v.needsMoreMs / 60_000),
    summary: v.summary,
    findings: v.findings,
  };
}

export function renderVerificationText(v: Verification, sourceDescription: string, timeZone: string, width = 100): string {
  const endMs = Date.parse(v.after.end);
  const lines: string[] = [];
  const origin = v.sinceOrigin === 'deploy' ? ' (the latest deploy)' : '';
  lines.push(`${v.service} · change at ${formatTime(Date.parse(v.since), timeZone, endMs)}${origin} · ${sourceDescription}`);
  lines.push(`Verdict: ${v.verdict}${v.confidence === null ? '' : `, confidence ${v.confidence.toFixed(2)}`}`);
  lines.push('');
  lines.push(...wrap(v.summary, width, ''));
  lines.push('');
  lines.push('Findings');
  for (const f of v.findings) lines.push(...wrap(f, width, '  • ', '    '));
  lines.push('');
  lines.push(`Before: ${formatDuration(v.before.durationSeconds * 1000)} from ${formatTime(Date.parse(v.before.start), timeZone, endMs)}, pattern ${v.before.pattern ?? 'n/a'}`);
  lines.push(`After:  ${formatDuration(v.after.durationSeconds * 1000)} to ${formatTime(endMs, timeZone, endMs)}, pattern ${v.after.pattern ?? 'n/a (too few samples)'}`);
  return lines.join('\n') + '\n';
}

export function parseVerifyArgs(argv: readonly string[], nowMs: number): VerifyArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { since: { type: 'string' }, ...SERVICE_WINDOW_OPTIONS, png: { type: 'string' } },
    });
  } catch (error) {
    throw usageErrorFrom(error, VERIFY_USAGE);
  }
  const common = checkedServiceWindowArgs(parsed.values, parsed.positionals, nowMs, VERIFY_USAGE);
  const sinceMs = parseSince(parsed.values.since);
  if (sinceMs !== null && sinceMs >= common.endMs) throw new UsageError('--since: the change must be before the end of the window (--end, default now)');
  return { ...common, sinceMs };
}

/** A time, or `deploy` (and no flag) for the latest deploy in the window: null. */
function parseSince(text: string | undefined): number | null {
  if (text === undefined || text.trim().toLowerCase() === 'deploy') return null;
  try {
    return parseEnd(text);
  } catch {
    throw new UsageError(`--since: expected an RFC 3339 time such as 2026-03-02T12:00:00Z, unix seconds or "deploy", got "${text}"`);
  }
}

/**
 * The window: as given, else the configured default, stretched so that the time before the change
 * is at least as long as the time after it (both compared with the same care).
 */
function verifyWindow(args: VerifyArgs, config: AppConfig): number {
  const max = config.analysis.maxWindowMs;
  if (args.windowMs !== null) {
    if (args.windowMs > max) throw new UsageError(`--window ${Math.round(args.windowMs / 3_600_000)}h is longer than the longest allowed window (analysis.maxWindow)`);
    return args.windowMs;
  }
  const base = config.analysis.defaultWindowMs;
  if (args.sinceMs === null) return base;
  return Math.min(max, Math.max(base, 2 * (args.endMs - args.sinceMs)));
}

