/**
 * The playground's own web server (node:http, no framework): the page, its JSON API, a
 * Server-Sent Events stream of stand-in changes, and the uploaded chart files.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ChannelOutcome } from '../digest/digest-runner';
import type { SlackStandIn } from '../slack-standin/server';
import type { StandInChange, StandInMessage } from '../slack-standin/workspace';
import type { Store } from '../store/store';
import type { DemoWorld } from './demo-world';
import { channelById, PLAYGROUND_CHANNELS, PLAYGROUND_COMMAND, PLAYGROUND_USERS } from './directory';
import { PlaygroundError } from './errors';
import { PAGE_CSS } from './page-css';
import { loadPageScript } from './page-assets';
import { PAGE_HTML } from './page-html';
import { ActionBody, CommandBody, DemoFixBody, DemoSkipBody, describeIssues, DigestBody, HomeBody, StateQuery } from './schemas';
import type { SlackBridge } from './slack-bridge';

export interface WebServerDeps {
  readonly standIn: SlackStandIn;
  readonly bridge: SlackBridge;
  readonly store: Store;
  /** The bot's digest runner: `RunningBot.digests.runChannels`. */
  readonly runDigest: (channels: Map<string, string[]>, periodKey: string, endMs: number) => Promise<ChannelOutcome[]>;
  /** Services the metrics source knows (the demo lists them; Prometheus cannot). */
  readonly knownServices: () => readonly string[] | null;
  /** Where the metrics come from, for the page's header. */
  readonly sourceDescription: string;
  readonly clock: () => number;
  /** The demo world's controls (deploy a fix, skip ahead); null on Prometheus, where there are none. */
  readonly world: DemoWorld | null;
  readonly logger: Logger;
}

/** Request bodies are a few hundred bytes; anything near this is not from the page. */
const MAX_BODY_BYTES = 64 * 1024;
/** An oversized body is read (and dropped) up to this size so the 413 arrives; beyond it the connection is cut. */
const DRAIN_LIMIT_BYTES = 4 * 1024 * 1024;
/** Proxies drop idle streams after a minute or so; a comment every 15 s keeps the events flowing. */
const KEEP_ALIVE_MS = 15_000;
const FILE_ID = /^F[A-Z0-9]{1,32}$/;
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
/** The page loads only its own script, style and images; no inline script, nothing from elsewhere. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The page's view of a stand-in message. */
export interface PageMessage {
  readonly ts: string;
  readonly thread_ts?: string;
  readonly user: string;
  readonly bot_id?: string;
  readonly visibleTo?: string;
  readonly text: string;
  readonly blocks: readonly Readonly<Record<string, unknown>>[];
  readonly files: readonly { readonly id: string; readonly name: string; readonly title: string; readonly mimetype: string; readonly altText?: string }[];
  readonly edited: boolean;
  readonly postedAt: number;
  /** Where the message goes in the channel (ms); see SlackBridge.displayTime. */
  readonly order: number;
}

export function pageMessage(m: StandInMessage, order: number): PageMessage {
  return {
    ts: m.ts,
    ...(m.thread_ts !== undefined ? { thread_ts: m.thread_ts } : {}),
    user: m.user,
    ...(m.bot_id !== undefined ? { bot_id: m.bot_id } : {}),
    ...(m.visibleTo !== undefined ? { visibleTo: m.visibleTo } : {}),
    text: m.text,
    blocks: m.blocks,
    files: m.files.map((f) => ({ id: f.id, name: f.name, title: f.title, mimetype: f.mimetype, ...(f.altText !== undefined ? { altText: f.altText } : {}) })),
    edited: m.edits > 0,
    postedAt: m.postedAt,
    order,
  };
}

/** Open Server-Sent Events streams; every stand-in change goes to all of them. */
class EventStreams {
  private readonly clients = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  add(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // Reconnect quickly after a restart; the first comment flushes the headers through.
    res.write('retry: 1000\n: connected\n\n');
    this.clients.add(res);
    const drop = (): void => {
      this.clients.delete(res);
    };
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
  }

  change(change: StandInChange): void {
    this.write(`event: change\ndata: ${JSON.stringify(change)}\n\n`);
  }

