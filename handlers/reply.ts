/** How every handler answers the requester after the acknowledgement: one shape, shared. */

import type { RespondFn } from '@slack/bolt';
import { ephemeralReply } from '../src/slack/blocks';
import type { Reply } from '../src/slack/gateway';

/** Replies only the requester sees, through the request's response_url. */
export function replyVia(respond: RespondFn): Reply {
  return async (message) => {
    await respond(ephemeralReply(message));
  };
}
