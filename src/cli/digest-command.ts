/** `pymem digest --dry-run | --now [--channel C]`: what the daily digest would post, or post it now. */

import { parseArgs } from 'node:util';
import { WebClient } from '@slack/web-api';
import { analysisSpecFor, createDigestRunner, createDigestService } from '../app';
import { InlineEngine } from '../analysis/engine';
import { analysisDepsFor } from '../analysis/source';
import { ChannelCheck } from '../bot/channel-check';
import { loadBotConfig, type BotConfig } from '../config/bot';
import type { Env } from '../config/load';
import { DIGEST_WINDOW_MS } from '../digest/digest-service';
import { formatDuration, formatTime } from '../domain/format';
import { createLogger } from '../logging';
import { entryText } from '../slack/digest-blocks';
import { WebApiGateway } from '../slack/web-gateway';
import { openStore } from '../store/open';
import { isQuiet } from '../domain/digest';
import { EXIT, UsageError, type CliIo } from './io';

const DIGEST_USAGE = 'usage: pymem digest (--dry-run | --now) [--channel <channel id>]';

export async function runDigestCommand(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  let values: { 'dry-run'?: boolean; now?: boolean; channel?: string };
  try {
    values = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { 'dry-run': { type: 'boolean' }, now: { type: 'boolean' }, channel: { type: 'string' } } }).values;
  } catch (error) {
    throw new UsageError(`${(error instanceof Error ? error.message : String(error)).split('\n')[0]}\n${DIGEST_USAGE}`);
  }
  if (Boolean(values['dry-run']) === Boolean(values.now)) throw new UsageError(`choose one of --dry-run and --now\n${DIGEST_USAGE}`);
  if (values.channel !== undefined && !/^[CGD][A-Z0-9]{2,}$/.test(values.channel)) throw new UsageError(`--channel: expected a Slack channel id such as C0123ABCD, got "${values.channel}"`);

  const config = loadBotConfig(env);
  if (values.now && !config.slack) throw new UsageError('--now posts to Slack: set SLACK_BOT_TOKEN (and SLACK_API_URL for a non-default Slack)');
  const botToken = config.slack?.botToken ?? null;
  // In OAuth mode every workspace has its own token, in the store; the running bot posts their digests.
  if (values.now && botToken === null) throw new UsageError('--now posts with one workspace\'s token: in OAuth mode (SLACK_CLIENT_ID set) the running bot posts each workspace\'s digests; use --dry-run here');
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const store = await openStore(config.database);
  try {
    const subs = await store.allSubscriptions();
    const channels = new Map<string, string[]>();
    for (const s of subs) if (values.channel === undefined || s.channelId === values.channel) channels.set(s.channelId, [...(channels.get(s.channelId) ?? []), s.service]);
    if (channels.size === 0) {
      io.stderr(`pymem: no subscriptions${values.channel ? ` in ${values.channel}` : ''}; add some with /pymem subscribe <service>\n`);
      return EXIT.noData;
    }
    const endMs = io.now();
    const periodKey = new Date(endMs).toISOString();
    if (values['dry-run']) return await dryRun(config, store, channels, endMs, periodKey, io, logger);

    // As in the bot: 429s and Slack-side failures are waited out and retried by the gateway, per channel.
    const client = new WebClient(botToken ?? undefined, { ...(config.slack!.apiUrl ? { slackApiUrl: config.slack!.apiUrl } : {}), retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    const slack = new WebApiGateway(client, undefined, { retryDeadlineMs: config.slackRetryDeadlineMs });
    const engine = new InlineEngine(analysisDepsFor(analysisSpecFor(config)), { slots: config.digest.concurrency });
    const runner = createDigestRunner(config, { store, logger, clock: io.now, engine, channels: new ChannelCheck({ slack, logger, now: io.now }) }, slack);
    const outcomes = await runner.runChannels(channels, periodKey, endMs);
    let failed = 0;
    for (const o of outcomes) {
      io.stdout(`${o.channelId}: ${o.outcome}${'ts' in o ? ` (message ${o.ts})` : ''}${'detail' in o && o.detail ? ` (${o.detail})` : ''}\n`);
      if (o.outcome === 'failed' || o.outcome === 'gave-up') failed++;
    }
    return failed > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    await store.close();
  }
}

async function dryRun(
  config: BotConfig,
  store: Awaited<ReturnType<typeof openStore>>,
  channels: Map<string, string[]>,
  endMs: number,
  periodKey: string,
  io: CliIo,
  logger: ReturnType<typeof createLogger>,
): Promise<number> {
  const engine = new InlineEngine(analysisDepsFor(analysisSpecFor(config)), { slots: config.digest.concurrency });
  const digest = createDigestService(config, { store, logger, engine });
  const all = [...new Set([...channels.values()].flat())];
  const measurements = await digest.measureAll(all, endMs);
  const tz = config.app.analysis.timeZone;
  for (const [channelId, services] of channels) {
    const composed = await digest.compose(channelId, services, measurements, endMs, periodKey);
    io.stdout(`# ${channelId}: memory digest, last ${formatDuration(DIGEST_WINDOW_MS)} to ${formatTime(endMs, tz, endMs)}${isQuiet(composed.entries) ? ' (a quiet day: one line)' : ''}\n`);
    for (const entry of composed.entries) io.stdout(`  ${plain(entryText(entry))}\n`);
    io.stdout('\n');
  }
  return EXIT.ok;
}

/** Slack mrkdwn to plain terminal text. */
function plain(text: string): string {
  return text.replace(/:[a-z_]+:\s?/g, '').replace(/[*`]/g, '').replace(/(^|\s)_([^_]+)_/g, '$1$2');
}
