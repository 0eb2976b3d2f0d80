/**
 * The page's side of the playground's JSON API (web-server.ts): typed requests, and answers read
 * with small guards, so that a server that changed shape fails with a message instead of a
 * TypeError deep in the renderer. No DOM here; fetch is the only browser API used.
 */

export interface Channel {
  readonly id: string;
  readonly name: string;
  readonly topic: string;
}

export interface User {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  /** Avatar background, a CSS colour. */
  readonly color: string;
}

/** GET /api/workspace. */
export interface Workspace {
  readonly bot: { readonly userId: string; readonly name: string };
  readonly command: string;
  readonly channels: readonly [Channel, ...Channel[]];
  readonly users: readonly [User, ...User[]];
  /** Services the metrics source knows; null for Prometheus, which cannot list them. */
  readonly services: readonly string[] | null;
  readonly source: string;
}

/** An uploaded file attached to a message. */
export interface MessageFile {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly mimetype: string;
  readonly altText?: string;
}

/** A message as the page shows it: web-server.ts's PageMessage, or a notice made on the page itself. */
export interface ChannelMessage {
  readonly ts: string;
  readonly thread_ts?: string;
  readonly user: string;
  readonly bot_id?: string;
  /** An ephemeral: only this user sees it. */
  readonly visibleTo?: string;
  /** A note the page made itself (never sent to the bot), shown as Slackbot. */
  readonly local?: true;
  readonly text: string;
  /** Block Kit JSON, read by blocks.ts as unknown. */
  readonly blocks: readonly unknown[];
  readonly files: readonly MessageFile[];
  readonly postedAt: number;
  /** Where the message goes in the channel (ms). */
  readonly order: number;
}

/** What POST /api/command answers: either sent to the bot, or a note for the person. */
export type CommandAnswer = { readonly kind: 'notice'; readonly text: string } | { readonly kind: 'sent' };

/** What POST /api/digest answers: the runner's outcome for the channel, if any. */
export interface DigestAnswer {
  readonly outcome: { readonly outcome: string; readonly detail?: string } | null;
}

/** A stand-in change from GET /api/events: a message in some channel, or something else. */
export interface LiveChange {
  readonly kind: string;
  readonly channel?: string;
  /** Whose Home tab was published, for `home_published`. */
  readonly user?: string;
}

type Json = Readonly<Record<string, unknown>>;

