/**
 * Plays Slack's part between the page and the bot: what a person typed or clicked becomes the
 * signed request Slack would send (a slash command body, a block_actions payload built from the
 * message as the stand-in holds it now) and goes to the bot's own `/slack/events`. Nothing here
 * calls into the bot's handlers directly.
 */

import type { Logger } from 'pino';
import { z } from 'zod';
import type { SlackStandIn } from '../slack-standin/server';
import type { StandInChange, StandInMessage } from '../slack-standin/workspace';
import {
  type ActionClick,
  BlockActionError,
  blockActionPayload,
  blockActionsBody,
  eventCallbackBody,
  newTriggerId,
  postToBot,
  slashCommandBody,
} from '../slack-standin/signed-requests';
import { channelById, PLAYGROUND_COMMAND, PLAYGROUND_TEAM, userById } from './directory';
import { PlaygroundError } from './errors';
import type { ActionInput, CommandInput } from './schemas';

export interface BridgeDeps {
  readonly standIn: SlackStandIn;
  /** The bot's request URL, `http://127.0.0.1:<port>/slack/events`. */
  readonly eventsUrl: string;
  readonly signingSecret: string;
  readonly logger: Logger;
}

export type CommandOutcome =
  /** Sent to the bot; `shown` tells whether the acknowledgement carried a message (shown like Slack does). */
  | { readonly kind: 'sent'; readonly status: number; readonly ms: number; readonly shown: boolean }
  /** Not for the bot: a note for the person, shown only on the page. */
  | { readonly kind: 'notice'; readonly text: string };

export interface ActionOutcome {
  readonly status: number;
  readonly ms: number;
}

/** The message part of an acknowledgement body; Slack shows it to the user who ran the command. */
const AckMessage = z.object({
  response_type: z.enum(['ephemeral', 'in_channel']).optional(),
  text: z.string().optional(),
  blocks: z.array(z.record(z.string(), z.unknown())).optional(),
});

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The type of the interactive element with this action_id (and block_id, when given) in a message. */
export function elementType(message: StandInMessage, actionId: string, blockId: string | undefined): string | undefined {
  for (const block of message.blocks) {
    if (blockId !== undefined && block['block_id'] !== blockId) continue;
    const candidates: unknown[] = [];
    if (block['type'] === 'actions' && Array.isArray(block['elements'])) candidates.push(...(block['elements'] as unknown[]));
    if (block['accessory'] !== undefined) candidates.push(block['accessory']);
    if (block['element'] !== undefined) candidates.push(block['element']);
    for (const element of candidates) {
      if (isObject(element) && element['action_id'] === actionId && typeof element['type'] === 'string') return element['type'];
    }
  }
  return undefined;
}

/** Splits composer text into a slash command and its text, or says why it is not one for pymem. */
export function parseComposerText(raw: string): { readonly ok: true; readonly text: string } | { readonly ok: false; readonly notice: string } {
  const trimmed = raw.trim();
  const match = /^(\/\S+)(?:\s+([\s\S]*))?$/.exec(trimmed);
  if (!match) {
    return {
      ok: false,
      notice: `The playground has no people to talk to, only pymem. Start with \`${PLAYGROUND_COMMAND} help\`, or \`${PLAYGROUND_COMMAND} checkout-api\` for a report.`,
    };
  }
  const command = match[1]!;
  if (command.toLowerCase() !== PLAYGROUND_COMMAND) {
    const shown = command.length > 40 ? `${command.slice(0, 40)}…` : command;
    return { ok: false, notice: `\`${shown}\` is not a command here. The playground only has \`${PLAYGROUND_COMMAND}\`; try \`${PLAYGROUND_COMMAND} help\`.` };
  }
  return { ok: true, text: (match[2] ?? '').trim() };
}

/** Acknowledgement messages remembered for ordering; old ones are forgotten past this many. */
const MAX_REMEMBERED_ACKS = 10_000;

