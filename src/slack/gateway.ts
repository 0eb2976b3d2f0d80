/** What pymem needs from Slack's Web API, behind an interface the bot logic can be tested against. */

import type { SlackMessage } from './blocks';

export interface SlackGateway {
  postMessage(channel: string, message: SlackMessage, options?: { readonly threadTs?: string }): Promise<{ readonly ts: string }>;
  updateMessage(channel: string, ts: string, message: SlackMessage): Promise<void>;
  postEphemeral(channel: string, user: string, message: SlackMessage): Promise<void>;
  /** Uploads a PNG privately (shared by referencing it in a message) and returns its file id. */
  uploadImage(png: Buffer, filename: string, title: string): Promise<string>;
  /** What kind of conversation a channel id is and whether pymem is in it (conversations.info); `deadlineMs` bounds retries. */
  conversationInfo(channel: string, options?: { readonly deadlineMs?: number }): Promise<ConversationInfo>;
}

/** The fields of conversations.info pymem decides on. */
export interface ConversationInfo {
  readonly id: string;
  /** public and private channels, a direct message, a group direct message. */
  readonly kind: 'public' | 'private' | 'im' | 'mpim';
  readonly isArchived: boolean;
  /** Whether the bot user is in it (for a direct message: whether it is the bot's own). */
  readonly isMember: boolean;
}

/** A failed Slack call, with Slack's error string (`not_in_channel`, `invalid_blocks`, ...) as its code. */
export class SlackCallError extends Error {
  override readonly name = 'SlackCallError';
  /** For `ratelimited`: how long Slack asked to wait (Retry-After), in ms. */
  readonly retryAfterMs: number | null;
  constructor(
    readonly method: string,
    /**
     * Slack's error string; or `ratelimited` (HTTP 429), `http_<status>` (another HTTP error),
     * `transport` (no answer: network, timeout), `unknown`.
     */
    readonly code: string,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number | null },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }
}

/** The requester's own channel for replies that only they should see (Bolt's respond() to the response_url). */
export type Reply = (message: SlackMessage) => Promise<void>;
