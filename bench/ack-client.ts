/**
 * Sends N signed slash commands at once from its own process (so the load generator does not
 * share the bot's event loop) and prints, per command, when it was sent (epoch ms, sub-ms
 * precision) and its round trip in ms, as JSON.
 *
 * Lean on purpose: bodies are built and signed before the clock starts, each request is a plain
 * node:http POST on a new connection (as Slack's are), and the client's own code paths are warmed
 * up first. With fetch, a fresh process spent more time in its own request machinery than the bot
 * took to answer, which the figures then blamed on the bot.
 *
 * Usage: tsx bench/ack-client.ts <events url> <signing secret>  (stdin: JSON array of commands)
 * Each command: { text, user, channel, responseUrl }.
 */

import { Agent, request } from 'node:http';
import { newTriggerId, signRequest, slashCommandBody } from '../src/slack-standin/signed-requests';

interface Command {
  readonly text: string;
  readonly user: string;
  readonly channel: string;
  readonly responseUrl: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A new connection per request, no pooling: each command arrives the way Slack sends it. */
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

function send(url: URL, method: 'GET' | 'POST', headers: Record<string, string>, body: string): Promise<{ status: number; ms: number; sentAt: number }> {
  return new Promise((resolve, reject) => {
    const sentAt = performance.timeOrigin + performance.now();
    const started = performance.now();
    const req = request(url, { method, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, sentAt }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const [url, secret] = process.argv.slice(2);
  if (!url || !secret) throw new Error('usage: ack-client <url> <secret> < commands.json');
  const target = new URL(url);
  const commands = JSON.parse(await readStdin()) as Command[];
  // Warm this process's HTTP client (not the bot: /healthz does not go through Bolt's listeners).
  const health = new URL('/healthz', target);
  for (let i = 0; i < 20; i++) await send(health, 'GET', {}, '');
  await Promise.all(Array.from({ length: 20 }, () => send(health, 'GET', {}, '')));

  const timestamp = Math.floor(Date.now() / 1000);
  const prepared = commands.map((c) => {
    const body = slashCommandBody({ command: '/pymem', text: c.text, user_id: c.user, channel_id: c.channel, team_id: 'T0TESTTEAM', trigger_id: newTriggerId(), response_url: c.responseUrl });
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...signRequest(body, secret, timestamp),
    };
    return { user: c.user, body, headers };
  });
  const results = await Promise.all(prepared.map(async (p) => ({ user: p.user, ...(await send(target, 'POST', p.headers, p.body)) })));
  if (results.some((r) => r.status !== 200)) throw new Error(`statuses: ${results.map((r) => r.status).join(',')}`);
  process.stdout.write(JSON.stringify(results.map(({ user, sentAt, ms }) => ({ user, sentAt, ms }))));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error));
  process.exitCode = 1;
});