export class SlackBridge {
  /** `channel/ts` of acknowledgement messages -> when the command was sent (ms). */
  private readonly ackTimes = new Map<string, number>();

  constructor(private readonly deps: BridgeDeps) {}

  /**
   * When a message should appear in the channel, in milliseconds: its ts, except for a command's
   * acknowledgement, which Slack shows the moment the bot answers the command, before anything
   * the bot posts afterwards (the playground can only hand it to the stand-in a little later).
   */
  displayTime(channel: string, ts: string): number {
    return this.ackTimes.get(`${channel}/${ts}`) ?? Number(ts) * 1000;
  }

  /** `/pymem …` typed by `user` in `channel`: a signed slash command, exactly as Slack posts it. */
  async command(input: CommandInput): Promise<CommandOutcome> {
    const parsed = parseComposerText(input.text);
    if (!parsed.ok) return { kind: 'notice', text: parsed.notice };
    const { standIn } = this.deps;
    const user = userById(input.user)!;
    const channel = channelById(input.channel)!;
    const body = slashCommandBody({
      command: PLAYGROUND_COMMAND,
      text: parsed.text,
      user_id: user.id,
      user_name: user.handle,
      channel_id: channel.id,
      channel_name: channel.name,
      team_id: standIn.identity.teamId,
      team_domain: standIn.identity.teamDomain,
      api_app_id: standIn.identity.appId,
      trigger_id: newTriggerId(),
      response_url: standIn.createResponseUrl(channel.id, user.id),
    });
    const sentAt = Date.now();
    const answer = await this.post(body);
    const shown = await this.showAcknowledgement(answer.body, channel.id, user.id, sentAt);
    return { kind: 'sent', status: answer.status, ms: answer.ms, shown };
  }

  /** A click on a message element: a signed block_actions payload built from the message as it is now. */
  async action(input: ActionInput): Promise<ActionOutcome> {
    const { standIn } = this.deps;
    const message = standIn.message(input.channel, input.messageTs);
    if (!message || (message.visibleTo !== undefined && message.visibleTo !== input.user)) {
      throw new PlaygroundError('not_found', `there is no message ${input.messageTs} in this channel (it may have been deleted); reload the page`);
    }
    const type = elementType(message, input.actionId, input.blockId);
    if (type === undefined) {
      throw new PlaygroundError('not_found', `message ${input.messageTs} has no element ${input.actionId}${input.blockId !== undefined ? ` in block ${input.blockId}` : ''}; it may have changed, reload the page`);
    }
    const click = clickFor(type, input);
    const user = userById(input.user)!;
    const channel = channelById(input.channel)!;
    let payload;
    try {
      payload = blockActionPayload({
        message,
        user: { id: user.id, username: user.handle, name: user.handle, team_id: standIn.identity.teamId },
        click,
        responseUrl: standIn.createResponseUrl(channel.id, user.id, { messageTs: message.ts }),
        teamId: standIn.identity.teamId,
        teamDomain: standIn.identity.teamDomain,
        apiAppId: standIn.identity.appId,
        channelName: channel.name,
      });
    } catch (error) {
      if (error instanceof BlockActionError) throw new PlaygroundError('bad_request', error.message, { cause: error });
      throw error;
    }
    const answer = await this.post(blockActionsBody(payload));
    return { status: answer.status, ms: answer.ms };
  }

  /**
   * The reader opened pymem's Home tab: Slack sends `app_home_opened` (tab `home`) as an Events API
   * callback, and the bot answers by publishing the view with views.publish.
   */
  async homeOpened(userId: string): Promise<ActionOutcome> {
    const { standIn } = this.deps;
    const user = userById(userId)!;
    const published = standIn.homeView(user.id);
    const body = eventCallbackBody({
      teamId: standIn.identity.teamId,
      apiAppId: standIn.identity.appId,
      event: {
        type: 'app_home_opened',
        user: user.id,
        channel: `D${user.id.slice(1)}`,
        tab: 'home',
        // Slack includes the view the user last saw, once the app has published one.
        ...(published ? { view: { ...published.view, id: `V${user.id.slice(1)}` } } : {}),
      },
    });
    const answer = await this.post(body);
    return { status: answer.status, ms: answer.ms };
  }

