/**
 * The Slack stand-in driven by the real clients: @slack/web-api's WebClient for the Web API side,
 * and a real Bolt App receiving signed requests built by signed-requests.ts.
 */
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type Logger, LogLevel, SocketModeReceiver, verifySlackRequest } from '@slack/bolt';
import { ErrorCode, WebClient, WebClientEvent } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RESPONSE_URL_METHOD, SlackStandIn, UPLOAD_METHOD } from '../../src/slack-standin/server';
import type { StandInChange } from '../../src/slack-standin/workspace';
import {
  blockActionPayload,
  blockActionsBody,
  newTriggerId,
  postToBot,
  signRequest,
  slashCommandBody,
} from '../../src/slack-standin/signed-requests';

/** A 1x1 PNG. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489' +
    '0000000d49444154789c63f8cf00000003000100018d3a3a000000000049454e44ae426082',
  'hex',
);
const CHANNEL = 'C0INCIDENT1';
const USER = 'U0ONCALL01';
const TS_SHAPE = /^\d{10}\.\d{6}$/;

/** Keeps WebClient and Bolt quiet; the assertions say what matters. */
function silentLogger(): Logger {
  let level = LogLevel.ERROR;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

const section = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'section', text: { type: 'mrkdwn', text }, ...extra });

let standIn: SlackStandIn;
let client: WebClient;

/** A WebClient on the stand-in; `token: null` sends no token at all. */
function newClient(options: ConstructorParameters<typeof WebClient>[1] = {}, token: string | null = 'xoxb-test'): WebClient {
  return new WebClient(token ?? undefined, {
    slackApiUrl: standIn.apiUrl,
    logger: silentLogger(),
    retryConfig: { retries: 0 },
    ...options,
  });
}

/** The platform error a WebClient call failed with, or a failure if it did not. */
async function platformError(call: Promise<unknown>): Promise<{ error: string; errors?: string[]; response_metadata?: { messages?: string[] } }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code?: string; data?: { error: string } };
    expect(e.code).toBe(ErrorCode.PlatformError);
    return e.data as { error: string };
  }
  throw new Error('expected the call to fail with a platform error');
}

beforeAll(async () => {
  standIn = await SlackStandIn.start();
  client = newClient();
});

afterEach(() => {
  standIn.reset();
});

afterAll(async () => {
  await standIn.stop();
});

