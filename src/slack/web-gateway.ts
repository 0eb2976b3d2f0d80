/** SlackGateway over @slack/web-api's WebClient (Bolt's app.client). */

import { ErrorCode, type WebClient } from '@slack/web-api';
import type { SlackMessage } from './blocks';
import { SlackCallError, type SlackGateway } from './gateway';
import { noTelemetry, type Telemetry } from '../observability/telemetry';

export class WebApiGateway implements SlackGateway {
  constructor(
    private readonly client: WebClient,
    private readonly telemetry: Telemetry = noTelemetry,
  ) {}

  async postMessage(channel: string, message: SlackMessage, options: { threadTs?: string } = {}): Promise<{ ts: string }> {
    const result = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
        ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
      }),
    );
    if (typeof result.ts !== 'string') throw new SlackCallError('chat.postMessage', 'no_ts', 'chat.postMessage answered without a message ts');
    return { ts: result.ts };
  }

  async updateMessage(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.call('chat.update', () => this.client.chat.update({ channel, ts, text: message.text, blocks: message.blocks }));
  }

  async postEphemeral(channel: string, user: string, message: SlackMessage): Promise<void> {
    await this.call('chat.postEphemeral', () => this.client.chat.postEphemeral({ channel, user, text: message.text, blocks: message.blocks }));
  }

  async uploadImage(png: Buffer, filename: string, title: string): Promise<string> {
    // No channel: the file stays private to the bot and shows up only where a message references it.
    const result = await this.call('files.uploadV2', () => this.client.filesUploadV2({ file: png, filename, title }));
    const id = fileIdOf(result);
    if (!id) throw new SlackCallError('files.uploadV2', 'no_file_id', 'the upload finished without a file id');
    return id;
  }

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const failure = toSlackCallError(method, error);
      this.telemetry.slackError(method, failure.code);
      throw failure;
    }
  }
}

/** filesUploadV2 answers `{ files: [{ ok, files: [{ id }] }] }`: one completion per upload job. */
function fileIdOf(result: unknown): string | null {
  const outer = (result as { files?: unknown }).files;
  if (!Array.isArray(outer)) return null;
  for (const job of outer) {
    const inner = (job as { files?: unknown }).files;
    if (Array.isArray(inner)) {
      for (const file of inner) {
        const id = (file as { id?: unknown }).id;
        if (typeof id === 'string') return id;
      }
    }
    const direct = (job as { id?: unknown }).id;
    if (typeof direct === 'string') return direct;
  }
  return null;
}

function toSlackCallError(method: string, error: unknown): SlackCallError {
  const e = error as { code?: unknown; data?: { error?: unknown }; message?: unknown };
  if (e.code === ErrorCode.PlatformError && typeof e.data?.error === 'string') {
    return new SlackCallError(method, e.data.error, `${method} failed: ${e.data.error}`, { cause: error });
  }
  if (e.code === ErrorCode.RateLimitedError) return new SlackCallError(method, 'ratelimited', `${method} was rate limited by Slack`, { cause: error });
  if (e.code === ErrorCode.RequestError || e.code === ErrorCode.HTTPError) {
    return new SlackCallError(method, 'transport', `${method} could not reach Slack: ${String(e.message ?? error)}`, { cause: error });
  }
  return new SlackCallError(method, 'unknown', `${method} failed: ${String(e.message ?? error)}`, { cause: error });
}
