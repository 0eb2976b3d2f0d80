/** `pymem timeline <channel id> <message ts> [--json]`: an incident's timeline from the database, for a postmortem. */

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTimeline } from '../bot/timeline';
import { loadBotConfig } from '../config/bot';
import type { Env } from '../config/load';
import { renderTimelineMarkdown, timelineJson } from '../domain/timeline';
import { openStore } from '../store/open';
import { StoreError } from '../store/store';
import { EXIT, UsageError, type CliIo } from './io';

const TIMELINE_USAGE = 'usage: pymem timeline <channel id> <message ts> [--json]';

export async function runTimelineCommand(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  let parsed: { values: { json?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], strict: true, allowPositionals: true, options: { json: { type: 'boolean' } } });
  } catch (error) {
    throw new UsageError(`${(error instanceof Error ? error.message : String(error)).split('\n')[0]}\n${TIMELINE_USAGE}`);
  }
  const [channelId, messageTs, ...extra] = parsed.positionals;
  if (channelId === undefined || messageTs === undefined || extra.length > 0) throw new UsageError(`expected a channel id and a message ts\n${TIMELINE_USAGE}`);
  if (!/^[CGD][A-Z0-9]{2,}$/.test(channelId)) throw new UsageError(`expected a Slack channel id such as C0123ABCD, got "${channelId}"\n${TIMELINE_USAGE}`);
  if (!/^\d{9,11}\.\d{6}$/.test(messageTs)) throw new UsageError(`expected the report message's ts such as 1772452800.000100, got "${messageTs}"\n${TIMELINE_USAGE}`);

  const config = loadBotConfig(env);
  // Opening a SQLite path creates the file: a mistyped DATABASE_URL would read as "no such incident".
  if (config.database.kind === 'sqlite' && !existsSync(config.database.path)) {
    io.stderr(`pymem: there is no SQLite database at ${resolve(config.database.path)}; set DATABASE_URL to the bot's database (a file path or a postgres:// URL).\n`);
    return EXIT.config;
  }
  let store;
  try {
    store = await openStore(config.database);
  } catch (error) {
    io.stderr(`pymem: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
  try {
    const incident = await store.findIncidentByMessage(channelId, messageTs);
    if (!incident) {
      io.stderr(`pymem: no pymem report is recorded for message ${messageTs} in ${channelId}. Copy the channel id and ts from the report message's link (…/archives/<channel>/p<ts without the dot>).\n`);
      return EXIT.noData;
    }
    const timeline = await loadTimeline({ store, timeZone: config.app.analysis.timeZone }, incident, null, io.now());
    io.stdout(parsed.values.json ? `${JSON.stringify(timelineJson(timeline), null, 2)}\n` : renderTimelineMarkdown(timeline));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    io.stderr(`pymem: ${error.message}\n`);
    return EXIT.failure;
  } finally {
    await store.close();
  }
}