  private write(chunk: string): void {
    for (const client of this.clients) {
      if (client.writableEnded || client.destroyed) this.clients.delete(client);
      else client.write(chunk);
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}

export interface PlaygroundWebServer {
  /** e.g. `http://127.0.0.1:3030`. */
  readonly url: string;
  readonly port: number;
  /** Open event streams (for tests: a closed page leaves none behind). */
  readonly eventClients: () => number;
  close(): Promise<void>;
}

/** Listens on `host`:`port`; with `fallbackToFreePort`, a busy port falls back to a free one. */
export async function startWebServer(deps: WebServerDeps, options: { host: string; port: number; fallbackToFreePort: boolean }): Promise<PlaygroundWebServer> {
  // Read (or bundled) once: a missing bundle stops the start with a message, not the first page load.
  const pageScript = await loadPageScript();
  const streams = new EventStreams();
  const onChange = (change: StandInChange): void => streams.change(change);
  const server = createServer();
  let port = 0;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(deps, pageScript, streams, req, res, options.host, port).catch((error: unknown) => {
      deps.logger.error({ err: error, url: req.url }, 'playground request failed');
      sendError(res, new PlaygroundError('internal', 'the playground failed on this request; see its log'));
    });
  });
  // A malformed request line must not take the server down.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  try {
    port = await listen(server, options.host, options.port);
  } catch (error) {
    if (!options.fallbackToFreePort || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
      streams.close();
      throw new PlaygroundError('listen_failed', `the playground could not listen on ${options.host}:${options.port}: ${(error as Error).message}; pick another port`, { cause: error });
    }
    deps.logger.info({ port: options.port }, 'playground port busy; using a free one');
    port = await listen(server, options.host, 0);
  }
  deps.standIn.on('change', onChange);

  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost(options.host)}:${port}`,
    port,
    eventClients: () => streams.size,
    close() {
      closed ??= new Promise<void>((resolve) => {
        deps.standIn.off('change', onChange);
        streams.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Bound to loopback, only requests addressed to loopback are served: a web page elsewhere cannot
 * reach the playground through a DNS name that resolves to 127.0.0.1 (DNS rebinding).
 */
function hostAllowed(req: IncomingMessage, host: string, port: number): boolean {
  if (!LOOPBACK.has(host)) return true;
  const header = (req.headers.host ?? '').toLowerCase();
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(header);
}

async function handle(deps: WebServerDeps, pageScript: string, streams: EventStreams, req: IncomingMessage, res: ServerResponse, host: string, port: number): Promise<void> {
  try {
    if (!hostAllowed(req, host, port)) throw new PlaygroundError('forbidden_host', `this playground answers only to http://${urlHost(host)}:${port}`);
    const url = new URL(req.url ?? '/', 'http://playground.invalid');
    const method = req.method ?? 'GET';
    const path = url.pathname;

    if (method === 'GET' || method === 'HEAD') {
      switch (path) {
        case '/':
        case '/index.html':
          return sendText(res, 200, 'text/html; charset=utf-8', PAGE_HTML, { 'content-security-policy': PAGE_CSP, 'cache-control': 'no-store' });
        case '/page.js':
          return sendText(res, 200, 'text/javascript; charset=utf-8', pageScript, { 'cache-control': 'no-store' });
        case '/page.css':
          return sendText(res, 200, 'text/css; charset=utf-8', PAGE_CSS, { 'cache-control': 'no-store' });
        case '/favicon.ico':
          res.writeHead(204, SECURITY_HEADERS).end();
          return;
        case '/api/workspace':
          return sendJson(res, 200, workspace(deps));
        case '/api/state':
          return sendJson(res, 200, state(deps, url.searchParams));
        case '/api/home':
          return sendJson(res, 200, home(deps, url.searchParams));
        case '/api/demo':
          return sendJson(res, 200, { available: deps.world !== null, ...deps.world?.state() });
        case '/api/events':
          if (method === 'HEAD') throw new PlaygroundError('method_not_allowed', 'GET /api/events opens an event stream');
          streams.add(req, res);
          return;
        default:
          if (path.startsWith('/files/')) return sendFile(deps, res, path);
          throw new PlaygroundError('not_found', `nothing at ${path}`);
      }
    }
    if (method === 'POST') {
      checkPost(req, host, port);
      switch (path) {
        case '/api/command': {
          const input = parse(CommandBody, await readJson(req));
          return sendJson(res, 200, { ok: true, ...(await deps.bridge.command(input)) });
        }
        case '/api/action': {
          const input = parse(ActionBody, await readJson(req));
          return sendJson(res, 200, { ok: true, ...(await deps.bridge.action(input)) });
        }
        case '/api/home/open': {
          const input = parse(HomeBody, await readJson(req));
          return sendJson(res, 200, { ok: true, ...(await deps.bridge.homeOpened(input.user)) });
        }
        case '/api/demo/fix': {
          const input = parse(DemoFixBody, await readJson(req));
          const fix = demoWorld(deps).deployFix(input.service);
          return sendJson(res, 200, { ok: true, fix, ...demoWorld(deps).state() });
        }
        case '/api/demo/skip': {
          const input = parse(DemoSkipBody, await readJson(req));
          return sendJson(res, 200, { ok: true, ...demoWorld(deps).skipAhead(input.minutes * 60_000) });
        }
        case '/api/digest': {
          const input = parse(DigestBody, await readJson(req));
          return sendJson(res, 200, { ok: true, ...(await digestNow(deps, input.channel)) });
        }
        default:
          throw new PlaygroundError('not_found', `nothing to POST to at ${path}`);
      }
    }
    throw new PlaygroundError('method_not_allowed', `${method} is not supported here`);
  } catch (error) {
    if (error instanceof PlaygroundError) {
      if (error.status >= 500) deps.logger.warn({ err: error }, 'playground request failed');
      sendError(res, error);
      return;
    }
    throw error;
  }
}