/** GET /api/home: the published view, or null before pymem has published one for this user. */
export interface HomeTab {
  readonly view: { readonly blocks: readonly unknown[]; readonly publishes: number; readonly publishedAt: number } | null;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectRecord(value: unknown, what: string): Json {
  if (!isRecord(value)) throw new ApiError(`the playground sent ${what} that is not an object`);
  return value;
}

function expectString(obj: Json, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new ApiError(`the playground sent ${what} without a text ${key}`);
  return value;
}

function expectNumber(obj: Json, key: string, what: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ApiError(`the playground sent ${what} without a number ${key}`);
  return value;
}

function expectArray(obj: Json, key: string, what: string): unknown[] {
  const value = obj[key];
  if (!Array.isArray(value)) throw new ApiError(`the playground sent ${what} without a list ${key}`);
  return value;
}

function optionalString(obj: Json, key: string): string | undefined {
  const value = obj[key];
  return typeof value === 'string' ? value : undefined;
}

function nonEmpty<T>(items: T[], what: string): [T, ...T[]] {
  const [first, ...rest] = items;
  if (first === undefined) throw new ApiError(`the playground sent no ${what}`);
  return [first, ...rest];
}

export function parseWorkspace(value: unknown): Workspace {
  const body = expectRecord(value, 'a workspace');
  const bot = expectRecord(body['bot'], 'a bot');
  const channels = expectArray(body, 'channels', 'a workspace').map((c) => {
    const channel = expectRecord(c, 'a channel');
    return { id: expectString(channel, 'id', 'a channel'), name: expectString(channel, 'name', 'a channel'), topic: expectString(channel, 'topic', 'a channel') };
  });
  const users = expectArray(body, 'users', 'a workspace').map((u) => {
    const user = expectRecord(u, 'a user');
    return { id: expectString(user, 'id', 'a user'), name: expectString(user, 'name', 'a user'), title: expectString(user, 'title', 'a user'), color: expectString(user, 'color', 'a user') };
  });
  const services = body['services'];
  return {
    bot: { userId: expectString(bot, 'userId', 'a bot'), name: expectString(bot, 'name', 'a bot') },
    command: expectString(body, 'command', 'a workspace'),
    channels: nonEmpty(channels, 'channels'),
    users: nonEmpty(users, 'users'),
    services: Array.isArray(services) ? services.filter((s): s is string => typeof s === 'string') : null,
    source: expectString(body, 'source', 'a workspace'),
  };
}

/** GET /api/state: the channel's messages as one user sees them. */
export function parseMessages(value: unknown): ChannelMessage[] {
  const body = expectRecord(value, 'a channel state');
  return expectArray(body, 'messages', 'a channel state').map((m) => {
    const message = expectRecord(m, 'a message');
    const threadTs = optionalString(message, 'thread_ts');
    const botId = optionalString(message, 'bot_id');
    const visibleTo = optionalString(message, 'visibleTo');
    return {
      ts: expectString(message, 'ts', 'a message'),
      ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
      user: expectString(message, 'user', 'a message'),
      ...(botId !== undefined ? { bot_id: botId } : {}),
      ...(visibleTo !== undefined ? { visibleTo } : {}),
      text: expectString(message, 'text', 'a message'),
      blocks: expectArray(message, 'blocks', 'a message'),
      files: expectArray(message, 'files', 'a message').map((f) => {
        const file = expectRecord(f, 'a file');
        const altText = optionalString(file, 'altText');
        return {
          id: expectString(file, 'id', 'a file'),
          name: expectString(file, 'name', 'a file'),
          title: expectString(file, 'title', 'a file'),
          mimetype: expectString(file, 'mimetype', 'a file'),
          ...(altText !== undefined ? { altText } : {}),
        };
      }),
      postedAt: expectNumber(message, 'postedAt', 'a message'),
      order: expectNumber(message, 'order', 'a message'),
    };
  });
}

/** GET /api/home: a user's published Home view, or none yet. */
export function parseHome(value: unknown): HomeTab {
  const body = expectRecord(value, 'a Home tab');
  if (body['view'] === null) return { view: null };
  const view = expectRecord(body['view'], 'a Home view');
  return {
    view: {
      blocks: expectArray(view, 'blocks', 'a Home view'),
      publishes: expectNumber(view, 'publishes', 'a Home view'),
      publishedAt: expectNumber(view, 'publishedAt', 'a Home view'),
    },
  };
}

export function parseCommandAnswer(value: unknown): CommandAnswer {
  const body = expectRecord(value, 'an answer');
  return body['kind'] === 'notice' ? { kind: 'notice', text: expectString(body, 'text', 'a notice') } : { kind: 'sent' };
}

export function parseDigestAnswer(value: unknown): DigestAnswer {
  const body = expectRecord(value, 'an answer');
  if (!isRecord(body['outcome'])) return { outcome: null };
  const detail = optionalString(body['outcome'], 'detail');
  return { outcome: { outcome: expectString(body['outcome'], 'outcome', 'a digest outcome'), ...(detail !== undefined ? { detail } : {}) } };
}

/** An event's data; null when it is not JSON or not an object (the page then just reloads the channel). */
export function parseChange(data: string): LiveChange | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isRecord(value) || typeof value['kind'] !== 'string') return null;
  const channel = optionalString(value, 'channel');
  const user = optionalString(value, 'user');
  return { kind: value['kind'], ...(channel !== undefined ? { channel } : {}), ...(user !== undefined ? { user } : {}) };
}

/** The error message in the playground's `{ error: { message } }` body, or the HTTP status. */
function errorText(body: unknown, status: number): string {
  if (isRecord(body) && isRecord(body['error']) && typeof body['error']['message'] === 'string' && body['error']['message'] !== '') return body['error']['message'];
  return `HTTP ${status}`;
}

/** One JSON request; a non-2xx answer throws with the server's own message. */
export async function request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(errorText(parsed, response.status));
  return parsed;
}
