/**
 * Slack bot figures against the local Slack stand-in and a real Prometheus:
 * - bursts of simultaneous /pymem commands (bench/load.ts): 3 rounds of 50 for one service, and
 *   200 over 20 services with the analysis pool and with a single analysis thread;
 * - one command at a time, and tick -> chat.update latency.
 */

import { checklistActionId } from '../src/slack/blocks';
import { CHECKLIST_STEP_IDS } from '../src/domain/checklist';
import { defaultAnalysisThreads } from '../src/config/bot';
import { SCENARIOS, SCENARIO_END_MS } from '../test/support/scenario-set';
import { familiesFor } from '../test/support/scenario-metrics';
import { startPrometheus } from '../test/support/prometheus';
import { reportOf, startBotHarness } from '../test/support/bot-harness';
import { availableParallelism } from 'node:os';
import { burst, describeBurst, LOAD_CHANNELS, LOAD_SERVICES, pct, startLoadPrometheus, WARM_SERVICE, withBot, type BurstResult } from './load';
import type { Measurement } from './run';

function summary(name: string, samples: number[], quantile: number, label: string): Measurement[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return [
    { name: `${name} p50`, median: pct(sorted, 0.5), p95: pct(sorted, 0.5), runs: samples.length, unit: 'ms' },
    { name: `${name} ${label}`, median: pct(sorted, quantile), p95: pct(sorted, quantile), runs: samples.length, unit: 'ms' },
  ];
}

export interface LoadFigures {
  readonly lines: string[];
}

/** The bursts, each against a fresh bot (nothing cached from an earlier one). */
export async function loadBench(): Promise<LoadFigures> {
  const lines: string[] = [];
  const threads = defaultAnalysisThreads(availableParallelism());
  const prom = await startLoadPrometheus();
  try {
    const rounds: BurstResult[] = [];
    await withBot(prom.url, {}, async (slack, url, server) => {
      // One report first, so the renderers, connections and JIT are warm as in a running bot.
      await burst(slack, url, [WARM_SERVICE], 1, 'WARM');
      for (let round = 0; round < 3; round++) {
        const r = await burst(slack, url, [LOAD_SERVICES[round]!], 50, `R${round}`, [LOAD_CHANNELS[round]!], server);
        rounds.push(r);
        lines.push(describeBurst(`round ${round + 1}: 50 simultaneous commands, one service, ${threads} analysis threads`, r));
      }
    });
    const ack = rounds.flatMap((r) => r.ackMs);
    const report = rounds.flatMap((r) => r.reportMs);
    lines.push(
      `  3 rounds of 50 together: ack p50 ${pct(ack, 0.5).toFixed(0)} ms, p99 ${pct(ack, 0.99).toFixed(0)} ms (target < 50 ms: ${pct(ack, 0.99) < 50 ? 'met' : 'MISSED'}); ` +
        `report p50 ${pct(report, 0.5).toFixed(0)} ms, p95 ${pct(report, 0.95).toFixed(0)} ms (target < 3000 ms: ${pct(report, 0.95) < 3000 ? 'met' : 'MISSED'})`,
    );

    const many = async (env: Record<string, string>, label: string): Promise<BurstResult> =>
      withBot(prom.url, env, async (slack, url, server) => {
        await burst(slack, url, [WARM_SERVICE], 1, 'WARM');
        const r = await burst(slack, url, LOAD_SERVICES, 10, 'B', LOAD_CHANNELS, server);
        lines.push(describeBurst(`200 simultaneous commands over 20 services (10 each, a channel per service), ${label}`, r));
        return r;
      });
    const pooled = await many({}, `the pool (${threads} threads)`);
    // One thread for everything, as before the pool: analyses and charts on the thread that talks to Slack.
    const single = await many({ PYMEM_ANALYSIS_THREADS: '0' }, 'a single thread (PYMEM_ANALYSIS_THREADS=0)');
    const oneWorker = await many({ PYMEM_ANALYSIS_THREADS: '1' }, 'one analysis thread beside the main thread');
    const ratio = pooled.reportsPerSecond / single.reportsPerSecond;
    lines.push(
      `  throughput with the pool / a single thread: ${ratio.toFixed(2)}x (target >= 1.7x on 2 cores: ${ratio >= 1.7 ? 'met' : 'MISSED'}); ` +
        `with one analysis thread: ${(oneWorker.reportsPerSecond / single.reportsPerSecond).toFixed(2)}x`,
    );
  } finally {
    await prom.stop();
  }
  return { lines };
}

export async function botBench(): Promise<Measurement[]> {
  const spec = SCENARIOS.find((s) => s.id === 'one-8w-6h')!.spec;
  const prom = await startPrometheus({ families: familiesFor([spec]) });
  const h = await startBotHarness({ prometheusUrl: prom.url, nowMs: SCENARIO_END_MS });
  try {
    // Warm up: one full report, so the chart renderer and connections exist.
    await h.command('ow-a');
    await h.slack.waitForMessage((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes('ow-a — '), { timeoutMs: 60_000 });
    await h.bot.reports.idle();

    const single: number[] = [];
    for (let i = 0; i < 20; i++) single.push((await h.command('help')).ms);

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
    return [...summary('acknowledge one command at a time (round trip), 20', single, 0.99, 'p99'), ...summary('tick -> chat.update carrying it, 40 ticks', tickTimes, 0.95, 'p95')];
  } finally {
    await h.stop();
    await prom.stop();
  }
}
