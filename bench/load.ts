/**
 * A burst of simultaneous `/pymem` commands against the real bot (Bolt's HTTP receiver), the Slack
 * stand-in and a real Prometheus, as a new user would see it: how long the acknowledgement took,
 * how long until each requester's report was in the channel, and reports per second.
 *
 * Every service has 48 workers over 6 h at 15 s. Commands come from another process (bench/ack-client.ts)
 * so the load generator does not share the bot's event loop; report times are taken when the
 * stand-in answers the chat.postMessage that carries the requester's report.
 *
 *   npx tsx bench/load.ts [--threads N]   the bursts on their own (npm run bench runs them as well)
 */

import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { diurnal, leak, type ScenarioSpec } from '../src/simulation/model';
import { SlackStandIn, type RecordedCall } from '../src/slack-standin/server';
import { familiesFor } from '../test/support/scenario-metrics';
import { startPrometheus, type RunningPrometheus } from '../test/support/prometheus';
import { SIGNING_SECRET, startBotHarness } from '../test/support/bot-harness';

const H = 3_600_000;
export const LOAD_END_MS = Date.UTC(2026, 2, 2, 12);
export const LOAD_SERVICES = Array.from({ length: 20 }, (_, i) => `load-${String(i).padStart(2, '0')}`);
/** One incident channel per service: several incidents open at once. */
export const LOAD_CHANNELS = LOAD_SERVICES.map((_, i) => `C0LOAD${String(i).padStart(5, '0')}`);

/** 48 workers (6 pods of 8), 6 h at 15 s; a few patterns so the analyses differ. */
export function loadSpec(service: string, i: number): ScenarioSpec {
  const kind = i % 4;
  return {
    service,
    endMs: LOAD_END_MS,
    windowMs: 6 * H,
    scrapeMs: 15_000,
    seed: 100 + i,
    instances: 6,
    workersPerInstance: 8,
    baseMiB: 280 + (i % 5) * 20,
    noiseMiB: 3,
    sawtooth: { amplitudeMiB: 12, periodMs: 20 * 60_000 },
    traffic: diurnal(400, 0.6),
    ...(kind === 0 ? { terms: [{ slots: [5], term: leak(40) }] } : kind === 1 ? { terms: [{ slots: 'all', term: leak(8) }] } : {}),
    limitMiB: 24_576,
  };
}

/** CPU seconds (user + system) the Prometheus serving `dataDir` has used so far; NaN where /proc cannot tell. */
export function prometheusCpuSeconds(dataDir: string): number {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir)) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // The process ended, or is not ours to read.
    }
  }
  return Number.NaN;
}

/** Warms the bot up (renderer, connections, JIT) without putting any of the measured services in a cache. */
export const WARM_SERVICE = 'load-warm';

/** The data directory of the Prometheus the bursts query, to read its CPU time. */
let loadPrometheusDir: string | null = null;

export async function startLoadPrometheus(): Promise<RunningPrometheus> {
  const specs = [...LOAD_SERVICES, WARM_SERVICE].map((s, i) => loadSpec(s, i));
  const prom = await startPrometheus({ families: familiesFor(specs), readyTimeoutMs: 120_000 });
  loadPrometheusDir = prom.dataDir;
  return prom;
}

interface Sent {
  readonly user: string;
  readonly sentAt: number;
  readonly ms: number;
}

/** Posts the commands from another process; resolves with when each was sent and its round trip. */
function sendFromAnotherProcess(url: string, commands: readonly { text: string; user: string; channel: string; responseUrl: string }[]): Promise<Sent[]> {
  const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  return new Promise((resolve, reject) => {
    const child = execFile(tsx, [join(__dirname, 'ack-client.ts'), url, SIGNING_SECRET], { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ack client failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as Sent[]);
    });
    child.stdin!.end(JSON.stringify(commands));
  });
}

export interface BurstResult {
  readonly ackMs: number[];
  /** In the bot: request in -> acknowledgement written, per command. */
  readonly serverAckMs: number[];
  /** Send -> the requester's report answered by chat.postMessage, per requester that got one. */
  readonly reportMs: number[];
  /** Requesters told something else (busy, failed) instead of getting a report. */
  readonly notices: number;
  /** Reports per second: reports / (last report - first send). */
  readonly reportsPerSecond: number;
  readonly wallMs: number;
  /** CPU seconds used during the burst by this process (the bot, its threads and the Slack stand-in) and by Prometheus. */
  readonly cpu: { readonly bot: number; readonly prometheus: number };
}

const RUN_BY = /Run by <@(U0[A-Z0-9]+)>/;

/**
 * Sends `perService` simultaneous commands for each service (service i into channel i) and waits
 * until every requester has a report or a notice.
 */