/** JSON only, and from this origin: a page elsewhere cannot make a simple cross-site POST here. */
function checkPost(req: IncomingMessage, host: string, port: number): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new PlaygroundError('unsupported_media_type', 'send the body as application/json');
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null' && LOOPBACK.has(host)) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw new PlaygroundError('forbidden_host', 'unreadable Origin header');
    }
    if (originHost !== req.headers.host) throw new PlaygroundError('forbidden_host', `requests from ${origin} are not accepted; open the playground at http://${urlHost(host)}:${port}`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = describeIssues(result.error);
    throw new PlaygroundError('bad_request', `invalid request: ${details.join('; ')}`, { details });
  }
  return result.data;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    // Past the limit, read on without keeping anything, so the client gets its 413 instead of a
    // reset connection; far past it, stop reading altogether.
    if (size > DRAIN_LIMIT_BYTES) {
      req.destroy();
      break;
    }
    if (size <= MAX_BODY_BYTES) chunks.push(buffer);
  }
  if (size > MAX_BODY_BYTES) throw new PlaygroundError('payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PlaygroundError('bad_request', 'the body is not valid JSON', { cause: error });
  }
}

function workspace(deps: WebServerDeps): unknown {
  const { identity } = deps.standIn;
  return {
    team: { id: identity.teamId, name: identity.teamName },
    bot: { userId: identity.botUserId, botId: identity.botId, name: identity.botName },
    command: PLAYGROUND_COMMAND,
    channels: PLAYGROUND_CHANNELS,
    users: PLAYGROUND_USERS,
    services: deps.knownServices(),
    source: deps.sourceDescription,
  };
}

/** A channel as `user` sees it: everything posted there, plus the ephemerals only they can see. */
function state(deps: WebServerDeps, params: URLSearchParams): unknown {
  const query = parse(StateQuery, Object.fromEntries(params));
  const messages = deps.standIn
    .messages(query.channel)
    .filter((m) => m.visibleTo === undefined || m.visibleTo === query.user)
    .map((m) => pageMessage(m, deps.bridge.displayTime(m.channel, m.ts)))
    .sort((a, b) => a.order - b.order || (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return { channel: channelById(query.channel), user: query.user, messages };
}

function demoWorld(deps: WebServerDeps): DemoWorld {
  if (!deps.world) throw new PlaygroundError('not_found', 'the demo controls work only on the built-in demo services, not on Prometheus');
  return deps.world;
}

/** A user's Home tab as pymem last published it; `view: null` until it has published one. */
function home(deps: WebServerDeps, params: URLSearchParams): unknown {
  const query = parse(HomeBody, Object.fromEntries(params));
  const published = deps.standIn.homeView(query.user);
  if (!published) return { user: query.user, view: null };
  const blocks = Array.isArray(published.view['blocks']) ? (published.view['blocks'] as unknown[]) : [];
  return { user: query.user, view: { blocks, publishes: published.publishes, publishedAt: published.publishedAt } };
}

/** The digest for one channel, now, through the bot's own digest runner (claim, measure, post). */
async function digestNow(deps: WebServerDeps, channel: string): Promise<{ services: string[]; outcome: ChannelOutcome | null }> {
  const services = (await deps.store.subscriptions(channel)).map((s) => s.service);
  const now = deps.clock();
  // The period key names the digest run; milliseconds keep two clicks in one second apart.
  const outcomes = await deps.runDigest(new Map([[channel, services]]), new Date(now).toISOString(), now);
  return { services, outcome: outcomes[0] ?? null };
}

function sendFile(deps: WebServerDeps, res: ServerResponse, path: string): void {
  const id = decodeURIComponent(path.slice('/files/'.length).split('/')[0] ?? '');
  if (!FILE_ID.test(id)) throw new PlaygroundError('not_found', 'no such file');
  const file = deps.standIn.fileContent(id);
  if (!file) throw new PlaygroundError('not_found', `no file ${id} (files live only as long as this playground run)`);
  const image = IMAGE_TYPES.has(file.mimetype);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': image ? file.mimetype : 'application/octet-stream',
    'content-length': String(file.bytes.length),
    // A file id always names the same bytes.
    'cache-control': 'private, max-age=3600, immutable',
    ...(image ? {} : { 'content-disposition': 'attachment' }),
  });
  res.end(file.bytes);
}

function sendText(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, 'application/json; charset=utf-8', JSON.stringify(body), { 'cache-control': 'no-store' });
}

function sendError(res: ServerResponse, error: PlaygroundError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendText(res, error.status, 'application/json; charset=utf-8', JSON.stringify(error), { 'cache-control': 'no-store' });
}
