/**
 * Sends N signed slash commands at once from its own process (so the load generator does not
 * share the bot's event loop) and prints each round trip in ms as JSON.
 * Usage: tsx bench/ack-client.ts <events url> <count> <signing secret> <response url base> <text>
 */

import { newTriggerId, postToBot, slashCommandBody } from '../src/slack-standin/signed-requests';

async function main(): Promise<void> {
  const [url, countText, secret, responseUrl, text] = process.argv.slice(2);
  if (!url || !countText || !secret || !responseUrl || text === undefined) throw new Error('usage: ack-client <url> <count> <secret> <response url> <text>');
  const count = Number(countText);
  const bodies = Array.from({ length: count }, (_, i) =>
    slashCommandBody({
      command: '/pymem',
      text,
      user_id: `U0LOAD${i}`,
      channel_id: 'C0INCIDENT1',
      team_id: 'T0TESTTEAM',
      trigger_id: newTriggerId(),
      response_url: responseUrl,
    }),
  );
  const results = await Promise.all(bodies.map((body) => postToBot(url, body, { signingSecret: secret })));
  if (results.some((r) => r.status !== 200)) throw new Error(`statuses: ${results.map((r) => r.status).join(',')}`);
  process.stdout.write(JSON.stringify(results.map((r) => r.ms)));
}

main().catch((error: unknown) => {
  process.stderr.write(String(error));
  process.exitCode = 1;
});
