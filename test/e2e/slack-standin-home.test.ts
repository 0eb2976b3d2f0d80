/** The Slack stand-in's views.publish and users.conversations, as strict as Slack about what they take. */

import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../../src/slack-standin/server';

let slack: SlackStandIn;
let client: WebClient;

beforeAll(async () => {
  slack = await SlackStandIn.start({
    channels: [
      { id: 'C0PUBLIC01', members: ['U0ALICE', 'U0BOB'] },
      { id: 'C0PUBLIC02', members: ['U0ALICE'] },
      { id: 'C0ARCHIVED', members: ['U0ALICE'], archived: true },
      { id: 'G0PRIVATE1', kind: 'private', members: ['U0ALICE'] },
      // A private channel pymem is not in is hidden from it, members or not.
      { id: 'G0HIDDEN01', kind: 'private', member: false, members: ['U0ALICE'] },
    ],
  });
  client = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
});

afterAll(async () => {
  await slack?.stop();
});

const section = (i: number) => ({ type: 'section', text: { type: 'mrkdwn', text: `line ${i}` } });

describe('views.publish', () => {
  it('keeps a valid Home view per user, counting publishes', async () => {
    await client.views.publish({ user_id: 'U0ALICE', view: { type: 'home', blocks: [section(1)] } });
    const answer = await client.views.publish({ user_id: 'U0ALICE', view: { type: 'home', blocks: Array.from({ length: 100 }, (_, i) => section(i)) } });
    expect(answer.ok).toBe(true);
    const home = slack.homeView('U0ALICE')!;
    expect(home.publishes).toBe(2);
    expect((home.view['blocks'] as unknown[]).length).toBe(100);
    expect(slack.homeView('U0BOB')).toBeUndefined();
  });

  it('refuses 101 blocks, invalid blocks and views that are not Home views', async () => {
    await expect(client.views.publish({ user_id: 'U0BOB', view: { type: 'home', blocks: Array.from({ length: 101 }, (_, i) => section(i)) } })).rejects.toMatchObject({
      data: { error: 'invalid_blocks', response_metadata: { messages: ['[ERROR] must contain at most 100 blocks (found 101) [json-pointer:/view/blocks]'] } },
    });
    await expect(client.views.publish({ user_id: 'U0BOB', view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '' } }] } })).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    await expect(client.views.publish({ user_id: 'U0BOB', view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } })).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    expect(slack.homeView('U0BOB')).toBeUndefined();
  });
});

describe('users.conversations', () => {
  it('lists the visible, unarchived conversations the user is in, of the asked types, page by page', async () => {
    const all = await client.users.conversations({ user: 'U0ALICE', types: 'public_channel,private_channel', exclude_archived: true });
    expect(all.channels?.map((c) => c.id)).toEqual(['C0PUBLIC01', 'C0PUBLIC02', 'G0PRIVATE1']);
    const publicOnly = await client.users.conversations({ user: 'U0ALICE', types: 'public_channel' });
    expect(publicOnly.channels?.map((c) => c.id)).toEqual(['C0ARCHIVED', 'C0PUBLIC01', 'C0PUBLIC02']);
    const first = await client.users.conversations({ user: 'U0ALICE', types: 'public_channel,private_channel', exclude_archived: true, limit: 2 });
    expect(first.channels?.map((c) => c.id)).toEqual(['C0PUBLIC01', 'C0PUBLIC02']);
    const rest = await client.users.conversations({ user: 'U0ALICE', types: 'public_channel,private_channel', exclude_archived: true, limit: 2, cursor: first.response_metadata!.next_cursor! });
    expect(rest.channels?.map((c) => c.id)).toEqual(['G0PRIVATE1']);
    expect(rest.response_metadata?.next_cursor).toBe('');
    expect((await client.users.conversations({ user: 'U0BOB', types: 'public_channel' })).channels?.map((c) => c.id)).toEqual(['C0PUBLIC01']);
  });
});
