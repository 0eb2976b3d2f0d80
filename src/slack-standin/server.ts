/**
 * A local HTTP server that stands in for Slack: the Web API methods the bot calls, the file upload
 * URL, response_url endpoints and the uploaded files, over node:http on loopback.
 *
 * End-to-end tests point Bolt (`clientOptions.slackApiUrl`) or a WebClient (`slackApiUrl`) at
 * `apiUrl`; the playground reads the same in-memory state and listens to `change` events.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeArgs, flatHeaders, type FormPart, mediaType, parseMultipart, readBody } from './http-body';
import { SocketModeServer } from './socket-mode';
import {
  type ApiAnswer,
  fail,
  type StandInChange,
  type StandInChannel,
  type StandInFile,
  type StandInHomeView,
  type StandInIdentity,
  type StandInMessage,
  Workspace,
  WORKSPACE_LIMITS,
} from './workspace';

export interface SlackStandInOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Interface to listen on; '127.0.0.1' by default. */
  readonly host?: string;
  readonly botUserId?: string;
  readonly botId?: string;
  readonly botName?: string;
  readonly appId?: string;
  readonly teamId?: string;
  readonly teamName?: string;
  readonly teamDomain?: string;
  /** Base of the links the stand-in hands out (upload_url, url_private, response URLs); `url` by default. */
  readonly publicBaseUrl?: string;
  /** Tokens the Web API accepts; by default any non-empty `xoxb-` token. */
  readonly tokens?: readonly string[];
  /**
   * When given, only these channels exist; others answer channel_not_found. A bare id is a public
   * channel the bot is in; see StandInChannel for private channels, DMs and archived channels.
   */
  readonly channels?: readonly (string | StandInChannel)[];
  /**
   * Milliseconds after files.completeUploadExternal during which image blocks referencing the file
   * fail with invalid_blocks, as they do on Slack while it processes a fresh upload. 0 by default.
   */
  readonly fileProcessingMs?: number;
  /** The clock (milliseconds since the epoch) for message ts values and call records. */
  readonly now?: () => number;
  /** The app's credentials oauth.v2.access checks; any non-empty pair when absent. */
  readonly oauth?: { readonly clientId: string; readonly clientSecret: string };
}

/** Another workspace on the same stand-in (OAuth mode, issue 14): its own team, bot user, channels and messages. */
export interface StandInTeamOptions {
  readonly teamId: string;
  readonly teamName?: string;
  readonly teamDomain?: string;
  readonly botUserId?: string;
  readonly botId?: string;
  /** As SlackStandInOptions.channels. */
  readonly channels?: readonly (string | StandInChannel)[];
  /** For an org-wide installation on Enterprise Grid. */
  readonly enterpriseId?: string;
}

/** A workspace's state as tests read it. */
export type StandInTeam = Pick<Workspace, 'identity' | 'messages' | 'message' | 'channels' | 'createResponseUrl' | 'setChannel' | 'homeView'>;

/** The pseudo-method under which byte uploads to an upload_url are recorded (and can be faulted). */
export const UPLOAD_METHOD = 'upload';
/** The pseudo-method under which POSTs to a response_url are recorded (and can be faulted). */
export const RESPONSE_URL_METHOD = 'response_url';

/** One request the stand-in received, in arrival order. */
export interface RecordedCall {
  /** 1, 2, 3, ... in arrival order. */
  readonly seq: number;
  /** The Web API method (`chat.postMessage`), or UPLOAD_METHOD / RESPONSE_URL_METHOD. */
  readonly method: string;
  /** Decoded arguments: form fields, with JSON-encoded ones (blocks, files) parsed. */
  readonly args: Readonly<Record<string, unknown>>;
  /** Milliseconds since the epoch, when the request arrived. */
  readonly at: number;
  /** Request headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The answer, once sent; `injected` when failNext produced it. */
  readonly response?: { readonly status: number; readonly body: unknown; readonly injected: boolean };
}

