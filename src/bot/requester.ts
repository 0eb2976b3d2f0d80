/** Whoever asked for the work in progress, and the one way every service answers them after the acknowledgement. */

import type { Logger } from 'pino';
import type { SlackMessage } from '../slack/blocks';
import type { Reply, SlackGateway } from '../slack/gateway';

export interface Requester {
  readonly reply: Reply;
  readonly channelId: string;
  readonly userId: string;
  readonly log: Logger;
}

/**
 * Replies to the requester only; when the response_url fails (expired, Slack down), as an ephemeral
 * message in the channel. Never throws: a reply that cannot be delivered is logged.
 */
export async function tellRequester(slack: Pick<SlackGateway, 'postEphemeral'>, who: Requester, message: SlackMessage): Promise<void> {
  try {
    await who.reply(message);
    return;
  } catch (error) {
    who.log.warn({ err: error }, 'could not reply through the response_url; trying an ephemeral message');
  }
  try {
    await slack.postEphemeral(who.channelId, who.userId, message);
  } catch (error) {
    who.log.error({ err: error, text: message.text }, 'could not tell the requester at all');
  }
}
