/**
 * SlackGateway in memory: it keeps the messages pymem posted and edited, records every call, and
 * answers as Slack (and the stand-in, src/slack-standin/workspace.ts) does for the conversations it
 * knows: a public channel takes posts without an invitation (chat:write.public); a private one, a DM
 * or a group DM the bot is not in is hidden (`channel_not_found`); an archived one refuses every post
 * and edit (`is_archived`). Other failures (`not_in_channel`, `ratelimited`, ...) are scripted per
 * method with `failNext`, and a method can be held to order a race.
 *
 * Errors are SlackCallError with Slack's code, as WebApiGateway throws them after its own retries.
 */

import type { HomeView } from '@slack/types';
import type { SlackMessage } from '../../../src/slack/blocks';
import { SlackCallError, type ConversationInfo, type SlackGateway } from '../../../src/slack/gateway';
import type { IncidentSlack } from '../../../src/slack/incident-gateway';

export type SlackMethod = 'chat.postMessage' | 'chat.update' | 'chat.postEphemeral' | 'files.uploadV2' | 'conversations.info' | 'views.publish' | 'users.conversations';

export type SlackCall =
  | { readonly method: 'chat.postMessage'; readonly channel: string; readonly message: SlackMessage; readonly threadTs: string | null }
  | { readonly method: 'chat.update'; readonly channel: string; readonly ts: string; readonly message: SlackMessage }
  | { readonly method: 'chat.postEphemeral'; readonly channel: string; readonly user: string; readonly message: SlackMessage }
  | { readonly method: 'files.uploadV2'; readonly filename: string; readonly title: string; readonly bytes: number; readonly channel?: string; readonly threadTs?: string | null }
  | { readonly method: 'conversations.info'; readonly channel: string }
  | { readonly method: 'views.publish'; readonly user: string; readonly view: HomeView }
  | { readonly method: 'users.conversations'; readonly user: string };

/** A file shared in a conversation (the timeline's Markdown). */
export interface SharedFile {
  readonly id: string;
  readonly channel: string;
  readonly threadTs: string | null;
  readonly filename: string;
  readonly title: string;
  readonly comment: string;
  readonly content: string;
}

/** A message as the channel shows it now. */
export interface PostedMessage {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs: string | null;
  message: SlackMessage;
  /** chat.update calls applied to it. */
  edits: number;
}

interface ScriptedFailure {
  readonly code: string;
  readonly retryAfterMs: number | null;
  times: number;
}

export class FakeSlackGateway implements SlackGateway, IncidentSlack {
  /** Every call, failed ones included, in the order they arrived. */
  readonly calls: SlackCall[] = [];
  readonly messages: PostedMessage[] = [];
  readonly ephemerals: { channel: string; user: string; message: SlackMessage }[] = [];
  readonly files: SharedFile[] = [];
  /** Each user's Home tab as last published. */
  readonly homes = new Map<string, HomeView>();
  private readonly memberships = new Map<string, string[]>();
  private readonly conversations = new Map<string, ConversationInfo | 'channel_not_found'>();
  private readonly failures = new Map<SlackMethod, ScriptedFailure[]>();
  private readonly holds = new Map<SlackMethod, Promise<void>>();
  private nextTs = 0;
  private uploads = 0;

  /** What conversations.info says of a channel; unknown channels are public ones pymem is in. */
  setConversation(channel: string, info: Partial<Omit<ConversationInfo, 'id'>> | 'channel_not_found'): void {
    this.conversations.set(channel, info === 'channel_not_found' ? info : { id: channel, kind: 'public', isArchived: false, isMember: true, ...info });
  }

  /** The conversations users.conversations lists for a user (none unless set). */
  setMemberships(user: string, channels: readonly string[]): void {
    this.memberships.set(user, [...channels]);
  }

  /** The next `times` calls of `method` fail with Slack's `code` (`ratelimited` carries a Retry-After). */
  failNext(method: SlackMethod, code: string, options: { readonly times?: number; readonly retryAfterMs?: number } = {}): void {
    const queue = this.failures.get(method) ?? [];
    queue.push({ code, retryAfterMs: options.retryAfterMs ?? (code === 'ratelimited' ? 1_000 : null), times: options.times ?? 1 });
    this.failures.set(method, queue);
  }

