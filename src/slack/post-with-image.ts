/**
 * Posting a message that shows an uploaded image: Slack sometimes refuses the image block for a
 * file it is still processing (invalid_blocks); try again shortly, then post without the image
 * rather than not at all.
 */

import type { Logger } from 'pino';
import type { SlackMessage } from './blocks';
import { SlackCallError, type SlackGateway } from './gateway';

export interface ImageChoice {
  readonly fileId: string | null;
  readonly problem: string | null;
}

export type PostResult =
  | { readonly ok: true; readonly ts: string; readonly image: ImageChoice }
  | { readonly ok: false; readonly code: string; readonly error: unknown };

export async function postWithImage(
  slack: SlackGateway,
  channel: string,
  image: ImageChoice,
  build: (image: ImageChoice) => SlackMessage,
  options: { readonly threadTs?: string; readonly retryDelayMs?: number; readonly logger: Logger },
): Promise<PostResult> {
  let current = image;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const { ts } = await slack.postMessage(channel, build(current), options.threadTs ? { threadTs: options.threadTs } : {});
      return { ok: true, ts, image: current };
    } catch (error) {
      const code = error instanceof SlackCallError ? error.code : 'unknown';
      if (code === 'invalid_blocks' && current.fileId !== null) {
        if (attempt === 0) {
          await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 1_500));
          continue;
        }
        options.logger.warn({ channel }, 'Slack would not show the uploaded image; posting without it');
        current = { fileId: null, problem: 'Slack could not display the uploaded chart; the rest is complete.' };
        continue;
      }
      return { ok: false, code, error };
    }
  }
  return { ok: false, code: 'invalid_blocks', error: new Error('Slack refused the message even without its image') };
}