  private async post(body: string): Promise<{ status: number; body: string; ms: number }> {
    let answer: { status: number; body: string; ms: number };
    try {
      answer = await postToBot(this.deps.eventsUrl, body, { signingSecret: this.deps.signingSecret, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new PlaygroundError('bot_unreachable', `the bot did not answer at ${this.deps.eventsUrl}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (answer.status < 200 || answer.status > 299) {
      throw new PlaygroundError('bot_refused', `the bot answered HTTP ${answer.status}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`);
    }
    return answer;
  }

  /**
   * Slack shows a message that comes back in a slash command's acknowledgement to the user who ran
   * it (in the channel when `response_type` is in_channel). The stand-in shows whatever arrives at a
   * response_url the same way, so the acknowledgement goes there, checked like any other message.
   */
  private async showAcknowledgement(raw: string, channel: string, user: string, sentAt: number): Promise<boolean> {
    if (raw.trim() === '') return false;
    let message: z.infer<typeof AckMessage>;
    try {
      const parsed = AckMessage.safeParse(JSON.parse(raw));
      if (!parsed.success) return false;
      message = parsed.data;
    } catch {
      message = { text: raw };
    }
    if ((message.text ?? '') === '' && (message.blocks ?? []).length === 0) return false;
    const { standIn } = this.deps;
    const url = standIn.createResponseUrl(channel, user);
    // The stand-in answers a response_url without the new message's ts; catch it as it is posted.
    const posted: string[] = [];
    const listen = (change: StandInChange): void => {
      if (change.kind === 'message_posted' && change.channel === channel) posted.push(change.ts);
    };
    standIn.on('change', listen);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          response_type: message.response_type ?? 'ephemeral',
          ...(message.text !== undefined ? { text: message.text } : {}),
          ...(message.blocks !== undefined ? { blocks: message.blocks } : {}),
        }),
      });
    } finally {
      standIn.off('change', listen);
    }
    for (const ts of posted) {
      const shown = standIn.message(channel, ts);
      // Matched by text: the stand-in, like Slack, adds block_ids to the blocks.
      if (shown?.source === 'response_url' && shown.text === (message.text ?? '')) {
        if (this.ackTimes.size >= MAX_REMEMBERED_ACKS) this.ackTimes.delete(this.ackTimes.keys().next().value!);
        this.ackTimes.set(`${channel}/${ts}`, sentAt);
      }
    }
    if (!response.ok) {
      this.deps.logger.warn({ status: response.status, body: (await response.text()).slice(0, 500) }, 'the Slack stand-in refused the acknowledgement message');
      return false;
    }
    await response.body?.cancel();
    return true;
  }
}

function clickFor(type: string, input: ActionInput): ActionClick {
  const base = { action_id: input.actionId, ...(input.blockId !== undefined ? { block_id: input.blockId } : {}) };
  switch (type) {
    case 'button':
      return { type: 'button', ...base };
    case 'checkboxes':
      if (!Array.isArray(input.selected)) throw new PlaygroundError('bad_request', 'selected: a checkboxes click carries the whole selection as an array of option values');
      return { type: 'checkboxes', ...base, selected: input.selected };
    case 'static_select':
    case 'radio_buttons':
    case 'overflow':
      if (typeof input.selected !== 'string') throw new PlaygroundError('bad_request', `selected: a ${type} click carries one option value as a string`);
      return { type, ...base, selected: input.selected };
    default:
      throw new PlaygroundError('bad_request', `the playground cannot send clicks on ${type} elements yet`);
  }
}

/** The team the stand-in should report, so payloads and auth.test agree. */
export const STANDIN_TEAM = { teamId: PLAYGROUND_TEAM.id, teamName: PLAYGROUND_TEAM.name, teamDomain: PLAYGROUND_TEAM.domain } as const;
