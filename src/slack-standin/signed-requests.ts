/**
 * Requests INTO a Bolt app, built and signed the way Slack sends them: slash commands and
 * block_actions payloads, form-encoded, with `X-Slack-Signature` (v0, HMAC-SHA256 of
 * `v0:<timestamp>:<raw body>` with the signing secret) and `X-Slack-Request-Timestamp`.
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface SlackSignatureHeaders {
  readonly 'x-slack-signature': string;
  readonly 'x-slack-request-timestamp': string;
}

/** Signs a raw body as Slack does: `v0=` + hex HMAC-SHA256 of `v0:<timestampSeconds>:<body>`. */
export function signRequest(body: string, signingSecret: string, timestampSeconds: number): SlackSignatureHeaders {
  const timestamp = String(Math.floor(timestampSeconds));
  const hex = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${hex}`, 'x-slack-request-timestamp': timestamp };
}

let triggerCounter = 0;

/** A fresh trigger_id shaped like Slack's ("13345224609.738474920.8088930838d88f008e0"), unique per call. */
export function newTriggerId(): string {
  triggerCounter += 1;
  const first = String(10_000_000_000 + triggerCounter);
  const second = String(randomInt(100_000_000, 1_000_000_000));
  return `${first}.${second}.${randomBytes(16).toString('hex')}`;
}

/** The fields of a slash command request; the optional ones get plausible defaults. */
export interface SlashCommandFields {
  readonly command: string;
  readonly text: string;
  readonly user_id: string;
  readonly user_name?: string;
  readonly channel_id: string;
  readonly channel_name?: string;
  readonly team_id: string;
  readonly team_domain?: string;
  readonly trigger_id?: string;
  readonly response_url: string;
  readonly api_app_id?: string;
  /** The deprecated verification token; Bolt ignores it. */
  readonly token?: string;
  readonly is_enterprise_install?: boolean;
}

/** Default app id, matching the Slack stand-in's own default. */
const DEFAULT_APP_ID = 'A0STANDAPP';
const DEFAULT_VERIFICATION_TOKEN = 'standin-verification-token';

/** A slash command body exactly as Slack posts it: application/x-www-form-urlencoded, fields in Slack's order. */
export function slashCommandBody(fields: SlashCommandFields): string {
  return new URLSearchParams([
    ['token', fields.token ?? DEFAULT_VERIFICATION_TOKEN],
    ['team_id', fields.team_id],
    ['team_domain', fields.team_domain ?? 'standin'],
    ['channel_id', fields.channel_id],
    ['channel_name', fields.channel_name ?? 'incidents'],
    ['user_id', fields.user_id],
    ['user_name', fields.user_name ?? fields.user_id.toLowerCase()],
    ['command', fields.command],
    ['text', fields.text],
    ['api_app_id', fields.api_app_id ?? DEFAULT_APP_ID],
    ['is_enterprise_install', String(fields.is_enterprise_install ?? false)],
    ['response_url', fields.response_url],
    ['trigger_id', fields.trigger_id ?? newTriggerId()],
  ]).toString();
}

let eventCounter = 0;

/**
 * An Events API delivery as Slack posts it (JSON, `event_callback`), e.g. an `app_home_opened` event
 * `{ type: 'app_home_opened', user, channel, tab: 'home' }`. `event_ts` is filled in when missing.
 */
export function eventCallbackBody(input: { readonly teamId: string; readonly apiAppId?: string; readonly event: Readonly<Record<string, unknown>>; readonly eventTimeSeconds?: number }): string {
  eventCounter += 1;
  const eventTime = Math.floor(input.eventTimeSeconds ?? Date.now() / 1000);
  return JSON.stringify({
    token: DEFAULT_VERIFICATION_TOKEN,
    team_id: input.teamId,
    api_app_id: input.apiAppId ?? DEFAULT_APP_ID,
    event: { event_ts: `${eventTime}.${String(eventCounter).padStart(6, '0')}`, ...input.event },
    type: 'event_callback',
    event_id: `Ev${String(eventCounter).padStart(9, '0')}${randomBytes(2).toString('hex').toUpperCase()}`,
    event_time: eventTime,
    authorizations: [{ enterprise_id: null, team_id: input.teamId, user_id: 'U0STANDBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}

/** An interactivity body as Slack posts it: form-encoded `payload=<json>`. */
export function blockActionsBody(payload: object): string {
  return new URLSearchParams([['payload', JSON.stringify(payload)]]).toString();
}

type Json = Readonly<Record<string, unknown>>;

/** The message a user clicks in: a StandInMessage from the Slack stand-in fits. */
export interface ClickedMessage {
  readonly channel: string;
  readonly ts: string;
  readonly text: string;
  readonly blocks: readonly Json[];
  readonly thread_ts?: string;
  readonly user?: string;
  readonly bot_id?: string;
  /** Set when the message is ephemeral. */
  readonly visibleTo?: string;
}

/** What the user did to which element (found in the message by action_id, and block_id when given). */
export type ActionClick =
  | { readonly type: 'button'; readonly action_id: string; readonly block_id?: string }
  /** `selected`: the values ticked after the click (the whole selection, as Slack sends it). */
  | { readonly type: 'checkboxes'; readonly action_id: string; readonly block_id?: string; readonly selected: readonly string[] }
  | { readonly type: 'static_select' | 'radio_buttons' | 'overflow'; readonly action_id: string; readonly block_id?: string; readonly selected: string };

export interface BlockActionInput {
  readonly message: ClickedMessage;
  readonly user: { readonly id: string; readonly username?: string; readonly name?: string; readonly team_id?: string };
  readonly click: ActionClick;
  /** From SlackStandIn.createResponseUrl(channel, user, { messageTs }). */
  readonly responseUrl: string;
  readonly teamId?: string;
  readonly teamDomain?: string;
  readonly apiAppId?: string;
  readonly channelName?: string;
  readonly token?: string;
  readonly triggerId?: string;
  /** Slack ts of the click; now by default. */
  readonly actionTs?: string;
}

/** Slack's block_actions payload for a click in a message (the fields Bolt and the bot read). */
export interface BlockActionPayload {
  readonly type: 'block_actions';
  readonly user: { readonly id: string; readonly username: string; readonly name: string; readonly team_id: string };
  readonly api_app_id: string;
  readonly token: string;
  readonly container: {
    readonly type: 'message';
    readonly message_ts: string;
    readonly channel_id: string;
    readonly is_ephemeral: boolean;
    readonly thread_ts?: string;
  };
  readonly trigger_id: string;
  readonly team: { readonly id: string; readonly domain: string };
  readonly enterprise: null;
  readonly is_enterprise_install: false;
  readonly channel: { readonly id: string; readonly name: string };
  /** Absent for ephemeral messages, as on Slack. */
  readonly message?: Json;
  readonly state: { readonly values: Readonly<Record<string, Readonly<Record<string, Json>>>> };
  readonly response_url: string;
  readonly actions: readonly Json[];
}

export class BlockActionError extends Error {
  readonly code = 'element_not_found';
  constructor(message: string) {
    super(message);
    this.name = 'BlockActionError';
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Located {
  readonly blockId: string;
  readonly element: Json;
}

/** Every interactive element of a message with the block it sits in. */
function elementsOf(blocks: readonly Json[]): Located[] {
  const found: Located[] = [];
  for (const block of blocks) {
    const blockId = typeof block['block_id'] === 'string' ? block['block_id'] : '';
    const candidates: unknown[] = [];
    if (Array.isArray(block['elements']) && block['type'] === 'actions') candidates.push(...(block['elements'] as unknown[]));
    if (block['accessory'] !== undefined) candidates.push(block['accessory']);
    if (block['element'] !== undefined) candidates.push(block['element']);
    for (const element of candidates) {
      if (isObject(element) && typeof element['action_id'] === 'string') found.push({ blockId, element });
    }
  }
  return found;
}

function optionsOf(element: Json): Json[] {
  const direct = Array.isArray(element['options']) ? (element['options'] as unknown[]) : [];
  const grouped = Array.isArray(element['option_groups'])
    ? (element['option_groups'] as unknown[]).flatMap((g) => (isObject(g) && Array.isArray(g['options']) ? (g['options'] as unknown[]) : []))
    : [];
  return [...direct, ...grouped].filter(isObject);
}

function pickOption(element: Json, value: string, where: string): Json {
  const option = optionsOf(element).find((o) => o['value'] === value);
  if (!option) {
    const values = optionsOf(element).map((o) => JSON.stringify(o['value']));
    throw new BlockActionError(`${where} has no option with value ${JSON.stringify(value)}; its options are ${values.join(', ')}`);
  }
  return option;
}

function nowTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

/**
 * The block_actions payload Slack sends when `user` clicks an element of `message`. The element
 * must exist in the message's blocks (a click on something the bot never posted is a test bug),
 * and the payload carries the element's real block_id, texts and option objects.
 */
export function blockActionPayload(input: BlockActionInput): BlockActionPayload {
  const { click, message } = input;
  const all = elementsOf(message.blocks);
  const target = all.find(
    (l) => l.element['action_id'] === click.action_id && (click.block_id === undefined || l.blockId === click.block_id),
  );
  const where = `element ${click.action_id}${click.block_id !== undefined ? ` in block ${click.block_id}` : ''}`;
  if (!target) {
    const available = all.map((l) => `${l.blockId}/${String(l.element['action_id'])} (${String(l.element['type'])})`);
    throw new BlockActionError(`message ${message.ts} has no ${where}; its interactive elements are ${available.join(', ') || 'none'}`);
  }
  if (target.element['type'] !== click.type) {
    throw new BlockActionError(`${where} is a ${String(target.element['type'])}, not a ${click.type}`);
  }
  const actionTs = input.actionTs ?? nowTs();
  const base = { action_id: click.action_id, block_id: target.blockId, action_ts: actionTs };
  let action: Json;
  let clickedState: Json | undefined;
  switch (click.type) {
    case 'button':
      action = {
        type: 'button',
        ...base,
        text: target.element['text'],
        ...(target.element['value'] !== undefined ? { value: target.element['value'] } : {}),
        ...(target.element['style'] !== undefined ? { style: target.element['style'] } : {}),
      };
      break;
    case 'checkboxes': {
      const selected = click.selected.map((value) => pickOption(target.element, value, where));
      action = { type: 'checkboxes', ...base, selected_options: selected };
      clickedState = { type: 'checkboxes', selected_options: selected };
      break;
    }
    case 'static_select':
    case 'radio_buttons':
    case 'overflow': {
      const option = pickOption(target.element, click.selected, where);
      action = {
        type: click.type,
        ...base,
        selected_option: option,
        ...(click.type === 'static_select' && target.element['placeholder'] !== undefined ? { placeholder: target.element['placeholder'] } : {}),
      };
      if (click.type !== 'overflow') clickedState = { type: click.type, selected_option: option };
      break;
    }
    default: {
      const unknownClick: never = click;
      throw new BlockActionError(`unsupported click ${JSON.stringify(unknownClick)}`);
    }
  }

  const teamId = input.teamId ?? input.user.team_id ?? 'T0STANDIN1';
  const isEphemeral = message.visibleTo !== undefined;
  const username = input.user.username ?? input.user.id.toLowerCase();
  return {
    type: 'block_actions',
    user: { id: input.user.id, username, name: input.user.name ?? username, team_id: teamId },
    api_app_id: input.apiAppId ?? DEFAULT_APP_ID,
    token: input.token ?? DEFAULT_VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: message.ts,
      channel_id: message.channel,
      is_ephemeral: isEphemeral,
      ...(message.thread_ts !== undefined ? { thread_ts: message.thread_ts } : {}),
    },
    trigger_id: input.triggerId ?? newTriggerId(),
    team: { id: teamId, domain: input.teamDomain ?? 'standin' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: input.channelName ?? 'incidents' },
    ...(isEphemeral
      ? {}
      : {
          message: {
            type: 'message',
            ...(message.user !== undefined ? { user: message.user } : {}),
            ...(message.bot_id !== undefined ? { bot_id: message.bot_id } : {}),
            text: message.text,
            ts: message.ts,
            ...(message.thread_ts !== undefined ? { thread_ts: message.thread_ts } : {}),
            team: teamId,
            blocks: structuredClone(message.blocks),
          },
        }),
    state: { values: stateValues(all, target, clickedState) },
    response_url: input.responseUrl,
    actions: [action],
  };
}

/**
 * `state.values` as Slack sends it with a message click: every stateful element's current value,
 * the clicked one with its new value and the others with their initial ones.
 */
function stateValues(all: readonly Located[], clicked: Located, clickedState: Json | undefined): Record<string, Record<string, Json>> {
  const values: Record<string, Record<string, Json>> = {};
  for (const located of all) {
    const { element, blockId } = located;
    const type = element['type'];
    let state: Json | undefined;
    if (located === clicked) state = clickedState;
    else if (type === 'checkboxes') state = { type, selected_options: Array.isArray(element['initial_options']) ? element['initial_options'] : [] };
    else if (type === 'radio_buttons' || type === 'static_select') state = { type, selected_option: element['initial_option'] ?? null };
    if (state === undefined) continue;
    const block = values[blockId] ?? {};
    block[String(element['action_id'])] = state;
    values[blockId] = block;
  }
  return values;
}

export interface PostToBotOptions {
  readonly signingSecret: string;
  /** Signature timestamp; now by default. Older than five minutes and Bolt answers 401. */
  readonly timestampSeconds?: number;
  /** Adds X-Slack-Retry-Num, as Slack does when it re-sends an event the app did not ack in 3 s. */
  readonly retryNum?: number;
  /** Adds X-Slack-Retry-Reason (e.g. 'http_timeout'). */
  readonly retryReason?: string;
  /** application/x-www-form-urlencoded by default; application/json when the body is a JSON object. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/** POSTs a signed body to the app (e.g. Bolt's `/slack/events`), as Slack would. `ms` is the round trip. */
export async function postToBot(
  url: string,
  body: string,
  options: PostToBotOptions,
): Promise<{ status: number; body: string; ms: number }> {
  const timestamp = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  const contentType = options.contentType ?? (body.trimStart().startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded');
  const headers: Record<string, string> = {
    'content-type': contentType,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...signRequest(body, options.signingSecret, timestamp),
  };
  if (options.retryNum !== undefined) headers['x-slack-retry-num'] = String(options.retryNum);
  if (options.retryReason !== undefined) headers['x-slack-retry-reason'] = options.retryReason;
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text, ms: performance.now() - started };
}