describe('Web API through WebClient', () => {
  it('answers auth.test with the bot identity', async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({
      ok: true,
      url: `${standIn.url}/`,
      team_id: standIn.identity.teamId,
      user_id: standIn.identity.botUserId,
      bot_id: standIn.identity.botId,
      is_enterprise_install: false,
    });
    expect(standIn.apiUrl).toBe(`${standIn.url}/api/`);
    expect(standIn.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const [call] = standIn.callsTo('auth.test');
    expect(call?.headers['authorization']).toBe('Bearer xoxb-test');
  });

  it('refuses missing and unknown tokens like Slack', async () => {
    expect((await platformError(newClient({}, null).auth.test())).error).toBe('not_authed');
    expect((await platformError(newClient({}, 'xoxp-user-token').auth.test())).error).toBe('invalid_auth');
    const strict = await SlackStandIn.start({ tokens: ['xoxb-only-this'] });
    try {
      const strictClient = (token: string) => new WebClient(token, { slackApiUrl: strict.apiUrl, logger: silentLogger(), retryConfig: { retries: 0 } });
      expect((await platformError(strictClient('xoxb-test').auth.test())).error).toBe('invalid_auth');
      expect((await strictClient('xoxb-only-this').auth.test()).ok).toBe(true);
    } finally {
      await strict.stop();
    }
  });

  it('posts, updates and keeps the edit history', async () => {
    const posted = await client.chat.postMessage({
      channel: CHANNEL,
      text: 'Memory growth on api',
      blocks: [section('*api* grows', { block_id: 'summary' }), { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Refresh' } }] }],
    });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe(CHANNEL);
    expect(posted.ts).toMatch(TS_SHAPE);
    // Slack fills in the block_id and action_id the app left out.
    const returnedBlocks = posted.message?.blocks as Array<Record<string, unknown>>;
    expect(returnedBlocks[0]!['block_id']).toBe('summary');
    expect(typeof returnedBlocks[1]!['block_id']).toBe('string');
    expect(typeof (returnedBlocks[1]!['elements'] as Array<Record<string, unknown>>)[0]!['action_id']).toBe('string');

    const reply = await client.chat.postMessage({ channel: CHANNEL, thread_ts: posted.ts!, text: 'details in thread' });
    expect(reply.ts! > posted.ts!).toBe(true);

    const updated = await client.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'Memory growth on api (checked)', blocks: [section('*api* checked')] });
    expect(updated).toMatchObject({ ok: true, channel: CHANNEL, ts: posted.ts, text: 'Memory growth on api (checked)' });
    // Leaving blocks out keeps the previous ones (Slack's documented behaviour).
    await client.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'text only' });

    const messages = standIn.messages(CHANNEL);
    expect(messages.map((m) => [m.ts, m.thread_ts, m.text])).toEqual([
      [posted.ts, undefined, 'text only'],
      [reply.ts, posted.ts, 'details in thread'],
    ]);
    const parent = messages[0]!;
    expect(parent.edits).toBe(2);
    expect(parent.history.map((v) => v.text)).toEqual(['Memory growth on api', 'Memory growth on api (checked)']);
    expect(parent.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: '*api* checked' }, block_id: expect.any(String) }]);
    expect(parent.user).toBe(standIn.identity.botUserId);
    expect(parent.source).toBe('chat.postMessage');

    expect((await platformError(client.chat.update({ channel: CHANNEL, ts: '1700000000.000001', text: 'x' }))).error).toBe('message_not_found');
    expect((await platformError(client.chat.postMessage({ channel: CHANNEL, text: '' }))).error).toBe('no_text');
    expect((await platformError(client.chat.postMessage({ channel: '', text: 'x' }))).error).toBe('channel_not_found');
  });

  it('hands out increasing ts values even within one millisecond', async () => {
    const clock = await SlackStandIn.start({ now: () => 1_764_480_000_000 });
    try {
      const c = new WebClient('xoxb-test', { slackApiUrl: clock.apiUrl, logger: silentLogger() });
      const a = await c.chat.postMessage({ channel: CHANNEL, text: 'a' });
      const b = await c.chat.postMessage({ channel: CHANNEL, text: 'b' });
      expect([a.ts, b.ts]).toEqual(['1764480000.000000', '1764480000.000100']);
    } finally {
      await clock.stop();
    }
  });

  it('waits only for messages after a mark, even within one millisecond', async () => {
    const clock = await SlackStandIn.start({ now: () => 1_764_480_000_000 });
    try {
      const c = new WebClient('xoxb-test', { slackApiUrl: clock.apiUrl, logger: silentLogger() });
      expect(clock.mark()).toBe('');
      await c.chat.postMessage({ channel: CHANNEL, text: 'same' });
      const mark = clock.mark();
      const waiting = clock.waitForMessage((m) => m.text === 'same', { after: mark, timeoutMs: 5_000 });
      const later = await c.chat.postMessage({ channel: CHANNEL, text: 'same' });
      // Both were posted in the same millisecond; only the one after the mark answers.
      await expect(waiting).resolves.toMatchObject({ ts: later.ts });
      await expect(clock.waitForMessage((m) => m.text === 'same', { after: later.ts!, timeoutMs: 50 })).rejects.toMatchObject({ code: 'wait_timeout' });
    } finally {
      await clock.stop();
    }
  });

  it('stores ephemeral messages for their one viewer', async () => {
    const result = await client.chat.postEphemeral({ channel: CHANNEL, user: USER, text: 'only you', blocks: [section('only *you*')] });
    expect(result.ok).toBe(true);
    expect(result.message_ts).toMatch(TS_SHAPE);
    const [message] = standIn.messages(CHANNEL);
    expect(message).toMatchObject({ ts: result.message_ts, visibleTo: USER, text: 'only you', source: 'chat.postEphemeral' });
    // chat.update cannot reach an ephemeral message.
    expect((await platformError(client.chat.update({ channel: CHANNEL, ts: result.message_ts!, text: 'x' }))).error).toBe('message_not_found');
  });

  it('takes a private filesUploadV2 and lets an image block show the file', async () => {
    const upload = await client.filesUploadV2({ file: PNG, filename: 'chart.png', title: 'RSS of api' });
    const job = (upload as unknown as { files: Array<{ files: Array<{ id: string; url_private: string; mimetype: string; title: string }> }> }).files[0]!;
    const file = job.files[0]!;
    expect(file).toMatchObject({ mimetype: 'image/png', title: 'RSS of api' });
    expect(file.id).toMatch(/^F[A-Z0-9]{8,}$/);

    // The three steps, as WebClient performs them.
    expect(standIn.calls().map((c) => c.method)).toEqual(['files.getUploadURLExternal', UPLOAD_METHOD, 'files.completeUploadExternal']);
    const [getUrl, bytes, complete] = standIn.calls();
    expect(getUrl!.args).toEqual({ filename: 'chart.png', length: String(PNG.length) });
    expect(bytes!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(bytes!.args['parts']).toEqual([{ name: 'body', filename: 'Untitled', type: 'application/octet-stream', bytes: PNG.length }]);
    expect(complete!.args).toEqual({ files: [{ id: file.id, title: 'RSS of api' }] });

    // No channel: the file is private and no message was posted.
    expect(standIn.messages()).toEqual([]);
    expect(standIn.file(file.id)).toMatchObject({ state: 'complete', channels: [], size: PNG.length });

    const posted = await client.chat.postMessage({
      channel: CHANNEL,
      text: 'chart',
      blocks: [{ type: 'image', slack_file: { id: file.id }, alt_text: 'RSS of api over 6 hours' }],
    });
    expect(posted.ok).toBe(true);

    for (const url of [`${standIn.url}/files/${file.id}`, file.url_private]) {
      const served = await fetch(url);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
    }
    expect((await fetch(`${standIn.url}/files/F0000000999`)).status).toBe(404);
  });

  it('shares a file into a channel when completeUploadExternal names one', async () => {
    await client.filesUploadV2({ file: PNG, filename: 'chart.png', channel_id: CHANNEL, initial_comment: 'the chart' });
    const [message] = standIn.messages(CHANNEL);
    expect(message).toMatchObject({ source: 'files.completeUploadExternal', text: 'the chart' });
    expect(message!.files.map((f) => f.name)).toEqual(['chart.png']);
  });

  it('surfaces an image block with an unknown file as invalid_blocks', async () => {
    const data = await platformError(
      client.chat.postMessage({ channel: CHANNEL, text: 'chart', blocks: [{ type: 'image', slack_file: { id: 'F0000000999' }, alt_text: 'chart' }] }),
    );
    expect(data.error).toBe('invalid_blocks');
    expect(data.errors).toEqual(['invalid slack file: no such file was uploaded [json-pointer:/blocks/0/slack_file]']);
    expect(data.response_metadata?.messages).toEqual(['[ERROR] invalid slack file: no such file was uploaded [json-pointer:/blocks/0/slack_file]']);
    expect(standIn.messages()).toEqual([]);
  });

  it('refuses a fresh upload in an image block while Slack is still processing it, when asked to', async () => {
    let now = 1_764_480_000_000;
    const slow = await SlackStandIn.start({ fileProcessingMs: 1_000, now: () => now });
    try {
      const c = new WebClient('xoxb-test', { slackApiUrl: slow.apiUrl, logger: silentLogger(), retryConfig: { retries: 0 } });
      const upload = (await c.filesUploadV2({ file: PNG, filename: 'chart.png' })) as unknown as { files: Array<{ files: Array<{ id: string }> }> };
      const id = upload.files[0]!.files[0]!.id;
      const post = () => c.chat.postMessage({ channel: CHANNEL, text: 'chart', blocks: [{ type: 'image', slack_file: { id }, alt_text: 'chart' }] });
      expect((await platformError(post())).errors).toEqual(['invalid slack file: the upload is still being processed [json-pointer:/blocks/0/slack_file]']);
      now += 1_000;
      expect((await post()).ok).toBe(true);
    } finally {
      await slow.stop();
    }
  });

  it('rejects 51 blocks and over-long texts', async () => {
    const blocks = Array.from({ length: 51 }, (_, i) => section(`line ${i}`));
    const data = await platformError(client.chat.postMessage({ channel: CHANNEL, text: 'too many', blocks }));
    expect(data.error).toBe('invalid_blocks');
    expect(data.errors).toEqual(['must contain at most 50 blocks (found 51) [json-pointer:/blocks]']);
    expect((await client.chat.postMessage({ channel: CHANNEL, text: 'fifty', blocks: blocks.slice(0, 50) })).ok).toBe(true);
    const long = await platformError(client.chat.postMessage({ channel: CHANNEL, text: 'long', blocks: [section('x'.repeat(3001))] }));
    expect(long.errors).toEqual(['must be less than 3001 characters (found 3001) [json-pointer:/blocks/0/text/text]']);
  });

  it('answers unknown methods with unknown_method', async () => {
    expect((await platformError(client.apiCall('conversations.history', { channel: CHANNEL }))).error).toBe('unknown_method');
  });

  it('accepts JSON bodies and a token field as well as WebClient form bodies', async () => {
    const json = await fetch(`${standIn.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-json' },
      body: JSON.stringify({ channel: CHANNEL, text: 'from JSON', blocks: [section('json')] }),
    });
    expect(await json.json()).toMatchObject({ ok: true, channel: CHANNEL });
    const form = await fetch(`${standIn.apiUrl}chat.postMessage`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'xoxb-form', channel: CHANNEL, text: 'from form', blocks: 'not json' }),
    });
    expect(await form.json()).toMatchObject({ ok: false, error: 'invalid_blocks_format' });
    expect(standIn.messages(CHANNEL).map((m) => m.text)).toEqual(['from JSON']);
  });
});

describe('uploads', () => {
  it('accepts raw bytes and checks the declared length', async () => {
    const first = await client.files.getUploadURLExternal({ filename: 'a.png', length: PNG.length });
    const raw = await fetch(first.upload_url!, { method: 'POST', body: PNG });
    expect(raw.status).toBe(200);
    expect(standIn.fileContent(first.file_id!)?.bytes.equals(PNG)).toBe(true);

    const second = await client.files.getUploadURLExternal({ filename: 'b.png', length: PNG.length + 1 });
    const short = await fetch(second.upload_url!, { method: 'POST', body: PNG });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain(`received ${PNG.length} bytes but files.getUploadURLExternal declared length ${PNG.length + 1}`);
    const data = await platformError(client.files.completeUploadExternal({ files: [{ id: second.file_id! }] }));
    expect(data.error).toBe('file_not_found');
  });

  it('answers 400 to an unreadable multipart body', async () => {
    const upload = await client.files.getUploadURLExternal({ filename: 'a.png', length: PNG.length });
    const broken = await fetch(upload.upload_url!, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: 'not multipart at all',
    });
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain('unreadable multipart body');
    expect(standIn.file(upload.file_id!)?.state).toBe('awaiting_bytes');
  });

  it('refuses a second completion and a channel id Slack would not accept', async () => {
    const upload = await client.files.getUploadURLExternal({ filename: 'a.png', length: PNG.length });
    await fetch(upload.upload_url!, { method: 'POST', body: PNG });
    const bad = await platformError(client.files.completeUploadExternal({ files: [{ id: upload.file_id! }], channel_id: 'incidents' }));
    expect(bad.error).toBe('invalid_arguments');
    await client.files.completeUploadExternal({ files: [{ id: upload.file_id! }] });
    expect((await platformError(client.files.completeUploadExternal({ files: [{ id: upload.file_id! }] }))).error).toBe('file_not_found');
  });
});

describe('fault injection', () => {
  it('fails files.getUploadURLExternal once with internal_error, then works', async () => {
    standIn.failNext('files.getUploadURLExternal', { error: 'internal_error' });
    expect((await platformError(client.filesUploadV2({ file: PNG, filename: 'chart.png' }))).error).toBe('internal_error');
    const ok = await client.filesUploadV2({ file: PNG, filename: 'chart.png' });
    expect(ok.ok).toBe(true);
    const attempts = standIn.callsTo('files.getUploadURLExternal');
    expect(attempts.map((c) => [c.response?.status, c.response?.injected])).toEqual([
      [200, true],
      [200, false],
    ]);
  });

  it('rate-limits chat.update with 429 + Retry-After and WebClient retries by itself', async () => {
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'v1' });
    const retrying = newClient({ retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 } });
    const rateLimited: number[] = [];
    retrying.on(WebClientEvent.RATE_LIMITED, (seconds: number) => rateLimited.push(seconds));
    standIn.failNext('chat.update', { status: 429, retryAfterSeconds: 1 });

    const updated = await retrying.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'v2' });

    expect(updated.ok).toBe(true);
    expect(rateLimited).toEqual([1]);
    const attempts = standIn.callsTo('chat.update');
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.response).toEqual({ status: 429, body: { ok: false, error: 'ratelimited' }, injected: true });
    expect(attempts[1]!.response?.status).toBe(200);
    expect(standIn.messages(CHANNEL)[0]).toMatchObject({ text: 'v2', edits: 1 });
  });

  it('gives up with HTTP errors WebClient does not retry past its budget', async () => {
    standIn.failNext('chat.postMessage', { status: 503, times: 2 });
    const once = newClient({ retryConfig: { retries: 1, factor: 1, minTimeout: 5, maxTimeout: 5 } });
    await expect(once.chat.postMessage({ channel: CHANNEL, text: 'x' })).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    expect(standIn.callsTo('chat.postMessage')).toHaveLength(2);
    expect(standIn.messages()).toEqual([]);
  });

  it('delays answers (a WebClient with a shorter timeout gives up)', async () => {
    standIn.failNext('chat.postMessage', { delayMs: 1_000 });
    const impatient = newClient({ timeout: 100 });
    await expect(impatient.chat.postMessage({ channel: CHANNEL, text: 'slow' })).rejects.toMatchObject({ code: ErrorCode.RequestError });
    // The delayed call still lands once its delay is over.
    const landed = await standIn.waitFor((c) => c.method === 'chat.postMessage', { timeoutMs: 5_000 });
    expect(landed.response?.status).toBe(200);

    standIn.setLatency('auth.test', 1_000);
    await expect(impatient.auth.test()).rejects.toMatchObject({ code: ErrorCode.RequestError });
    standIn.setLatency('auth.test', 0);
    expect((await impatient.auth.test()).ok).toBe(true);
  });

  it('fails byte uploads when told to', async () => {
    standIn.failNext(UPLOAD_METHOD, { status: 500 });
    await expect(client.filesUploadV2({ file: PNG, filename: 'chart.png' })).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    expect(standIn.callsTo('files.completeUploadExternal')).toHaveLength(0);
  });

  it('refuses nonsense fault specs', () => {
    expect(() => standIn.failNext('chat.update', { times: 0 })).toThrow(/times must be a positive integer/);
    expect(() => standIn.failNext('chat.update', { status: 42 })).toThrow(/status must be an HTTP status code/);
  });
});

describe('rate limits for a stretch', () => {
  it('answers 429 with Retry-After to one method in one channel until lifted', async () => {
    const other = 'C0OTHERCHAN';
    const a = await client.chat.postMessage({ channel: CHANNEL, text: 'a' });
    const b = await client.chat.postMessage({ channel: other, text: 'b' });
    const stretch = standIn.rateLimit('chat.update', { channel: CHANNEL, retryAfterSeconds: 3 });
    // WebClient as pymem configures it: a 429 is rejected at once, with the wait Slack asked for.
    const strict = newClient({ rejectRateLimitedCalls: true });
    for (let i = 0; i < 2; i++) {
      await expect(strict.chat.update({ channel: CHANNEL, ts: a.ts!, text: 'a2' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 3 });
    }
    // Another channel, and another method in the same channel, are not limited.
    expect((await strict.chat.update({ channel: other, ts: b.ts!, text: 'b2' })).ok).toBe(true);
    expect((await strict.chat.postMessage({ channel: CHANNEL, text: 'c' })).ok).toBe(true);
    expect(stretch.answered).toBe(2);
    stretch.lift();
    expect((await strict.chat.update({ channel: CHANNEL, ts: a.ts!, text: 'a2' })).ok).toBe(true);
    expect(standIn.message(CHANNEL, a.ts!)).toMatchObject({ text: 'a2', edits: 1 });
    expect(() => standIn.rateLimit('chat.update', { retryAfterSeconds: -1 })).toThrow(/retryAfterSeconds/);
  });

  it('limits every channel when none is named', async () => {
    const stretch = standIn.rateLimit('chat.postMessage');
    const strict = newClient({ rejectRateLimitedCalls: true });
    await expect(strict.chat.postMessage({ channel: CHANNEL, text: 'x' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    await expect(strict.chat.postMessage({ channel: 'C0OTHERCHAN', text: 'x' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError });
    stretch.lift();
    expect(standIn.messages()).toEqual([]);
  });
});

describe('kinds of conversation', () => {
  let kinds: SlackStandIn;
  let kindsClient: WebClient;
  beforeAll(async () => {
    kinds = await SlackStandIn.start({
      channels: [
        CHANNEL,
        { id: 'C0PUBLICNM', kind: 'public', member: false },
        { id: 'C0PRIVATE1', kind: 'private', member: true },
        { id: 'C0PRIVATE2', kind: 'private', member: false },
        { id: 'D0OWNDM001', kind: 'im', member: true },
        { id: 'D0OTHERSDM', kind: 'im', member: false },
        { id: 'C0GROUPDM1', kind: 'mpim', member: false },
        { id: 'C0ARCHIVED', kind: 'public', archived: true },
      ],
    });
    kindsClient = new WebClient('xoxb-test', { slackApiUrl: kinds.apiUrl, logger: silentLogger(), retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await kinds.stop();
  });

  const info = async (channel: string) => (await kindsClient.conversations.info({ channel })).channel as Record<string, unknown>;

  it('describes what the bot may see with conversations.info, and hides the rest like Slack', async () => {
    expect(await info('C0PUBLICNM')).toMatchObject({ id: 'C0PUBLICNM', is_channel: true, is_private: false, is_member: false, is_archived: false });
    expect(await info('C0PRIVATE1')).toMatchObject({ is_channel: true, is_group: true, is_private: true, is_member: true });
    expect(await info('D0OWNDM001')).toMatchObject({ is_im: true, user: expect.any(String) });
    expect(await info('C0ARCHIVED')).toMatchObject({ is_archived: true });
    for (const hidden of ['C0PRIVATE2', 'D0OTHERSDM', 'C0GROUPDM1', 'C0NOSUCH01']) {
      expect((await platformError(kindsClient.conversations.info({ channel: hidden }))).error, hidden).toBe('channel_not_found');
    }
  });

  it('lets the bot post in public channels without membership and where it is a member; refuses the rest', async () => {
    for (const channel of [CHANNEL, 'C0PUBLICNM', 'C0PRIVATE1', 'D0OWNDM001']) {
      expect((await kindsClient.chat.postMessage({ channel, text: 'hello' })).ok, channel).toBe(true);
    }
    for (const channel of ['C0PRIVATE2', 'D0OTHERSDM', 'C0GROUPDM1']) {
      expect((await platformError(kindsClient.chat.postMessage({ channel, text: 'hello' }))).error, channel).toBe('channel_not_found');
    }
    expect((await platformError(kindsClient.chat.postMessage({ channel: 'C0ARCHIVED', text: 'hello' }))).error).toBe('is_archived');
  });

  it('changes with setChannel: an invitation, an archiving', async () => {
    kinds.setChannel({ id: 'C0PRIVATE2', member: true });
    expect((await kindsClient.chat.postMessage({ channel: 'C0PRIVATE2', text: 'invited' })).ok).toBe(true);
    const posted = await kindsClient.chat.postMessage({ channel: 'C0PRIVATE1', text: 'before' });
    kinds.setChannel({ id: 'C0PRIVATE1', archived: true });
    expect((await platformError(kindsClient.chat.update({ channel: 'C0PRIVATE1', ts: posted.ts!, text: 'after' }))).error).toBe('is_archived');
    expect(await info('C0PRIVATE1')).toMatchObject({ is_archived: true, is_private: true });
    expect(() => standIn.setChannel({ id: 'C0ANY' })).toThrow(/channel list/);
  });
});

describe('Socket Mode', () => {
  it('hands a SocketModeClient a WebSocket that greets it, and can drop and refuse connections', async () => {
    // Bolt's own Socket Mode client, as pymem runs it.
    const socketClient = new SocketModeReceiver({ appToken: 'xapp-test', logger: silentLogger(), installerOptions: { clientOptions: { slackApiUrl: standIn.apiUrl } }, autoReconnectEnabled: false }).client;
    await socketClient.start();
    expect(standIn.socketMode.open).toBe(1);
    const gone = new Promise<void>((resolve) => socketClient.once('disconnected', () => resolve()));
    standIn.socketMode.dropAll({ refuse: true });
    await gone;
    expect(standIn.socketMode.open).toBe(0);
    expect(await socketClient.start().then(() => 'connected', () => 'refused')).toBe('refused');
    standIn.socketMode.allow();
    await socketClient.start();
    expect(standIn.socketMode.connections).toBe(2);
    await socketClient.disconnect();
    // Only app-level tokens open connections, as on Slack.
    expect((await platformError(client.apiCall('apps.connections.open'))).error).toBe('not_allowed_token_type');
  });
});

describe('response_url', () => {
  /** What Bolt's respond() does: POST JSON. */
  const respond = (url: string, body: object) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('records ephemeral and in-channel responses as messages', async () => {
    const url = standIn.createResponseUrl(CHANNEL, USER);
    expect(url.startsWith(`${standIn.url}/respond/`)).toBe(true);
    const first = await respond(url, { response_type: 'ephemeral', text: 'Working on it', blocks: [section('Working…')] });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true });
    await respond(url, { response_type: 'in_channel', text: 'Report for api' });

    expect(standIn.messages(CHANNEL).map((m) => [m.source, m.visibleTo, m.text])).toEqual([
      ['response_url', USER, 'Working on it'],
      ['response_url', undefined, 'Report for api'],
    ]);
    const calls = standIn.callsTo(RESPONSE_URL_METHOD);
    expect(calls.map((c) => c.args['response_type'])).toEqual(['ephemeral', 'in_channel']);
  });

  it('replaces and deletes the original message of an action', async () => {
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'checklist' });
    const url = standIn.createResponseUrl(CHANNEL, USER, { messageTs: posted.ts! });
    await respond(url, { replace_original: true, text: 'checklist (1/3)' });
    expect(standIn.message(CHANNEL, posted.ts!)).toMatchObject({ text: 'checklist (1/3)', edits: 1 });
    await respond(url, { delete_original: true });
    expect(standIn.messages(CHANNEL)).toEqual([]);
  });

  it('answers invalid blocks with 404 like Slack, unknown URLs too, and allows five posts per URL', async () => {
    const url = standIn.createResponseUrl(CHANNEL, USER);
    const bad = await respond(url, { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] });
    expect(bad.status).toBe(404);
    expect(await bad.json()).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect((await respond(`${standIn.url}/respond/nope`, { text: 'x' })).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await respond(url, { text: `post ${i}` })).status).toBe(200);
    expect(await (await respond(url, { text: 'sixth' })).json()).toMatchObject({ ok: false, error: 'used_url' });
  });
});

describe('waiting and change events', () => {
  it('resolves waitFor when a matching call has been answered, and times out otherwise', async () => {
    const waiting = standIn.waitFor((c) => c.method === 'chat.postMessage' && c.args['text'] === 'later');
    await client.chat.postMessage({ channel: CHANNEL, text: 'sooner' });
    await client.chat.postMessage({ channel: CHANNEL, text: 'later' });
    const call = await waiting;
    expect(call.args['text']).toBe('later');
    expect(call.response?.status).toBe(200);

    await expect(standIn.waitFor((c) => c.method === 'chat.delete', { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'wait_timeout',
      message: expect.stringContaining('chat.postMessage -> 200'),
    });
    const message = await standIn.waitForMessage((m) => m.text === 'later');
    expect(message.channel).toBe(CHANNEL);
  });

  it('emits a change for every state change', async () => {
    const changes: StandInChange[] = [];
    const listener = (change: StandInChange) => changes.push(change);
    standIn.on('change', listener);
    try {
      const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'a' });
      await client.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'b' });
      await client.filesUploadV2({ file: PNG, filename: 'chart.png' });
    } finally {
      standIn.off('change', listener);
    }
    expect(changes.map((c) => c.kind)).toEqual(['message_posted', 'message_updated', 'file_created', 'file_uploaded', 'file_completed']);
  });
});

describe('signed requests into a Bolt app', () => {
  const signingSecret = '8f742231b10e8888abcd99yyyzzz85a5';
  // Slack's published example: https://api.slack.com/authentication/verifying-requests-from-slack
  const exampleBody =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
    '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
    '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

  it('signs like Slack (published vector, and an independent HMAC)', () => {
    const headers = signRequest(exampleBody, signingSecret, 1531420618);
    expect(headers).toEqual({
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'x-slack-request-timestamp': '1531420618',
    });
    const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
    const independent = `v0=${createHmac('sha256', 'another secret').update(`v0:1764480000:${body}`).digest('hex')}`;
    expect(signRequest(body, 'another secret', 1764480000)['x-slack-signature']).toBe(independent);
  });

  it("passes Bolt's verifySlackRequest, and a tampered or stale request does not", () => {
    const now = 1_764_480_000;
    const body = slashCommandBody({ command: '/pymem', text: 'api', user_id: USER, channel_id: CHANNEL, team_id: 'T0STANDIN1', response_url: 'http://x/respond/1' });
    const headers = signRequest(body, signingSecret, now);
    const verify = (b: string, ts: string, atMs: number) =>
      verifySlackRequest({
        signingSecret,
        body: b,
        headers: { 'x-slack-signature': headers['x-slack-signature'], 'x-slack-request-timestamp': Number(ts) },
        nowMilliseconds: atMs,
      });
    expect(() => verify(body, headers['x-slack-request-timestamp'], now * 1000)).not.toThrow();
    expect(() => verify(body.replace('text=api', 'text=web'), headers['x-slack-request-timestamp'], now * 1000)).toThrow(/signature mismatch/);
    expect(() => verify(body, headers['x-slack-request-timestamp'], (now + 6 * 60) * 1000)).toThrow(/stale/);
  });

  it('builds slash command bodies the way Slack encodes them', () => {
    const body = slashCommandBody({
      command: '/pymem',
      text: 'analyze api --window 6h',
      user_id: USER,
      user_name: 'oncall',
      channel_id: CHANNEL,
      team_id: 'T0STANDIN1',
      trigger_id: '1.2.abc',
      response_url: 'http://127.0.0.1:1/respond/1-x',
    });
    expect(body).toBe(
      'token=standin-verification-token&team_id=T0STANDIN1&team_domain=standin&channel_id=C0INCIDENT1&channel_name=incidents' +
        '&user_id=U0ONCALL01&user_name=oncall&command=%2Fpymem&text=analyze+api+--window+6h&api_app_id=A0STANDAPP' +
        '&is_enterprise_install=false&response_url=http%3A%2F%2F127.0.0.1%3A1%2Frespond%2F1-x&trigger_id=1.2.abc',
    );
    const ids = new Set(Array.from({ length: 100 }, () => newTriggerId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^\d{11}\.\d{9}\.[0-9a-f]{32}$/);
  });

  describe('with a running Bolt app', () => {
    let app: App;
    let events: string;
    const seen: Array<{ kind: string; retryNum?: number | undefined; retryReason?: string | undefined; payload: unknown }> = [];

    beforeAll(async () => {
      app = new App({
        token: 'xoxb-test',
        signingSecret,
        logger: silentLogger(),
        clientOptions: { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } },
      });
      app.command('/pymem', async ({ ack, respond, client: boltClient, command, context }) => {
        await ack();
        seen.push({ kind: 'command', retryNum: context.retryNum, retryReason: context.retryReason, payload: command });
        await respond({ response_type: 'ephemeral', text: `Analysing ${command.text}…` });
        await boltClient.chat.postMessage({
          channel: command.channel_id,
          text: `Report for ${command.text}`,
          blocks: [
            section(`Report for *${command.text}*`),
            {
              type: 'actions',
              block_id: 'checklist',
              elements: [
                {
                  type: 'checkboxes',
                  action_id: 'check',
                  options: [
                    { text: { type: 'mrkdwn', text: 'Heap dump' }, value: 'heap' },
                    { text: { type: 'mrkdwn', text: 'Restart' }, value: 'restart' },
                  ],
                },
              ],
            },
          ],
        });
      });
      app.action('check', async ({ ack, body, client: boltClient }) => {
        await ack();
        seen.push({ kind: 'action', payload: body });
        const action = (body as unknown as { actions: Array<{ selected_options: Array<{ value: string }> }> }).actions[0]!;
        const container = (body as unknown as { container: { channel_id: string; message_ts: string } }).container;
        await boltClient.chat.update({
          channel: container.channel_id,
          ts: container.message_ts,
          text: `checked: ${action.selected_options.map((o) => o.value).join(',')}`,
        });
      });
      const server = (await app.start(0)) as Server;
      events = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    });

    afterAll(async () => {
      await app.stop();
    });

    it('runs a slash command and a checkbox click end to end', async () => {
      const body = slashCommandBody({
        command: '/pymem',
        text: 'api',
        user_id: USER,
        channel_id: CHANNEL,
        team_id: standIn.identity.teamId,
        response_url: standIn.createResponseUrl(CHANNEL, USER),
      });
      const answer = await postToBot(events, body, { signingSecret, retryNum: 1, retryReason: 'http_timeout' });
      expect(answer.status).toBe(200);
      expect(seen[0]).toMatchObject({ kind: 'command', retryNum: 1, retryReason: 'http_timeout', payload: { command: '/pymem', text: 'api' } });

      const report = await standIn.waitForMessage((m) => m.text === 'Report for api');
      await standIn.waitForMessage((m) => m.source === 'response_url' && m.visibleTo === USER);

      const payload = blockActionPayload({
        message: report,
        user: { id: USER, username: 'oncall', team_id: standIn.identity.teamId },
        click: { type: 'checkboxes', action_id: 'check', selected: ['heap'] },
        responseUrl: standIn.createResponseUrl(CHANNEL, USER, { messageTs: report.ts }),
      });
      expect(payload.container).toEqual({ type: 'message', message_ts: report.ts, channel_id: CHANNEL, is_ephemeral: false });
      expect(payload.actions[0]).toMatchObject({
        type: 'checkboxes',
        action_id: 'check',
        block_id: 'checklist',
        selected_options: [{ text: { type: 'mrkdwn', text: 'Heap dump' }, value: 'heap' }],
      });
      expect(payload.state.values).toEqual({
        checklist: { check: { type: 'checkboxes', selected_options: [{ text: { type: 'mrkdwn', text: 'Heap dump' }, value: 'heap' }] } },
      });
      const click = await postToBot(events, blockActionsBody(payload), { signingSecret });
      expect(click.status).toBe(200);
      const updated = await standIn.waitForMessage((m) => m.ts === report.ts && m.edits === 1);
      expect(updated.text).toBe('checked: heap');
      // chat.update without blocks keeps the checklist.
      expect(updated.blocks).toEqual(report.blocks);
    });

    it('is refused by Bolt when stale or signed with another secret', async () => {
      const body = blockActionsBody({ type: 'block_actions' });
      const stale = await postToBot(events, body, { signingSecret, timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60 });
      expect(stale.status).toBe(401);
      const wrong = await postToBot(events, body, { signingSecret: 'not the secret' });
      expect(wrong.status).toBe(401);
    });

    it('refuses to click an element the message does not have', () => {
      const message = { channel: CHANNEL, ts: '1764480000.000100', text: 't', blocks: [section('no buttons', { block_id: 'b' })] };
      expect(() =>
        blockActionPayload({ message, user: { id: USER }, click: { type: 'button', action_id: 'refresh' }, responseUrl: 'http://x' }),
      ).toThrow(/has no element refresh; its interactive elements are none/);
    });
  });
});
