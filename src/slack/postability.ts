/**
 * Can pymem post in the conversation a request came from? Decided from conversations.info (or the
 * error it answered), with the slash command's channel name as a hint for conversations the bot
 * cannot even see. Pure; the advice fits the kind of conversation (inviting the bot into a direct
 * message between two people is impossible, into a private channel it is the fix).
 */

import type { ConversationInfo } from './gateway';

export type CannotPostReason = 'dm-with-others' | 'group-dm' | 'private-not-invited' | 'archived';

export type Postability =
  | { readonly kind: 'can-post' }
  | { readonly kind: 'cannot-post'; readonly reason: CannotPostReason }
  /** Slack did not say (missing scope, rate limit, no answer): try, and handle a refusal when posting. */
  | { readonly kind: 'unknown'; readonly code: string };

export interface ChannelHint {
  readonly channelId: string;
  /** `channel_name` of a slash command: `directmessage`, `privategroup`, `mpdm-…`, or the channel's name. */
  readonly channelName?: string | null;
}

export type ConversationLookup = { readonly ok: true; readonly info: ConversationInfo } | { readonly ok: false; readonly code: string };

/** Slack's errors, on any call, that mean pymem cannot post in that channel at all. */
export const CANNOT_POST_CODES: ReadonlySet<string> = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);

export function postabilityOf(lookup: ConversationLookup, hint: ChannelHint): Postability {
  if (lookup.ok) {
    const { info } = lookup;
    if (info.isArchived) return { kind: 'cannot-post', reason: 'archived' };
    switch (info.kind) {
      case 'im':
        return { kind: 'can-post' };
      case 'mpim':
        return info.isMember ? { kind: 'can-post' } : { kind: 'cannot-post', reason: 'group-dm' };
      case 'private':
        return info.isMember ? { kind: 'can-post' } : { kind: 'cannot-post', reason: 'private-not-invited' };
      case 'public':
        // chat:write.public: no invitation needed.
        return { kind: 'can-post' };
      default: {
        const unknown: never = info.kind;
        return { kind: 'unknown', code: String(unknown) };
      }
    }
  }
  const reason = reasonFromError(lookup.code, hint);
  return reason === null ? { kind: 'unknown', code: lookup.code } : { kind: 'cannot-post', reason };
}

/** Why a call into this channel failed, when the error means pymem cannot post there; null otherwise. */
export function reasonFromError(code: string, hint: ChannelHint): CannotPostReason | null {
  switch (code) {
    case 'is_archived':
      return 'archived';
    case 'not_in_channel':
      return 'private-not-invited';
    case 'channel_not_found': {
      // Slack hides conversations the bot is not part of; the id and the command's channel name tell which kind.
      const name = hint.channelName ?? '';
      if (hint.channelId.startsWith('D') || name === 'directmessage') return 'dm-with-others';
      if (name.startsWith('mpdm-')) return 'group-dm';
      return 'private-not-invited';
    }
    default:
      return null;
  }
}

/** What to tell the person who asked, and what to do instead. */
export function cannotPostText(reason: CannotPostReason): string {
  switch (reason) {
    case 'dm-with-others':
      return ':no_entry: pymem cannot post in a direct message between other people: Slack does not let apps into those conversations. Run the command in an incident channel, or in your own direct message with pymem (its *Messages* tab).';
    case 'group-dm':
      return ':no_entry: pymem cannot post in this group direct message: Slack does not let apps join one. Run the command in a channel instead (for a private one, invite pymem first with `/invite @pymem`).';
    case 'private-not-invited':
      return ':no_entry: pymem is not a member of this private channel, so it cannot post here. Invite it with `/invite @pymem`, then run the command again.';
    case 'archived':
      return ':no_entry: This channel is archived, so nothing can be posted in it. Unarchive it, or run the command in another channel.';
    default: {
      const unknown: never = reason;
      return String(unknown);
    }
  }
}

/** Short form, stored as the reason a channel's digests are paused and shown by `/pymem list`. */
export function pauseReasonText(reason: CannotPostReason): string {
  switch (reason) {
    case 'dm-with-others':
      return 'this is a direct message pymem is not part of';
    case 'group-dm':
      return 'this is a group direct message pymem is not part of';
    case 'private-not-invited':
      return 'pymem is not a member of this private channel (invite it with `/invite @pymem`)';
    case 'archived':
      return 'the channel is archived';
    default: {
      const unknown: never = reason;
      return String(unknown);
    }
  }
}
