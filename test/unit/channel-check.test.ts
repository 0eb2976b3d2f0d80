import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ChannelCheck } from '../../src/bot/channel-check';
import { SlackCallError, type ConversationInfo, type SlackGateway } from '../../src/slack/gateway';

/** Answers conversations.info from a table (or an error); counts the calls. */
function gateway(answer: () => ConversationInfo | SlackCallError): { slack: SlackGateway; calls: () => number } {
  let calls = 0;
  const unused = async (): Promise<never> => {
    throw new Error('not used');
  };
  const slack: SlackGateway = {
    postMessage: unused,
    updateMessage: unused,
    postEphemeral: unused,
    uploadImage: unused,
    async conversationInfo() {
      calls++;
      await new Promise((r) => setImmediate(r));
      const a = answer();
      if (a instanceof SlackCallError) throw a;
      return a;
    },
  };
  return { slack, calls: () => calls };
}

const logger = pino({ level: 'silent' });
const channel = (over: Partial<ConversationInfo> = {}): ConversationInfo => ({ id: 'C0INCIDENT1', kind: 'private', isArchived: false, isMember: true, ...over });

describe('ChannelCheck', () => {
  it('asks once for simultaneous requests, remembers a postable channel for a while, and asks afresh when told to', async () => {
    let now = 0;
    const { slack, calls } = gateway(() => channel());
    const check = new ChannelCheck({ slack, logger, now: () => now, okTtlMs: 60_000 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => check.check({ channelId: 'C0INCIDENT1' })));
    expect(answers.every((a) => a.kind === 'can-post')).toBe(true);
    expect(calls()).toBe(1);
    now = 59_000;
    await check.check({ channelId: 'C0INCIDENT1' });
    expect(calls()).toBe(1);
    await check.check({ channelId: 'C0INCIDENT1' }, { fresh: true });
    expect(calls()).toBe(2);
    now = 200_000;
    await check.check({ channelId: 'C0INCIDENT1' });
    expect(calls()).toBe(3);
    check.forget('C0INCIDENT1');
    await check.check({ channelId: 'C0INCIDENT1' });
    expect(calls()).toBe(4);
  });

  it('never remembers a refusal: an invitation takes effect at once', async () => {
    let member = false;
    const { slack, calls } = gateway(() => channel({ isMember: member }));
    const check = new ChannelCheck({ slack, logger, now: () => 0 });
    expect(await check.check({ channelId: 'C0INCIDENT1' })).toEqual({ kind: 'cannot-post', reason: 'private-not-invited' });
    member = true;
    expect(await check.check({ channelId: 'C0INCIDENT1' })).toEqual({ kind: 'can-post' });
    expect(calls()).toBe(2);
  });

  it('stops asking for a while when the app lacks the scope, and goes ahead', async () => {
    let now = 0;
    const { slack, calls } = gateway(() => new SlackCallError('conversations.info', 'missing_scope', 'missing_scope'));
    const check = new ChannelCheck({ slack, logger, now: () => now });
    expect(await check.check({ channelId: 'C0AAAAAAAA' })).toEqual({ kind: 'unknown', code: 'missing_scope' });
    expect(await check.check({ channelId: 'C0BBBBBBBB' })).toEqual({ kind: 'unknown', code: 'missing_scope' });
    expect(calls()).toBe(1);
    now = 11 * 60_000;
    await check.check({ channelId: 'C0BBBBBBBB' });
    expect(calls()).toBe(2);
  });
});
