/**
 * SlackGateway over @slack/web-api's WebClient (Bolt's app.client). The client is set up to reject a
 * 429 at once and not to retry (see createBoltApp); waiting and retrying happen here, in lanes per
 * method and channel, so one rate-limited channel does not hold up the others.
 */

import type { HomeView } from '@slack/types';
import { ErrorCode, type WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { SlackMessage } from './blocks';
import { SlackCallError, type ConversationInfo, type SlackGateway } from './gateway';
import type { IncidentSlack } from './incident-gateway';
import { SlackLanes, type AttemptFailure, type CallOptions } from './lanes';
import { noTelemetry, type Telemetry } from '../observability/telemetry';

export interface GatewayOptions {
  /** How long a call keeps being retried after 429s and Slack-side failures, ms. */
  readonly retryDeadlineMs?: number;
  /** Calls in flight at once per method and channel. */
  readonly laneConcurrency?: number;
}

/** Slack's errors that mean "try again shortly", besides HTTP 429 and 5xx. */
const TRANSIENT_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

export class WebApiGateway implements SlackGateway, IncidentSlack {
  private readonly lanes: SlackLanes;
  #workspaceUrl: Promise<string | null> | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly telemetry: Telemetry = noTelemetry,
    options: GatewayOptions = {},
  ) {
    this.lanes = new SlackLanes({
      deadlineMs: options.retryDeadlineMs ?? 30_000,
      concurrency: options.laneConcurrency ?? 3,
      classify: classifyAttempt,
      onRateLimited: (method) => this.telemetry.slackRateLimited(method),
    });
  }

  async postMessage(channel: string, message: SlackMessage, options: { threadTs?: string } = {}): Promise<{ ts: string }> {
    // Not retried after a 5xx or a lost answer: Slack may have posted it, and a second report would
    // split the checklist. A 429 is safe to retry (nothing was posted).
    const result = await this.call(
      'chat.postMessage',
      channel,
      () =>
        this.client.chat.postMessage({
          channel,
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
        }),
      { retryServerErrors: false },
    );
    if (typeof result.ts !== 'string') throw new SlackCallError('chat.postMessage', 'no_ts', 'chat.postMessage answered without a message ts');
    return { ts: result.ts };
  }

  async updateMessage(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.call('chat.update', channel, () => this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks }));
  }

  async postEphemeral(channel: string, user: string, message: SlackMessage): Promise<void> {
    await this.call('chat.postEphemeral', channel, () => this.client.chat.postEphemeral({ channel, user, text: message.text, blocks: message.blocks }), {
      retryServerErrors: false,
    });
  }

  async uploadImage(png: Buffer, filename: string, title: string): Promise<string> {
    // No channel: the file stays private to the bot and shows up only where a message references it.
    // A retried upload starts over with a new file; an abandoned one is never shown anywhere.
    const result = await this.call('files.uploadV2', null, () => this.client.filesUploadV2({ file: png, filename, title }));
    const id = fileIdOf(result);
    if (!id) throw new SlackCallError('files.uploadV2', 'no_file_id', 'the upload finished without a file id');
    return id;
  }

  async conversationInfo(channel: string, options: { deadlineMs?: number } = {}): Promise<ConversationInfo> {
    const result = await this.call('conversations.info', channel, () => this.client.conversations.info({ channel }), options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {});
    const parsed = conversationShape.safeParse(result.channel);
    if (!parsed.success) throw new SlackCallError('conversations.info', 'bad_response', `conversations.info answered without the channel's kind: ${z.prettifyError(parsed.error)}`);
    const c = parsed.data;
    const kind = c.is_im ? 'im' : c.is_mpim ? 'mpim' : c.is_private || c.is_group ? 'private' : 'public';
    // A direct message the bot can read at all is one of its own.
    return { id: c.id, kind, isArchived: c.is_archived ?? false, isMember: kind === 'im' ? true : (c.is_member ?? false) };
  }

  async uploadThreadFile(file: Parameters<IncidentSlack['uploadThreadFile']>[0]): Promise<string> {
    // Shared in the channel as it completes: like postMessage, not repeated after a 5xx or a lost
    // answer (the file may be in the thread already).
    const result = await this.call(
      'files.uploadV2',
      file.channel,
      () => {
        const common = { file: file.content, filename: file.filename, title: file.title, channel_id: file.channel, initial_comment: file.comment };
        // Two calls rather than one with an optional thread_ts: the client's types tell a thread upload apart.
        return file.threadTs !== null ? this.client.filesUploadV2({ ...common, thread_ts: file.threadTs }) : this.client.filesUploadV2(common);
      },
      { retryServerErrors: false },
    );
    const id = fileIdOf(result);
    if (!id) throw new SlackCallError('files.uploadV2', 'no_file_id', 'the upload finished without a file id');
    return id;
  }

  /** The workspace's URL (auth.test), asked once; for links to messages. */
  workspaceUrl(): Promise<string | null> {
    this.#workspaceUrl ??= this.call('auth.test', null, () => this.client.auth.test()).then(
      (result) => (typeof result.url === 'string' && result.url !== '' ? result.url : null),
      (error: unknown) => {
        // Asked again next time rather than remembered as unknown.
        this.#workspaceUrl = undefined;
        throw error;
      },
    );
    return this.#workspaceUrl;
  }

  async publishHome(userId: string, view: HomeView): Promise<void> {
    await this.call('views.publish', null, () => this.client.views.publish({ user_id: userId, view }));
  }

  async memberChannels(userId: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    // 1,000 per page; a user in more than 10,000 conversations sees the first 10,000 here.
    for (let page = 0; page < 10; page++) {
      const result = await this.call('users.conversations', null, () =>
        this.client.users.conversations({
          user: userId,
          types: 'public_channel,private_channel,mpim,im',
          exclude_archived: true,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        }),
      );
      const parsed = userConversationsShape.safeParse(result);
      if (!parsed.success) throw new SlackCallError('users.conversations', 'bad_response', `users.conversations answered without channels: ${z.prettifyError(parsed.error)}`);
      ids.push(...parsed.data.channels.map((c) => c.id));
      cursor = parsed.data.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return ids;
  }

  private async call<T>(method: string, channel: string | null, fn: () => Promise<T>, options: CallOptions = {}): Promise<T> {
    try {
      return await this.lanes.run(method, channel, async () => {
        try {
          return await fn();
        } catch (error) {
          throw toSlackCallError(method, error);
        }
      }, options);
    } catch (error) {
      const failure = error instanceof SlackCallError ? error : toSlackCallError(method, error);
      this.telemetry.slackError(method, failure.code);
      throw failure;
    }
  }
}