/** What failNext makes the next call(s) to a method do. */
export interface FaultSpec {
  /** Answer `{ok:false, error}` (HTTP 200 on the Web API, like Slack; 500 on upload and response URLs unless `status` says). */
  readonly error?: string;
  /** HTTP status to answer with; 429 adds a Retry-After header. */
  readonly status?: number;
  /** Retry-After in seconds for 429s (1 by default); giving it alone implies status 429. */
  readonly retryAfterSeconds?: number;
  /** Wait this long before answering (the real answer, when no error or status is given). */
  readonly delayMs?: number;
  /** How many consecutive calls the fault applies to; 1 by default. */
  readonly times?: number;
}

export type SlackStandInEvents = {
  /** The workspace state changed (message posted/edited/deleted, file created/uploaded/completed, reset). */
  change: [StandInChange];
  /** A call was answered; state changes it caused are already visible. */
  call: [RecordedCall];
};

export type SlackStandInErrorCode = 'wait_timeout' | 'bad_fault' | 'listen_failed';

export class SlackStandInError extends Error {
  constructor(
    readonly code: SlackStandInErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SlackStandInError';
  }
}

/** Bodies of API calls and response_url posts; Slack's own limits are far below this. */
const MAX_API_BODY_BYTES = 10 * 1024 * 1024;
/** Room for multipart framing around the declared file bytes. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const DEFAULT_WAIT_MS = 5_000;

interface HttpAnswer {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly injected?: boolean;
}

interface ActiveFault {
  readonly spec: FaultSpec;
  remaining: number;
}

/** The Web API methods the stand-in implements. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'auth.test',
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'files.getUploadURLExternal',
  'files.completeUploadExternal',
  'conversations.info',
  'views.publish',
  'users.conversations',
  'apps.connections.open',
  'oauth.v2.access',
]);

/** A stretch during which Slack answers 429 to a method (in one channel, or all). */
export interface RateLimitSpec {
  /** Retry-After in seconds; 1 by default. */
  readonly retryAfterSeconds?: number;
  /** Only calls into this channel; all of the method's calls when absent. */
  readonly channel?: string;
}

/** Ends a rate-limit stretch. */
export interface RateLimitStretch {
  /** Calls answered 429 so far. */
  readonly answered: number;
  lift(): void;
}

function fromApi(answer: ApiAnswer): HttpAnswer {
  return { status: answer.status, json: answer.body };
}

function displayHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export class SlackStandIn extends EventEmitter<SlackStandInEvents> {
  /** Where the server listens, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** What to pass as Bolt's `clientOptions.slackApiUrl` or WebClient's `slackApiUrl`. */
  readonly apiUrl: string;

  private readonly workspace: Workspace;
  /** Every workspace by team id, the first one (`workspace`) included. */
  private readonly teams = new Map<string, Workspace>();
  /** Bot tokens handed out by oauth.v2.access, and the team each calls into. */
  private readonly tokenTeams = new Map<string, string>();
  /** Tokens of an uninstalled app: refused as token_revoked. */
  private readonly revokedTokens = new Set<string>();
  /** Codes oauth.v2.access exchanges once, as Slack's after "Allow". */
  private readonly grants = new Map<string, { readonly teamId: string; readonly enterpriseId: string | null; readonly orgWide: boolean }>();
  private readonly enterprises = new Map<string, string>();
  private fileNumber = 0;
  /** Socket Mode connections (apps.connections.open and the WebSocket behind it). */
  readonly socketMode: SocketModeServer;
  private readonly recorded: RecordedCall[] = [];
  private readonly faults = new Map<string, ActiveFault[]>();
  private readonly stretches = new Set<{ readonly method: string; readonly spec: RateLimitSpec; answered: number }>();
  private readonly latency = new Map<string, number>();
  private readonly stopping = new AbortController();
  private stopped: Promise<void> | undefined;
  private callCounter = 0;

  private constructor(
    private readonly server: Server,
    url: string,
    private readonly options: SlackStandInOptions,
    private readonly now: () => number,
  ) {
    super();
    this.url = url;
    this.apiUrl = `${url}/api/`;
    this.socketMode = new SocketModeServer(url.replace(/^http/, 'ws'));
    const identity: StandInIdentity = {
      botUserId: options.botUserId ?? 'U0STANDBOT',
      botId: options.botId ?? 'B0STANDBOT',
      botName: options.botName ?? 'pymem',
      appId: options.appId ?? 'A0STANDAPP',
      teamId: options.teamId ?? 'T0STANDIN1',
      teamName: options.teamName ?? 'Stand-in workspace',
      teamDomain: options.teamDomain ?? 'standin',
    };
    this.workspace = new Workspace({
      identity,
      baseUrl: (options.publicBaseUrl ?? url).replace(/\/+$/, ''),
      now,
      fileProcessingMs: options.fileProcessingMs ?? 0,
      onChange: (change) => this.emit('change', change),
      nextFileNumber: () => ++this.fileNumber,
      ...(options.channels !== undefined ? { channels: options.channels } : {}),
    });
    this.teams.set(identity.teamId, this.workspace);
  }

  // ---- several workspaces (OAuth mode) ---------------------------------------------------------

  /** Adds another workspace; calls with a token installed there (oauth.v2.access) go to it. */
  addTeam(team: StandInTeamOptions): StandInTeam {
    if (this.teams.has(team.teamId)) throw new SlackStandInError('bad_fault', `addTeam: team ${team.teamId} exists already`);
    const base = this.workspace.identity;
    const workspace = new Workspace({
      identity: {
        ...base,
        teamId: team.teamId,
        teamName: team.teamName ?? team.teamId,
        teamDomain: team.teamDomain ?? team.teamId.toLowerCase(),
        botUserId: team.botUserId ?? `U0BOT${team.teamId}`,
        botId: team.botId ?? `B0BOT${team.teamId}`,
      },
      baseUrl: (this.options.publicBaseUrl ?? this.url).replace(/\/+$/, ''),
      now: this.now,
      fileProcessingMs: this.options.fileProcessingMs ?? 0,
      onChange: (change) => this.emit('change', change),
      nextFileNumber: () => ++this.fileNumber,
      ...(team.channels !== undefined ? { channels: team.channels } : {}),
    });
    this.teams.set(team.teamId, workspace);
    if (team.enterpriseId !== undefined) this.enterprises.set(team.teamId, team.enterpriseId);
    return workspace;
  }

  /** One workspace's state by team id (the first workspace's too). */
  team(teamId: string): StandInTeam {
    const workspace = this.teams.get(teamId);
    if (!workspace) throw new SlackStandInError('bad_fault', `no team ${teamId} on the stand-in; add it with addTeam`);
    return workspace;
  }

  /**
   * What Slack hands the browser after someone allows the install in `teamId`: a one-time code for
   * oauth.v2.access. `orgWide` installs for the team's whole Enterprise Grid organisation.
   */
  grantInstall(teamId: string, options: { readonly orgWide?: boolean } = {}): string {
    this.team(teamId);
    const enterpriseId = this.enterprises.get(teamId) ?? null;
    if (options.orgWide && enterpriseId === null) throw new SlackStandInError('bad_fault', `grantInstall: team ${teamId} is not in an Enterprise Grid (addTeam with enterpriseId)`);
    const code = `code-${randomBytes(8).toString('hex')}`;
    this.grants.set(code, { teamId, enterpriseId, orgWide: options.orgWide === true });
    return code;
  }

  /** Uninstalls the app from a team: every token installed there is refused from now on. */
  revokeTeam(teamId: string): void {
    for (const [token, team] of this.tokenTeams) if (team === teamId) this.revokedTokens.add(token);
  }

  /** oauth.v2.access: exchanges a granted code for a bot token of its team, once. */
  private oauthAccess(args: Readonly<Record<string, unknown>>, req: IncomingMessage): ApiAnswer {
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic !== undefined ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const clientId = typeof args['client_id'] === 'string' ? args['client_id'] : basicId;
    const clientSecret = typeof args['client_secret'] === 'string' ? args['client_secret'] : basicSecret;
    if (!clientId || !clientSecret) return fail('invalid_client_id');
    const expected = this.options.oauth;
    if (expected && clientId !== expected.clientId) return fail('invalid_client_id');
    if (expected && clientSecret !== expected.clientSecret) return fail('bad_client_secret');
    const code = typeof args['code'] === 'string' ? args['code'] : '';
    const grant = this.grants.get(code);
    if (!grant) return fail('invalid_code');
    this.grants.delete(code);
    const workspace = this.teams.get(grant.teamId)!;
    const id = workspace.identity;
    const token = `xoxb-${grant.teamId}-${randomBytes(12).toString('hex')}`;
    this.tokenTeams.set(token, grant.teamId);
    return {
      status: 200,
      body: {
        ok: true,
        access_token: token,
        token_type: 'bot',
        scope: 'commands,chat:write,chat:write.public,files:write,channels:read,groups:read,im:read,mpim:read',
        bot_user_id: id.botUserId,
        app_id: id.appId,
        team: grant.orgWide ? null : { id: id.teamId, name: id.teamName },
        enterprise: grant.enterpriseId !== null ? { id: grant.enterpriseId, name: grant.enterpriseId } : null,
        is_enterprise_install: grant.orgWide,
        authed_user: { id: 'U0INSTALLER' },
      },
    };
  }

  /** The workspace a call with this token goes to: its installation's, or the first workspace's for a fixed token. */
  private workspaceFor(req: IncomingMessage, args: Readonly<Record<string, unknown>>): Workspace {
    const header = req.headers.authorization;
    const bearer = header !== undefined ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
    const token = bearer ?? (typeof args['token'] === 'string' ? args['token'] : undefined);
    const team = token !== undefined ? this.tokenTeams.get(token) : undefined;
    return (team !== undefined ? this.teams.get(team) : undefined) ?? this.workspace;
  }

  private workspaceWithFile(fileId: string): Workspace {
    for (const workspace of this.teams.values()) if (workspace.file(fileId) !== undefined) return workspace;
    return this.workspace;
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(new SlackStandInError('listen_failed', `the Slack stand-in could not listen on ${host}:${options.port ?? 0}: ${error.message}`, { cause: error }));
      };
      server.once('error', onError);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const standIn = new SlackStandIn(server, `http://${displayHost(host)}:${port}`, options, options.now ?? Date.now);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void standIn.handle(req, res);
    });
    server.on('upgrade', (req: IncomingMessage, socket) => {
      if (!standIn.socketMode.upgrade(req, socket)) socket.destroy();
    });
    return standIn;
  }

  /** Stops listening, cuts open connections and abandons delayed answers. Safe to call twice. */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      this.stopping.abort();
      this.socketMode.dropAll({ refuse: true });
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.stopped;
  }

  get identity(): StandInIdentity {
    return this.workspace.identity;
  }

  // ---- state ---------------------------------------------------------------------------------

  /** Messages in ts order (thread replies and ephemerals included), of one channel or all. Copies. */
  messages(channel?: string): StandInMessage[] {
    return this.workspace.messages(channel);
  }

  message(channel: string, ts: string): StandInMessage | undefined {
    return this.workspace.message(channel, ts);
  }

  /** Channels that have messages. */
  channels(): string[] {
    return this.workspace.channels();
  }

  files(): StandInFile[] {
    return this.workspace.files();
  }

  file(id: string): StandInFile | undefined {
    return this.workspace.file(id);
  }

  /** An uploaded file's bytes and content type (what GET /files/<id> serves). */
  fileContent(id: string): { bytes: Buffer; mimetype: string; name: string } | undefined {
    return this.workspace.fileContent(id);
  }

  /**
   * A response_url as Slack puts in a slash command or block_actions payload (`<url>/respond/<token>`).
   * With `messageTs`, replace_original/delete_original act on that message.
   */
  createResponseUrl(channel: string, user: string, options: { readonly messageTs?: string } = {}): string {
    return this.workspace.createResponseUrl(channel, user, options);
  }

  /** Adds a channel or changes one: archive it, invite the bot, make it private (see StandInChannel). */
  setChannel(channel: StandInChannel): void {
    this.workspace.setChannel(channel);
  }

  /** A user's Home tab as pymem last published it (views.publish), or undefined. */
  homeView(user: string): StandInHomeView | undefined {
    return this.workspace.homeView(user);
  }

  /** Forgets messages, files, response URLs, recorded calls, faults, rate limits and latencies. */
  reset(): void {
    this.recorded.length = 0;
    this.faults.clear();
    this.stretches.clear();
    this.latency.clear();
    this.workspace.reset();
  }

  // ---- recorded calls ------------------------------------------------------------------------

  calls(): readonly RecordedCall[] {
    return [...this.recorded];
  }

  callsTo(method: string): readonly RecordedCall[] {
    return this.recorded.filter((call) => call.method === method);
  }

  /**
   * Resolves with the first answered call that matches (earlier calls count unless
   * `includePast: false`). By then the state the call changed is visible through messages().
   */
  waitFor(
    predicate: (call: RecordedCall) => boolean,
    options: { readonly timeoutMs?: number; readonly includePast?: boolean } = {},
  ): Promise<RecordedCall> {
    if (options.includePast !== false) {
      const past = this.recorded.find((call) => call.response !== undefined && predicate(call));
      if (past) return Promise.resolve(past);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    return this.waitForEvent('call', (call) => (predicate(call) ? call : undefined), timeoutMs, () => {
      const seen = this.recorded.map((call) => `${call.method}${call.response ? ` -> ${call.response.status}` : ' (pending)'}`);
      return `no matching call to the Slack stand-in within ${timeoutMs} ms; calls so far: ${seen.join(', ') || 'none'}`;
    });
  }

  /**
   * A point in the message history, for `waitForMessage(..., { after })`. Unlike a clock reading,
   * it tells apart two messages posted in the same millisecond as the mark was taken.
   */
  mark(): string {
    return this.workspace.latestTs();
  }

  /**
   * Resolves with the first message (current state, any channel unless given) that matches,
   * among those posted after `after` (a `mark()`) when given.
   */
  waitForMessage(
    predicate: (message: StandInMessage) => boolean,
    options: { readonly timeoutMs?: number; readonly channel?: string; readonly after?: string } = {},
  ): Promise<StandInMessage> {
    const after = options.after ?? '';
    // ts strings of one stand-in have the same shape, so they order as strings (as messages() sorts them).
    const find = (): StandInMessage | undefined => this.messages(options.channel).find((m) => m.ts > after && predicate(m));
    const now = find();
    if (now) return Promise.resolve(now);
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    return this.waitForEvent('change', () => find(), timeoutMs, () => {
      const texts = this.messages(options.channel).map((m) => `${m.channel}/${m.ts}: ${JSON.stringify(m.text.slice(0, 60))}`);
      return `no matching message in the Slack stand-in within ${timeoutMs} ms; messages: ${texts.join('; ') || 'none'}`;
    });
  }

  private waitForEvent<E extends keyof SlackStandInEvents, T>(
    event: E,
    match: (...args: SlackStandInEvents[E]) => T | undefined,
    timeoutMs: number,
    describe: () => string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const listener = (...args: SlackStandInEvents[E]): void => {
        const found = match(...args);
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new SlackStandInError('wait_timeout', describe()));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off(event, listener as never);
      };
      this.on(event, listener as never);
    });
  }

  // ---- fault injection -----------------------------------------------------------------------

  /**
   * Makes the next call(s) to `method` fail or stall: `{ error: 'internal_error' }`,
   * `{ status: 429, retryAfterSeconds: 1 }`, `{ delayMs: 3000 }`, `{ status: 503, times: 2 }`.
   * Faults queue up: a second failNext applies after the first is used up.
   */
  failNext(method: string, spec: FaultSpec = {}): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new SlackStandInError('bad_fault', `failNext(${method}): times must be a positive integer, got ${times}`);
    if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) {
      throw new SlackStandInError('bad_fault', `failNext(${method}): status must be an HTTP status code, got ${spec.status}`);
    }
    if (spec.delayMs !== undefined && !(spec.delayMs >= 0)) {
      throw new SlackStandInError('bad_fault', `failNext(${method}): delayMs must be >= 0, got ${spec.delayMs}`);
    }
    const queue = this.faults.get(method) ?? [];
    queue.push({ spec, remaining: times });
    this.faults.set(method, queue);
  }

  /**
   * Answers every call to `method` (into `spec.channel`, when given) with 429 and Retry-After until
   * the returned stretch is lifted, as Slack does while an app exceeds a method's rate limit.
   */
  rateLimit(method: string, spec: RateLimitSpec = {}): RateLimitStretch {
    const retryAfter = spec.retryAfterSeconds ?? 1;
    if (!Number.isInteger(retryAfter) || retryAfter < 0) throw new SlackStandInError('bad_fault', `rateLimit(${method}): retryAfterSeconds must be a whole number >= 0, got ${retryAfter}`);
    const stretch = { method, spec, answered: 0 };
    this.stretches.add(stretch);
    return {
      get answered() {
        return stretch.answered;
      },
      lift: () => void this.stretches.delete(stretch),
    };
  }

  /** Delays every answer to `method` ('*' for all) by `ms`; 0 removes the delay. */
  setLatency(method: string, ms: number): void {
    if (ms > 0) this.latency.set(method, ms);
    else this.latency.delete(method);
  }

  /** Drops queued faults, rate limits and latencies. */
  clearFaults(): void {
    this.faults.clear();
    this.stretches.clear();
    this.latency.clear();
  }

  private takeFault(method: string): FaultSpec | undefined {
    const queue = this.faults.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    if (queue.length === 0) this.faults.delete(method);
    return head.spec;
  }

  /** The delay and (if any) the injected answer for a call that just arrived. */
  private async applyFaults(method: string, apiStyle: boolean, args: Readonly<Record<string, unknown>> = {}): Promise<HttpAnswer | undefined> {
    for (const stretch of this.stretches) {
      const channel = args['channel'] ?? args['channel_id'];
      if (stretch.method !== method || (stretch.spec.channel !== undefined && stretch.spec.channel !== channel)) continue;
      stretch.answered++;
      return { status: 429, json: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(stretch.spec.retryAfterSeconds ?? 1) }, injected: true };
    }
    const fault = this.takeFault(method);
    const delay = (this.latency.get(method) ?? this.latency.get('*') ?? 0) + (fault?.delayMs ?? 0);
    if (delay > 0) await sleep(delay, undefined, { signal: this.stopping.signal });
    if (!fault) return undefined;
    const status = fault.status ?? (fault.retryAfterSeconds !== undefined ? 429 : undefined);
    if (status === 429) {
      const retryAfter = fault.retryAfterSeconds ?? 1;
      return {
        status: 429,
        json: { ok: false, error: fault.error ?? 'ratelimited' },
        headers: { 'retry-after': String(retryAfter) },
        injected: true,
      };
    }
    if (status !== undefined) return { status, json: { ok: false, error: fault.error ?? 'internal_error' }, injected: true };
    if (fault.error !== undefined) return { status: apiStyle ? 200 : 500, json: { ok: false, error: fault.error }, injected: true };
    return undefined;
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
      const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
      const method = req.method ?? 'GET';
      if (parts[0] === 'api' && parts.length === 2 && (method === 'POST' || method === 'GET')) {
        await this.api(parts[1]!, url, req, res);
      } else if (parts[0] === 'upload' && parts.length === 2 && method === 'POST') {
        await this.upload(parts[1]!, req, res);
      } else if (parts[0] === 'respond' && parts.length === 2 && method === 'POST') {
        await this.respondUrl(parts[1]!, req, res);
      } else if (parts[0] === 'files' && parts.length >= 2 && (method === 'GET' || method === 'HEAD')) {
        this.serveFile(parts[1]!, parts[2] === 'download', method === 'HEAD', res);
      } else {
        req.resume();
        send(res, { status: 404, json: { ok: false, error: 'not_found', detail: `${method} ${url.pathname} is not served by the Slack stand-in` } });
      }
    } catch (error) {
      if (this.stopping.signal.aborted) {
        res.destroy();
        return;
      }
      const detail = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) send(res, { status: 500, json: { ok: false, error: 'internal_error', detail } });
      else res.destroy();
    }
  }

  /** POST /api/<method>: one Web API call. */
  private async api(method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = flatHeaders(req);
    const body = await readBody(req, MAX_API_BODY_BYTES);
    if (!body.ok) {
      const call = this.begin(method, { received_bytes: body.received }, headers);
      this.finish(call, res, { status: 413, json: { ok: false, error: 'request_too_large' } });
      return;
    }
    const decoded = await decodeArgs(body.bytes, req.headers['content-type'], url.searchParams);
    const call = this.begin(method, decoded.ok ? decoded.args : { raw_body: body.bytes.toString('utf8') }, headers);
    const injected = await this.applyFaults(method, true, decoded.ok ? decoded.args : {});
    if (injected) {
      this.finish(call, res, injected);
      return;
    }
    if (!decoded.ok) {
      this.finish(call, res, fromApi(fail(decoded.error, [decoded.detail])));
      return;
    }
    const args = decoded.args;
    if (!KNOWN_METHODS.has(method)) {
      this.finish(call, res, fromApi(fail('unknown_method', [`the Slack stand-in does not implement ${method}`])));
      return;
    }
    if (method === 'oauth.v2.access') {
      this.finish(call, res, fromApi(this.oauthAccess(args, req)));
      return;
    }
    const authError = this.authenticate(req, args, method === 'apps.connections.open' ? 'app' : 'bot');
    if (authError) {
      this.finish(call, res, fromApi(fail(authError)));
      return;
    }
    const answer =
      method === 'apps.connections.open' ? { status: 200, body: { ok: true, url: this.socketMode.connectionUrl() } } : (this.workspaceFor(req, args).call(method, args) ?? fail('unknown_method'));
    this.finish(call, res, fromApi(answer));
  }

  /** POST /upload/<file id>: the bytes of a file, raw or as multipart/form-data (what @slack/web-api sends). */
  private async upload(fileId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = flatHeaders(req);
    const declared = this.workspaceWithFile(fileId).file(fileId)?.size ?? 0;
    const body = await readBody(req, Math.min(declared, WORKSPACE_LIMITS.fileBytes) + MULTIPART_OVERHEAD_BYTES);
    const contentType = req.headers['content-type'];
    if (!body.ok) {
      const call = this.begin(UPLOAD_METHOD, { file_id: fileId, received_bytes: body.received }, headers);
      this.finish(call, res, { status: 413, text: `file ${fileId}: received more than the declared ${declared} bytes` });
      return;
    }
    let bytes = body.bytes;
    const args: Record<string, unknown> = { file_id: fileId, content_type: contentType ?? null, body_bytes: body.bytes.length };
    if (mediaType(contentType) === 'multipart/form-data') {
      let parts: FormPart[];
      try {
        parts = await parseMultipart(body.bytes, contentType ?? '');
      } catch (error) {
        const call = this.begin(UPLOAD_METHOD, args, headers);
        this.finish(call, res, { status: 400, text: `file ${fileId}: unreadable multipart body: ${error instanceof Error ? error.message : String(error)}` });
        return;
      }
      const files = parts.filter((p) => p.kind === 'file');
      const file = files.find((p) => p.name === 'file') ?? files[0];
      args['parts'] = parts.map((p) => (p.kind === 'file' ? { name: p.name, filename: p.filename, type: p.type, bytes: p.bytes.length } : { name: p.name, value: p.value }));
      bytes = file?.kind === 'file' ? file.bytes : Buffer.alloc(0);
    }
    args['file_bytes'] = bytes.length;
    const call = this.begin(UPLOAD_METHOD, args, headers);
    const injected = await this.applyFaults(UPLOAD_METHOD, false);
    if (injected) {
      this.finish(call, res, injected);
      return;
    }
    const result = this.workspaceWithFile(fileId).receiveUpload(fileId, bytes);
    // Slack's upload endpoint answers with plain text; @slack/web-api only looks at the status.
    this.finish(call, res, result.ok ? { status: 200, text: `OK - ${bytes.length}` } : { status: result.status, text: result.message });
  }

  /** POST /respond/<token>: a response_url post (JSON, as Bolt's respond() sends). */
  private async respondUrl(token: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = flatHeaders(req);
    const body = await readBody(req, MAX_API_BODY_BYTES);
    if (!body.ok) {
      const call = this.begin(RESPONSE_URL_METHOD, { token, received_bytes: body.received }, headers);
      this.finish(call, res, { status: 413, json: { ok: false, error: 'request_too_large' } });
      return;
    }
    let payload: unknown;
    let parseError: string | undefined;
    const text = body.bytes.toString('utf8');
    if (mediaType(req.headers['content-type']) === 'application/x-www-form-urlencoded') {
      // Incoming-webhook style: payload=<json>.
      const inner = new URLSearchParams(text).get('payload');
      try {
        payload = JSON.parse(inner ?? '') as unknown;
      } catch {
        parseError = 'the form body has no JSON payload field';
      }
    } else {
      try {
        payload = JSON.parse(text) as unknown;
      } catch {
        parseError = 'the body is not JSON';
      }
    }
    const call = this.begin(RESPONSE_URL_METHOD, { token, ...(isRecord(payload) ? payload : { raw_body: text }) }, headers);
    const injected = await this.applyFaults(RESPONSE_URL_METHOD, false);
    if (injected) {
      this.finish(call, res, injected);
      return;
    }
    if (parseError !== undefined) {
      this.finish(call, res, { status: 400, json: fail('invalid_payload', [parseError]).body });
      return;
    }
    const owner = [...this.teams.values()].find((w) => w.ownsResponseUrl(token)) ?? this.workspace;
    this.finish(call, res, fromApi(owner.respond(token, payload)));
  }

  /** GET /files/<id>[/<name>]: the stored bytes, for the playground and for tests. */
  private serveFile(fileId: string, download: boolean, headOnly: boolean, res: ServerResponse): void {
    const content = this.workspaceWithFile(fileId).fileContent(fileId);
    if (!content) {
      send(res, { status: 404, text: `no uploaded bytes for file ${fileId}` });
      return;
    }
    res.writeHead(200, {
      'content-type': content.mimetype,
      'content-length': String(content.bytes.length),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...(download ? { 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(content.name)}` } : {}),
    });
    res.end(headOnly ? undefined : content.bytes);
  }

  /** Bot tokens for the Web API; apps.connections.open takes an app-level token (xapp-), as on Slack. */
  private authenticate(req: IncomingMessage, args: Readonly<Record<string, unknown>>, kind: 'bot' | 'app'): string | undefined {
    const header = req.headers.authorization;
    const bearer = header !== undefined ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
    const token = bearer ?? (typeof args['token'] === 'string' && args['token'] !== '' ? args['token'] : undefined);
    if (token === undefined) return 'not_authed';
    if (kind === 'app') return /^xapp-\S+$/.test(token) ? undefined : 'not_allowed_token_type';
    if (this.revokedTokens.has(token)) return 'token_revoked';
    if (this.tokenTeams.has(token)) return undefined;
    const accepted = this.options.tokens !== undefined ? this.options.tokens.includes(token) : /^xoxb-\S+$/.test(token);
    return accepted ? undefined : 'invalid_auth';
  }

  private begin(method: string, args: Readonly<Record<string, unknown>>, headers: Readonly<Record<string, string>>): RecordedCall {
    this.callCounter += 1;
    const call: RecordedCall = { seq: this.callCounter, method, args, at: this.now(), headers };
    this.recorded.push(call);
    return call;
  }

  /** Records the answer on the call, sends it, then tells listeners. */
  private finish(call: RecordedCall, res: ServerResponse, answer: HttpAnswer): void {
    send(res, answer);
    const done: RecordedCall = {
      ...call,
      response: { status: answer.status, body: answer.json ?? answer.text, injected: answer.injected === true },
    };
    const index = this.recorded.indexOf(call);
    if (index >= 0) this.recorded[index] = done; // absent when reset() ran while the call was in flight
    this.emit('call', done);
  }
}


function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  if (res.headersSent || res.destroyed) return;
  const isJson = answer.json !== undefined;
  const payload = isJson ? JSON.stringify(answer.json) : (answer.text ?? '');
  res.writeHead(answer.status, {
    'content-type': isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    ...answer.headers,
  });
  res.end(payload);
}
