import { describe, expect, it } from 'vitest';
import { cannotPostText, postabilityOf, reasonFromError } from '../../src/slack/postability';
import type { ConversationInfo } from '../../src/slack/gateway';

const info = (over: Partial<ConversationInfo>): { ok: true; info: ConversationInfo } => ({ ok: true, info: { id: 'C0CHANNEL1', kind: 'public', isArchived: false, isMember: false, ...over } });

describe('postabilityOf', () => {
  it('lets pymem post in public channels (chat:write.public), its own DMs, and conversations it is in', () => {
    expect(postabilityOf(info({ kind: 'public', isMember: false }), { channelId: 'C0CHANNEL1' })).toEqual({ kind: 'can-post' });
    expect(postabilityOf(info({ kind: 'private', isMember: true }), { channelId: 'C0CHANNEL1' })).toEqual({ kind: 'can-post' });
    expect(postabilityOf(info({ id: 'D0DIRECT01', kind: 'im', isMember: true }), { channelId: 'D0DIRECT01' })).toEqual({ kind: 'can-post' });
    expect(postabilityOf(info({ kind: 'mpim', isMember: true }), { channelId: 'G0GROUPDM1' })).toEqual({ kind: 'can-post' });
  });

  it('refuses archived channels and private conversations pymem is not in, with the reason', () => {
    expect(postabilityOf(info({ isArchived: true, isMember: true }), { channelId: 'C0CHANNEL1' })).toEqual({ kind: 'cannot-post', reason: 'archived' });
    expect(postabilityOf(info({ kind: 'private' }), { channelId: 'C0CHANNEL1' })).toEqual({ kind: 'cannot-post', reason: 'private-not-invited' });
    expect(postabilityOf(info({ kind: 'mpim' }), { channelId: 'G0GROUPDM1' })).toEqual({ kind: 'cannot-post', reason: 'group-dm' });
  });

  it('tells conversations Slack hides from the bot apart by id and channel name', () => {
    const hidden = { ok: false as const, code: 'channel_not_found' };
    expect(postabilityOf(hidden, { channelId: 'D0DIRECT02', channelName: 'directmessage' })).toEqual({ kind: 'cannot-post', reason: 'dm-with-others' });
    expect(postabilityOf(hidden, { channelId: 'C0HIDDEN01', channelName: 'mpdm-alice--bob--carol-1' })).toEqual({ kind: 'cannot-post', reason: 'group-dm' });
    expect(postabilityOf(hidden, { channelId: 'C0HIDDEN02', channelName: 'privategroup' })).toEqual({ kind: 'cannot-post', reason: 'private-not-invited' });
    expect(postabilityOf({ ok: false, code: 'is_archived' }, { channelId: 'C0CHANNEL1' })).toEqual({ kind: 'cannot-post', reason: 'archived' });
  });

  it('goes ahead when Slack does not say (missing scope, rate limit, no answer)', () => {
    for (const code of ['missing_scope', 'ratelimited', 'transport', 'http_500']) {
      expect(postabilityOf({ ok: false, code }, { channelId: 'C0CHANNEL1' })).toEqual({ kind: 'unknown', code });
    }
    expect(reasonFromError('invalid_blocks', { channelId: 'C0CHANNEL1' })).toBeNull();
  });

  it('gives advice that fits the conversation', () => {
    expect(cannotPostText('private-not-invited')).toContain('/invite @pymem');
    expect(cannotPostText('dm-with-others')).not.toContain('/invite');
    expect(cannotPostText('dm-with-others')).toContain('direct message with pymem');
    expect(cannotPostText('group-dm')).toContain('Run the command in a channel');
    expect(cannotPostText('archived')).toContain('archived');
  });
});
