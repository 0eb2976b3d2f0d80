/**
 * Slack bot figures against the local Slack stand-in and a real Prometheus:
 * acknowledgement latency under 50 concurrent commands, and tick-to-update latency.
 */

import { checklistActionId } from '../src/slack/blocks';
import { CHECKLIST_STEP_IDS } from '../src/domain/checklist';
import { SCENARIOS, SCENARIO_END_MS } from '../test/support/scenario-set';
import { familiesFor } from '../test/support/scenario-metrics';
import { startPrometheus } from '../test/support/prometheus';
import { CHANNEL, reportOf, SIGNING_SECRET, startBotHarness } from '../test/support/bot-harness';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** Round trips of `count` simultaneous commands sent by a separate process, as Slack's would be. */
function loadFromAnotherProcess(url: string, count: number, responseUrl: string, text: string): Promise<number[]> {
  const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  return new Promise((resolve, reject) => {
    execFile(tsx, [join(__dirname, 'ack-client.ts'), url, String(count), SIGNING_SECRET, responseUrl, text], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ack client failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as number[]);
    });
  });
}
import type { Measurement } from './run';

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function summary(name: string, samples: number[], quantile: number, label: string): Measurement[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return [
    { name: `${name} p50`, median: percentile(sorted, 0.5), p95: percentile(sorted, 0.5), runs: samples.length, unit: 'ms' },
    { name: `${name} ${label}`, median: percentile(sorted, quantile), p95: percentile(sorted, quantile), runs: samples.length, unit: 'ms' },
  ];
}

export async function botBench(): Promise<Measurement[]> {
  const spec = SCENARIOS.find((s) => s.id === 'one-8w-6h')!.spec;
  const prom = await startPrometheus({ families: familiesFor([spec]) });
  const h = await startBotHarness({ prometheusUrl: prom.url, nowMs: SCENARIO_END_MS });
  try {
    // Warm up: one full report, so the chart renderer and connections exist.
    await h.command('ow-a');
    await h.slack.waitForMessage((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes('ow-a — '), { timeoutMs: 60_000 });

    // Server side: from the request reaching the bot to the acknowledgement written.
    const serverTimes: number[] = [];
    h.bot.server!.prependListener('request', (req, res) => {
      const t0 = performance.now();
      if (req.url === '/slack/events') res.once('finish', () => serverTimes.push(performance.now() - t0));
    });
    const single: number[] = [];
    for (let i = 0; i < 20; i++) single.push((await h.command('help')).ms);
    serverTimes.length = 0;
    const ackTimes = await loadFromAnotherProcess(h.eventsUrl, 50, h.slack.createResponseUrl(CHANNEL, 'U0LOAD'), 'ow-a');
    const burstServerTimes = [...serverTimes];
    // Let the 50 analyses finish so they do not disturb the tick measurements.
    await h.slack.waitFor(() => h.slack.callsTo('chat.postMessage').length >= 51, { timeoutMs: 300_000 });
    await h.bot.reports.updater.idle();

    const report = reportOf(h.slack, 'ow-a')!;
    const tickTimes: number[] = [];
    for (let i = 0; i < 40; i++) {
      const step = CHECKLIST_STEP_IDS[i % CHECKLIST_STEP_IDS.length]!;
      const user = `U0TICK${String(i).padStart(2, '0')}`;
      const checked = i % 2 === 0;
      const t0 = performance.now();
      const seen = h.slack.waitFor(
        (c) => c.method === 'chat.update' && c.args['ts'] === report.ts && JSON.stringify(c.args['blocks']).includes(`<@${user}>`),
        { timeoutMs: 30_000, includePast: false },
      );
      await h.click(report, { type: 'checkboxes', action_id: checklistActionId(step), selected: checked ? [step] : [] }, { user });
      await seen;
      tickTimes.push(performance.now() - t0);
    }
    return [
      ...summary('acknowledge one command at a time (round trip), 20', single, 0.99, 'p99'),
      ...summary('acknowledge a slash command, 50 at once (round trip)', ackTimes, 0.99, 'p99'),
      ...summary('  same burst, in the bot: request in -> ack written', burstServerTimes, 0.99, 'p99'),
      ...summary('tick -> chat.update carrying it, 40 ticks', tickTimes, 0.95, 'p95'),
    ];
  } finally {
    await h.stop();
    await prom.stop();
  }
}
