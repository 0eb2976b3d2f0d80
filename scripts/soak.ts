/**
 * `npm run soak`: thousands of slash commands and tens of thousands of ticks against the real bot
 * (its own process, dist/src/main.js), the Slack stand-in and a real Prometheus. The bot's memory
 * after warm-up must stay flat: RSS and heap are read from its /metrics at checkpoints.
 *
 * Warm-up is the first quarter of the commands. The bot with its analysis threads answers about ten
 * times as many commands a second as it did on one thread, and its heaps (the main thread's and
 * each analysis thread's) reach their working size after about 3,000 commands rather than the
 * 1,000 this used to allow; so it sends 20,000 and compares from the 5,000th on.
 *
 *   SOAK_COMMANDS (default 20000), SOAK_TICKS (default 20000), SOAK_INFLIGHT (default 6)
 *   SOAK_CACHE_TTL=0: no result cache, so every command runs its own analysis on the threads
 */

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKLIST_STEP_IDS } from '../src/domain/checklist';
import { checklistActionId } from '../src/slack/blocks';
import { SlackStandIn } from '../src/slack-standin/server';
import type { StandInMessage } from '../src/slack-standin/workspace';
import { blockActionPayload, blockActionsBody, newTriggerId, postToBot, slashCommandBody } from '../src/slack-standin/signed-requests';
import { SCENARIOS } from '../test/support/scenario-set';
import { familiesFor } from '../test/support/scenario-metrics';
import { startPrometheus } from '../test/support/prometheus';

const COMMANDS = Number(process.env['SOAK_COMMANDS'] ?? 20000);
/** The checkpoint memory is compared from: the end of warm-up. */
const WARM = Math.max(100, Math.round(COMMANDS / 4 / 100) * 100);
const TICKS = Number(process.env['SOAK_TICKS'] ?? 20000);
const INFLIGHT = Number(process.env['SOAK_INFLIGHT'] ?? 6);
const SECRET = 'soak-signing-secret';
const CHANNEL = 'C0SOAKTEST1';
const SERVICES = ['ow-a', 'st-a', 'lg-a', 'aw-a'];

interface Sample {
  readonly label: string;
  readonly rssMiB: number;
  readonly heapMiB: number;
  /** Buffers and other memory outside the main thread's heap (worker threads' heaps are in RSS only). */
  readonly externalMiB: number;
}

async function memoryOf(port: number, label: string): Promise<Sample> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    label,
    rssMiB: value('process_resident_memory_bytes') / 2 ** 20,
    heapMiB: value('nodejs_heap_size_used_bytes') / 2 ** 20,
    externalMiB: value('nodejs_external_memory_bytes') / 2 ** 20,
  };
}