export async function burst(
  slack: SlackStandIn,
  eventsUrl: string,
  services: readonly string[],
  perService: number,
  tag: string,
  channels: readonly string[] = LOAD_CHANNELS,
  server: Server | null = null,
): Promise<BurstResult> {
  const commands = services.flatMap((service, s) =>
    Array.from({ length: perService }, (_, k) => {
      const user = `U0${tag}${String(s).padStart(2, '0')}X${String(k).padStart(3, '0')}`;
      const channel = channels[s % channels.length]!;
      return { text: service, user, channel, responseUrl: slack.createResponseUrl(channel, user) };
    }),
  );
  const pending = new Set(commands.map((c) => c.user));
  const reportedAt = new Map<string, number>();
  let notices = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const onCall = (call: RecordedCall): void => {
    const at = performance.timeOrigin + performance.now();
    if (call.method === 'chat.postMessage' && call.response?.status === 200 && call.args['thread_ts'] === undefined) {
      const user = RUN_BY.exec(JSON.stringify(call.args['blocks'] ?? ''))?.[1];
      if (user && pending.delete(user)) reportedAt.set(user, at);
    } else if (call.method === 'response_url') {
      const user = [...pending].find((u) => JSON.stringify(call.args).includes(u)) ?? null;
      // Notices go to the requester's own response_url; match it by token.
      const token = String(call.args['token'] ?? '');
      const owner = commands.find((c) => c.responseUrl.endsWith(`/${token}`))?.user ?? user;
      if (owner && pending.delete(owner)) notices++;
    }
    if (pending.size === 0) done();
  };
  slack.on('call', onCall);
  const serverAckMs: number[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const t0 = performance.now();
    if (req.url === '/slack/events') res.once('finish', () => serverAckMs.push(performance.now() - t0));
  };
  server?.prependListener('request', onRequest);
  const ownCpu = process.cpuUsage();
  const promCpu = loadPrometheusDir === null ? Number.NaN : prometheusCpuSeconds(loadPrometheusDir);
  try {
    const sent = await sendFromAnotherProcess(eventsUrl, commands);
    await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error(`${pending.size} requesters never heard back`)), 600_000).unref())]);
    const first = Math.min(...sent.map((s) => s.sentAt));
    const sentAt = new Map(sent.map((s) => [s.user, s.sentAt]));
    const reportMs = [...reportedAt].map(([user, at]) => at - sentAt.get(user)!);
    const last = Math.max(...reportedAt.values());
    const cpu = {
      bot: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(ownCpu)),
      prometheus: loadPrometheusDir === null ? Number.NaN : prometheusCpuSeconds(loadPrometheusDir) - promCpu,
    };
    return { ackMs: sent.map((s) => s.ms), serverAckMs, reportMs, notices, reportsPerSecond: reportedAt.size / ((last - first) / 1000), wallMs: last - first, cpu };
  } finally {
    slack.off('call', onCall);
    server?.off('request', onRequest);
  }
}

export function pct(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

export function describeBurst(label: string, r: BurstResult): string {
  return (
    `  ${label}\n` +
    `    ack    p50 ${pct(r.ackMs, 0.5).toFixed(0).padStart(6)} ms   p99 ${pct(r.ackMs, 0.99).toFixed(0).padStart(6)} ms   (round trip from another process)\n` +
    (r.serverAckMs.length > 0 ? `           p50 ${pct(r.serverAckMs, 0.5).toFixed(0).padStart(6)} ms   p99 ${pct(r.serverAckMs, 0.99).toFixed(0).padStart(6)} ms   (in the bot: request in -> ack written)\n` : '') +
    `    report p50 ${pct(r.reportMs, 0.5).toFixed(0).padStart(6)} ms   p95 ${pct(r.reportMs, 0.95).toFixed(0).padStart(6)} ms   max ${pct(r.reportMs, 1).toFixed(0).padStart(6)} ms   (${r.reportMs.length} reports, ${r.notices} notices)\n` +
    `    ${r.reportsPerSecond.toFixed(1)} reports/s (${(r.wallMs / 1000).toFixed(1)} s from the first command to the last report; CPU: bot and stand-in ${r.cpu.bot.toFixed(1)} s, Prometheus ${r.cpu.prometheus.toFixed(1)} s)`
  );
}

/** Starts a bot with these settings against a fresh stand-in, runs `job`, stops it. */
export async function withBot<T>(prometheusUrl: string, env: Record<string, string>, job: (slack: SlackStandIn, eventsUrl: string, server: Server | null) => Promise<T>): Promise<T> {
  const slack = await SlackStandIn.start({ channels: LOAD_CHANNELS });
  const h = await startBotHarness({ prometheusUrl, nowMs: LOAD_END_MS, slack, env });
  try {
    return await job(slack, h.eventsUrl, h.bot.server);
  } finally {
    await h.stop();
    await slack.stop();
  }
}

async function main(): Promise<void> {
  const threads = process.argv.includes('--threads') ? process.argv[process.argv.indexOf('--threads') + 1]! : null;
  const { machineLine } = await import('./run.js');
  console.log(`pymem load bench — ${machineLine()}${threads ? `, PYMEM_ANALYSIS_THREADS=${threads}` : ''}`);
  const prom = await startLoadPrometheus();
  const env = threads ? { PYMEM_ANALYSIS_THREADS: threads } : {};
  try {
    await withBot(prom.url, env, async (slack, url, server) => {
      // A first report so the chart renderer, connections and JIT are warm, as in a running bot.
      await burst(slack, url, [WARM_SERVICE], 1, 'WARM');
      for (let round = 0; round < 3; round++) {
        const r = await burst(slack, url, [LOAD_SERVICES[round]!], 50, `R${round}`, [LOAD_CHANNELS[round]!], server);
        console.log(describeBurst(`round ${round + 1}: 50 simultaneous commands, one service (${LOAD_SERVICES[round]})`, r));
      }
    });
    await withBot(prom.url, env, async (slack, url, server) => {
      await burst(slack, url, [WARM_SERVICE], 1, 'WARM');
      const r = await burst(slack, url, LOAD_SERVICES, 10, 'B', LOAD_CHANNELS, server);
      console.log(describeBurst('200 simultaneous commands over 20 services (10 each, one channel per service)', r));
    });
  } finally {
    await prom.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
