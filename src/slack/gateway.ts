/** What pymem needs from Slack's Web API, behind an interface the bot logic can be tested against. */

import type { SlackMessage } from './blocks';

export interface SlackGateway {
  postMessage(channel: string, message: SlackMessage, options?: { readonly threadTs?: string }): Promise<{ readonly ts: string }>;
  updateMessage(channel: string, ts: string, message: SlackMessage): Promise<void>;
  postEphemeral(channel: string, user: string, message: SlackMessage): Promise<void>;
  /** Uploads a PNG privately (shared by referencing it in a message) and returns its file id. */
  uploadImage(png: Buffer, filename: string, title: string): Promise<string>;
}

/** A failed Slack call, with Slack's error string (`not_in_channel`, `invalid_blocks`, ...) as its code. */
export class SlackCallError extends Error {
  override readonly name = 'SlackCallError';
  constructor(
    readonly method: string,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The requester's own channel for replies that only they should see (Bolt's respond() to the response_url). */
export type Reply = (message: SlackMessage) => Promise<void>;