function describe(s: Sample): string {
  return `${s.label}: RSS ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB, external ${s.externalMiB.toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  // The scenarios' windows end at a fixed past time; shift them so they end now, for the bot's real clock.
  const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const specs = ['one-8w-6h', 'stable-8w-6h', 'large-16w-6h', 'all-8w-6h'].map((id) => ({ ...SCENARIOS.find((s) => s.id === id)!.spec, endMs: end }));
  const prom = await startPrometheus({ families: familiesFor(specs) });
  const slack = await SlackStandIn.start({ channels: [CHANNEL] });
  const dir = mkdtempSync(join(tmpdir(), 'pymem-soak-'));
  const bot = spawn(process.execPath, [join(__dirname, '..', 'dist', 'src', 'main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      SLACK_BOT_TOKEN: 'xoxb-soak',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PROMETHEUS_URL: prom.url,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: join(dir, 'soak.sqlite'),
      LOG_LEVEL: 'info',
      // SOAK_CACHE_TTL=0: every command computes its own analysis, to soak the analysis threads.
      ...(process.env['SOAK_CACHE_TTL'] ? { PYMEM_RESULT_CACHE_TTL: process.env['SOAK_CACHE_TTL'] } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const collect = (d: Buffer): void => void (out += d.toString());
  bot.stdout!.on('data', collect);
  const port = await new Promise<number>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const m = /"port":(\d+)/.exec(out);
      if (m) {
        clearInterval(poll);
        resolve(Number(m[1]));
      } else if (Date.now() - started > 30_000) {
        clearInterval(poll);
        reject(new Error(`the bot did not start: ${out}`));
      }
    }, 100);
  });
  // From here on the bot's logs are read and dropped.
  bot.stdout!.off('data', collect);
  bot.stdout!.resume();
  const events = `http://127.0.0.1:${port}/slack/events`;
  const samples: Sample[] = [];
  const started = performance.now();
  try {
    // Commands, at most INFLIGHT reports pending at once (a real channel never queues thousands).
    let sent = 0;
    // Counted as calls arrive: the stand-in's own history is cleared as the soak goes.
    let postedCount = 0;
    slack.on('call', (call) => {
      if (call.method === 'chat.postMessage') postedCount++;
    });
    const posted = (): number => postedCount;
    const checkpoints = new Set([100, WARM, ...Array.from({ length: 8 }, (_, i) => Math.round((COMMANDS * (i + 1)) / 8)), COMMANDS]);
    while (sent < COMMANDS) {
      while (sent - posted() >= INFLIGHT) await new Promise((r) => setTimeout(r, 5));
      const service = SERVICES[sent % SERVICES.length]!;
      const body = slashCommandBody({ command: '/pymem', text: service, user_id: `U0SOAK${sent % 50}`, channel_id: CHANNEL, team_id: 'T0SOAK0001', trigger_id: newTriggerId(), response_url: slack.createResponseUrl(CHANNEL, 'U0SOAK') });
      const ack = await postToBot(events, body, { signingSecret: SECRET });
      if (ack.status !== 200) throw new Error(`command ${sent} answered ${ack.status}`);
      sent++;
      if (checkpoints.has(sent)) {
        while (posted() < sent) await new Promise((r) => setTimeout(r, 20));
        samples.push(await memoryOf(port, `after ${sent} commands`));
        console.log(`${describe(samples.at(-1)!)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
      // The stand-in keeps every message and chart; its memory is not what we measure.
      if (sent % 1000 === 0 && sent < COMMANDS) slack.reset();
    }

    // Ticks on the most recent reports, 16 at a time.
    while (posted() < sent) await new Promise((r) => setTimeout(r, 20));
    const reports = slack.messages(CHANNEL).filter((m) => m.thread_ts === undefined && m.visibleTo === undefined && JSON.stringify(m.blocks).includes('checklist:'));
    const targets: StandInMessage[] = reports.slice(-40);
    let ticked = 0;
    const worker = async (): Promise<void> => {
      while (ticked < TICKS) {
        const i = ticked++;
        const message = slack.message(CHANNEL, targets[i % targets.length]!.ts) ?? targets[i % targets.length]!;
        const step = CHECKLIST_STEP_IDS[i % CHECKLIST_STEP_IDS.length]!;
        const payload = blockActionPayload({ message, user: { id: `U0TICK${i % 30}` }, click: { type: 'checkboxes', action_id: checklistActionId(step), selected: i % 2 === 0 ? [step] : [] }, responseUrl: slack.createResponseUrl(CHANNEL, 'U0TICK') });
        const res = await postToBot(events, blockActionsBody(payload), { signingSecret: SECRET });
        if (res.status !== 200) throw new Error(`tick ${i} answered ${res.status}`);
        if (i > 0 && i % 5000 === 0) {
          samples.push(await memoryOf(port, `after ${i} ticks`));
          console.log(describe(samples.at(-1)!));
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await new Promise((r) => setTimeout(r, 3000));
    samples.push(await memoryOf(port, `after ${TICKS} ticks`));
    console.log(describe(samples.at(-1)!));
    // A busy heap holds garbage it has not collected yet; once idle, V8 collects and gives memory back.
    await new Promise((r) => setTimeout(r, 20_000));
    samples.push(await memoryOf(port, 'idle 20 s later'));
    console.log(describe(samples.at(-1)!));

    const atWarm = samples.find((s) => s.label === `after ${WARM} commands`);
    const atEnd = samples.find((s) => s.label === `after ${COMMANDS} commands`);
    console.log(`\npymem soak — node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`${COMMANDS} commands and ${TICKS} ticks in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (atWarm && atEnd) {
      const rss = atEnd.rssMiB / atWarm.rssMiB - 1;
      const heap = atEnd.heapMiB / atWarm.heapMiB - 1;
      console.log(`RSS ${atWarm.rssMiB.toFixed(1)} -> ${atEnd.rssMiB.toFixed(1)} MiB (${(rss * 100).toFixed(1)}%), heap ${atWarm.heapMiB.toFixed(1)} -> ${atEnd.heapMiB.toFixed(1)} MiB (${(heap * 100).toFixed(1)}%) between ${WARM} and ${COMMANDS} commands`);
      if (rss > 0.1) {
        console.log('FAIL: resident memory grew more than 10% after warm-up');
        process.exitCode = 1;
      }
    }
  } finally {
    bot.kill('SIGTERM');
    await new Promise((r) => bot.once('exit', r));
    await slack.stop();
    await prom.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