  /** Calls of `method` wait (already recorded) until the returned function is called. */
  hold(method: SlackMethod): () => void {
    let release!: () => void;
    this.holds.set(method, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.holds.delete(method);
      release();
    };
  }

  /** The message at (channel, ts) as it reads now. */
  message(channel: string, ts: string): PostedMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  callsTo<M extends SlackMethod>(method: M): Extract<SlackCall, { method: M }>[] {
    return this.calls.filter((c): c is Extract<SlackCall, { method: M }> => c.method === method);
  }

  async postMessage(channel: string, message: SlackMessage, options: { readonly threadTs?: string } = {}): Promise<{ readonly ts: string }> {
    await this.enter({ method: 'chat.postMessage', channel, message, threadTs: options.threadTs ?? null });
    this.refuseUnpostable('chat.postMessage', channel);
    const ts = `1772452800.${String(++this.nextTs).padStart(6, '0')}`;
    this.messages.push({ channel, ts, threadTs: options.threadTs ?? null, message, edits: 0 });
    return { ts };
  }

  async updateMessage(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.enter({ method: 'chat.update', channel, ts, message });
    this.refuseUnpostable('chat.update', channel);
    const posted = this.message(channel, ts);
    if (!posted) throw new SlackCallError('chat.update', 'message_not_found', `no message ${ts} in ${channel}`);
    posted.message = message;
    posted.edits++;
  }

  async postEphemeral(channel: string, user: string, message: SlackMessage): Promise<void> {
    await this.enter({ method: 'chat.postEphemeral', channel, user, message });
    this.refuseUnpostable('chat.postEphemeral', channel);
    this.ephemerals.push({ channel, user, message });
  }

  async uploadImage(png: Buffer, filename: string, title: string): Promise<string> {
    await this.enter({ method: 'files.uploadV2', filename, title, bytes: png.length });
    return `F0CHART${++this.uploads}`;
  }

  async uploadThreadFile(file: Parameters<IncidentSlack['uploadThreadFile']>[0]): Promise<string> {
    await this.enter({ method: 'files.uploadV2', filename: file.filename, title: file.title, bytes: file.content.length, channel: file.channel, threadTs: file.threadTs });
    this.refuseUnpostable('files.uploadV2', file.channel);
    const id = `F0FILE${++this.uploads}`;
    this.files.push({ id, channel: file.channel, threadTs: file.threadTs, filename: file.filename, title: file.title, comment: file.comment, content: file.content.toString('utf8') });
    return id;
  }

  async publishHome(userId: string, view: HomeView): Promise<void> {
    await this.enter({ method: 'views.publish', user: userId, view });
    this.homes.set(userId, view);
  }

  async memberChannels(userId: string): Promise<string[]> {
    await this.enter({ method: 'users.conversations', user: userId });
    return [...(this.memberships.get(userId) ?? [])];
  }

  async conversationInfo(channel: string): Promise<ConversationInfo> {
    await this.enter({ method: 'conversations.info', channel });
    const info = this.conversations.get(channel) ?? { id: channel, kind: 'public', isArchived: false, isMember: true };
    if (info === 'channel_not_found' || hidden(info)) throw new SlackCallError('conversations.info', 'channel_not_found', `conversations.info: channel_not_found (${channel})`);
    return info;
  }

  /** Records the call, waits while the method is held, then throws the next scripted failure, if any. */
  private async enter(call: SlackCall): Promise<void> {
    this.calls.push(call);
    const held = this.holds.get(call.method);
    if (held) await held;
    const queue = this.failures.get(call.method);
    const next = queue?.[0];
    if (!queue || !next) return;
    if (--next.times <= 0) queue.shift();
    throw new SlackCallError(call.method, next.code, `${call.method}: ${next.code} (scripted)`, { retryAfterMs: next.retryAfterMs });
  }

  private refuseUnpostable(method: SlackMethod, channel: string): void {
    const info = this.conversations.get(channel);
    if (info === undefined) return;
    const code = hidden(info) ? 'channel_not_found' : info !== 'channel_not_found' && info.isArchived ? 'is_archived' : null;
    if (code !== null) throw new SlackCallError(method, code, `${method}: ${code} (${channel})`);
  }
}

/** Slack hides a conversation that does not exist, and a non-public one the bot is not in. */
function hidden(info: ConversationInfo | 'channel_not_found'): boolean {
  return info === 'channel_not_found' || (info.kind !== 'public' && !info.isMember);
}