const conversationShape = z.looseObject({
  id: z.string(),
  is_im: z.boolean().optional(),
  is_mpim: z.boolean().optional(),
  is_private: z.boolean().optional(),
  is_group: z.boolean().optional(),
  is_archived: z.boolean().optional(),
  is_member: z.boolean().optional(),
});

const userConversationsShape = z.looseObject({
  channels: z.array(z.looseObject({ id: z.string() })),
  response_metadata: z.looseObject({ next_cursor: z.string().optional() }).optional(),
});

/** Whether and when a failed attempt is worth repeating. */
export function classifyAttempt(error: unknown): AttemptFailure {
  if (!(error instanceof SlackCallError)) return { kind: 'final' };
  if (error.code === 'ratelimited') return { kind: 'rate-limited', retryAfterMs: error.retryAfterMs ?? 1_000 };
  if (error.code === 'transport' || /^http_5\d\d$/.test(error.code) || TRANSIENT_PLATFORM_ERRORS.has(error.code)) return { kind: 'retryable' };
  return { kind: 'final' };
}

/**
 * filesUploadV2 answers `{ files: [{ ok, files: [{ id }] }] }`: one completion per upload job
 * (older versions put the id on the job itself). Parsed like every other boundary; anything else
 * is "no file id", which the caller reports.
 */
const withId = z.object({ id: z.string() });
const uploadResult = z.object({
  files: z.array(z.object({ id: z.string().optional(), files: z.array(z.unknown()).optional() })),
});

export function fileIdOf(result: unknown): string | null {
  const parsed = uploadResult.safeParse(result);
  if (!parsed.success) return null;
  for (const job of parsed.data.files) {
    for (const file of job.files ?? []) {
      const inner = withId.safeParse(file);
      if (inner.success) return inner.data.id;
    }
    if (job.id !== undefined) return job.id;
  }
  return null;
}

/** @slack/web-api's coded errors as SlackCallErrors; rate limits keep their Retry-After. */
export function toSlackCallError(method: string, error: unknown): SlackCallError {
  if (error instanceof SlackCallError) return error;
  const e = error as { code?: unknown; data?: { error?: unknown }; message?: unknown; retryAfter?: unknown; statusCode?: unknown };
  if (e.code === ErrorCode.PlatformError && typeof e.data?.error === 'string') {
    return new SlackCallError(method, e.data.error, `${method} failed: ${e.data.error}`, { cause: error });
  }
  if (e.code === ErrorCode.RateLimitedError) {
    const seconds = typeof e.retryAfter === 'number' && Number.isFinite(e.retryAfter) && e.retryAfter >= 0 ? e.retryAfter : 1;
    return new SlackCallError(method, 'ratelimited', `${method} was rate limited by Slack (retry after ${seconds} s)`, { cause: error, retryAfterMs: seconds * 1000 });
  }
  if (e.code === ErrorCode.HTTPError) {
    const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
    return new SlackCallError(method, `http_${status}`, `${method} failed: Slack answered HTTP ${status}`, { cause: error });
  }
  if (e.code === ErrorCode.RequestError) {
    return new SlackCallError(method, 'transport', `${method} could not reach Slack: ${String(e.message ?? error)}`, { cause: error });
  }
  return new SlackCallError(method, 'unknown', `${method} failed: ${String(e.message ?? error)}`, { cause: error });
}
