/** What the playground page may send, parsed with zod at the boundary. */

import { z } from 'zod';
import { CHANNEL_IDS, USER_IDS } from './directory';

/** Longer than anything a person types into a composer; Slack caps message text far below this. */
const MAX_TEXT = 4_000;
/** Slack's own limits on action ids, block ids and option values. */
const MAX_ID = 255;
const MAX_VALUE = 2_000;
/** A checkboxes element holds at most 10 options on Slack; leave room. */
const MAX_SELECTED = 100;

const channel = z.enum(CHANNEL_IDS);
const user = z.enum(USER_IDS);
/** Slack message ts: seconds, a dot, six digits of microseconds. */
const ts = z.string().regex(/^\d{1,12}\.\d{6}$/, 'expected a Slack message ts such as 1712345678.000100');

export const StateQuery = z.object({ channel, user }).strict();

export const CommandBody = z.object({ channel, user, text: z.string().min(1).max(MAX_TEXT) }).strict();

export const ActionBody = z
  .object({
    channel,
    user,
    messageTs: ts,
    actionId: z.string().min(1).max(MAX_ID),
    blockId: z.string().max(MAX_ID).optional(),
    /** A button's value; informative only, the payload carries the value the bot put on the button. */
    value: z.string().max(MAX_VALUE).optional(),
    /** The whole selection after the click: an array for checkboxes, one value for a select. */
    selected: z.union([z.string().max(MAX_VALUE), z.array(z.string().max(MAX_VALUE)).max(MAX_SELECTED)]).optional(),
  })
  .strict();

/** GET /api/home?user= and POST /api/home/open: whose Home tab. */
export const HomeBody = z.object({ user }).strict();

/** Playground-only demo controls: deploy a fix to a demo service, move the demo clock on. */
export const DemoFixBody = z.object({ service: z.string().min(1).max(100) }).strict();
export const DemoSkipBody = z.object({ minutes: z.number().int().min(1).max(24 * 60) }).strict();

export const DigestBody = z.object({ channel }).strict();

export type CommandInput = z.infer<typeof CommandBody>;
export type ActionInput = z.infer<typeof ActionBody>;

/** One readable line per problem, e.g. `channel: Invalid option: expected one of ...`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`);
}
