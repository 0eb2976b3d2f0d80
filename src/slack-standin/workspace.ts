/**
 * The in-memory Slack workspace behind the stand-in: channels of messages, uploaded files and
 * response URLs, with the semantics of the Web API methods the bot calls. No HTTP and no clock of
 * its own (both are passed in), so the server, the playground and tests share one model.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { formatProblem, validateBlocks, type BlockProblem, type SlackFileRef, type SlackFileStatus } from './block-validation';

/** A Block Kit block as stored: a JSON object (the stand-in keeps whatever the app sent, plus generated ids). */
export type StoredBlock = Readonly<Record<string, unknown>>;

/** Who the bot is in the stand-in workspace; auth.test answers with these. */
export interface StandInIdentity {
  readonly botUserId: string;
  readonly botId: string;
  readonly botName: string;
  readonly appId: string;
  readonly teamId: string;
  readonly teamName: string;
  readonly teamDomain: string;
}

export type FileState = 'awaiting_bytes' | 'uploaded' | 'complete';

/** A file as the playground and tests see it (the bytes are fetched separately). */
export interface StandInFile {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly mimetype: string;
  readonly filetype: string;
  /** The length declared to files.getUploadURLExternal, in bytes. */
  readonly size: number;
  readonly altText?: string;
  readonly state: FileState;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly completedAt?: number;
  /** Channels the file was shared to; empty for a private upload. */
  readonly channels: readonly string[];
  readonly url_private: string;
  readonly permalink: string;
}

export type MessageSource = 'chat.postMessage' | 'chat.postEphemeral' | 'files.completeUploadExternal' | 'response_url';

/** An earlier version of an edited message. */
export interface MessageVersion {
  readonly text: string;
  readonly blocks: readonly StoredBlock[];
  /** When this version was replaced, in milliseconds since the epoch. */
  readonly replacedAt: number;
}

/** A message as the playground and tests see it. */
export interface StandInMessage {
  readonly channel: string;
  readonly ts: string;
  /** Set on thread replies: the ts of the thread's parent. */
  readonly thread_ts?: string;
  /** The author: the bot's user id for everything the bot posts. */
  readonly user: string;
  readonly bot_id?: string;
  /** Set on ephemeral messages: the only user who sees them. */
  readonly visibleTo?: string;
  readonly source: MessageSource;
  readonly text: string;
  readonly blocks: readonly StoredBlock[];
  readonly files: readonly StandInFile[];
  /** How many times the message was edited (chat.update or replace_original). */
  readonly edits: number;
  readonly history: readonly MessageVersion[];
  /** Milliseconds since the epoch. */
  readonly postedAt: number;
  readonly editedAt?: number;
}

/** What changed; the playground re-reads state on each. */
export type StandInChange =
  | { readonly kind: 'message_posted' | 'message_updated' | 'message_deleted'; readonly channel: string; readonly ts: string }
  | { readonly kind: 'file_created' | 'file_uploaded' | 'file_completed'; readonly fileId: string }
  | { readonly kind: 'home_published'; readonly user: string }
  | { readonly kind: 'reset' };

/** An HTTP answer from the workspace: status and JSON body. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * A conversation and the bot's place in it, which decide what Slack lets the bot do there:
 * - public: the bot may post without being a member (chat:write.public);
 * - private, mpim (group DM), im (DM): a conversation the bot is not in is hidden from it
 *   (channel_not_found), as Slack does; an im the bot is in is the bot's own DM with someone;
 * - archived: readable, but every post or edit answers is_archived.
 */
export interface StandInChannel {
  readonly id: string;
  readonly kind?: 'public' | 'private' | 'im' | 'mpim';
  /** Whether the bot is in it; true by default. */
  readonly member?: boolean;
  readonly archived?: boolean;
  readonly name?: string;
  /** The people in it (users.conversations answers from these); none by default. */
  readonly members?: readonly string[];
}

/** A Home tab as views.publish left it. */
export interface StandInHomeView {
  readonly user: string;
  readonly view: Readonly<Record<string, unknown>>;
  /** How many times it was published. */
  readonly publishes: number;
  readonly publishedAt: number;
}

export interface WorkspaceOptions {
  readonly identity: StandInIdentity;
  /** Where links point (upload_url, url_private, response URLs): the server's public base URL, no trailing slash. */
  readonly baseUrl: string;
  readonly now: () => number;
  /** Image blocks that reference a file completed less than this many milliseconds ago fail, as on Slack. */
  readonly fileProcessingMs: number;
  /**
   * When given, only these channels exist; others answer channel_not_found. A bare id is a public
   * channel the bot is in.
   */
  readonly channels?: readonly (string | StandInChannel)[];
  readonly onChange: (change: StandInChange) => void;
  /** Numbers file ids; shared by the workspaces of one stand-in so their ids never collide (a counter of its own by default). */
  readonly nextFileNumber?: () => number;
}

/** Slack's limits the workspace enforces. */
export const WORKSPACE_LIMITS = {
  /** chat.postMessage rejects longer `text` with msg_too_long. */
  messageText: 40_000,
  /** Slack's largest file. */
  fileBytes: 1024 * 1024 * 1024,
  /** A response_url takes at most five posts within 30 minutes. */
  responseUrlUses: 5,
  responseUrlLifetimeMs: 30 * 60 * 1000,
} as const;

/** The channel id pattern files.completeUploadExternal enforces on channel_id. */
const CHANNEL_ID = /^[CGDZ][A-Z0-9]{8,}$/;

interface MessageRecord {
  channel: string;
  ts: string;
  thread_ts?: string;
  user: string;
  bot_id?: string;
  visibleTo?: string;
  source: MessageSource;
  text: string;
  blocks: StoredBlock[];
  fileIds: string[];
  history: MessageVersion[];
  postedAt: number;
  editedAt?: number;
  deleted: boolean;
}

interface FileRecord {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  altText?: string;
  state: FileState;
  createdAt: number;
  completedAt?: number;
  channels: string[];
  bytes?: Buffer;
}

interface ResponseUrlRecord {
  channel: string;
  user: string;
  messageTs?: string;
  uses: number;
  createdAt: number;
}

// Form-encoded arguments arrive as strings; JSON ones may be numbers or booleans.
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const flag = z.union([z.boolean(), z.string()]).transform((v) => v === true || v === 'true' || v === '1');

const PostMessageArgs = z.looseObject({
  channel: scalar.optional(),
  text: scalar.optional(),
  blocks: z.unknown().optional(),
  thread_ts: scalar.optional(),
});
const UpdateArgs = z.looseObject({
  channel: scalar.optional(),
  ts: scalar.optional(),
  text: scalar.optional(),
  blocks: z.unknown().optional(),
});
const EphemeralArgs = z.looseObject({
  channel: scalar.optional(),
  user: scalar.optional(),
  text: scalar.optional(),
  blocks: z.unknown().optional(),
  thread_ts: scalar.optional(),
});
const UploadUrlArgs = z.looseObject({
  filename: z.string().min(1),
  length: z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number),
  alt_text: z.string().optional(),
  alt_txt: z.string().optional(),
});
const CompleteArgs = z.looseObject({
  files: z.array(z.looseObject({ id: z.string(), title: z.string().optional() })).min(1),
  channel_id: z.string().optional(),
  channels: z.string().optional(),
  initial_comment: z.string().optional(),
  thread_ts: scalar.optional(),
  blocks: z.unknown().optional(),
});
const PublishArgs = z.looseObject({ user_id: z.string().min(1), view: z.unknown() });
const HomeViewShape = z.looseObject({ type: z.string(), blocks: z.array(z.unknown()) });
const UserConversationsArgs = z.looseObject({
  user: z.string().optional(),
  types: z.string().optional(),
  exclude_archived: flag.optional(),
  limit: z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number).optional(),
  cursor: z.string().optional(),
});
const ResponseBody = z.looseObject({
  text: scalar.optional(),
  blocks: z.unknown().optional(),
  response_type: z.enum(['ephemeral', 'in_channel']).optional(),
  replace_original: flag.optional(),
  delete_original: flag.optional(),
  thread_ts: scalar.optional(),
});

function ok(body: Record<string, unknown> = {}): ApiAnswer {
  return { status: 200, body: { ok: true, ...body } };
}

/** Slack's error shape: `error` plus the details in `response_metadata.messages`, prefixed `[ERROR]`. */
export function fail(error: string, messages: readonly string[] = [], status = 200, extra: Record<string, unknown> = {}): ApiAnswer {
  const body: Record<string, unknown> = { ok: false, error, ...extra };
  if (messages.length > 0) body['response_metadata'] = { messages: messages.map((m) => `[ERROR] ${m}`) };
  return { status, body };
}

function invalidArguments(issues: ReadonlyArray<{ readonly message: string; readonly path: readonly PropertyKey[] }>): ApiAnswer {
  return fail(
    'invalid_arguments',
    issues.map((issue) => `${issue.message} [json-pointer:/${issue.path.map(String).join('/')}]`),
  );
}

/** Parses a `blocks` argument: JSON text (form encoding) or an array (JSON body). */
function readBlocks(raw: unknown): { ok: true; blocks: unknown[] | undefined } | { ok: false; answer: ApiAnswer } {
  if (raw === undefined || raw === null || raw === '') return { ok: true, blocks: undefined };
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return { ok: false, answer: fail('invalid_blocks_format', ['blocks is not valid JSON']) };
    }
  }
  if (!Array.isArray(value)) return { ok: false, answer: fail('invalid_blocks_format', ['blocks must be a JSON array']) };
  return { ok: true, blocks: value };
}

function invalidBlocks(problems: readonly BlockProblem[], status = 200): ApiAnswer {
  const errors = problems.map(formatProblem);
  return fail('invalid_blocks', errors, status, { errors });
}

const MIME_BY_EXTENSION: Readonly<Record<string, { mimetype: string; filetype: string }>> = {
  png: { mimetype: 'image/png', filetype: 'png' },
  jpg: { mimetype: 'image/jpeg', filetype: 'jpg' },
  jpeg: { mimetype: 'image/jpeg', filetype: 'jpg' },
  gif: { mimetype: 'image/gif', filetype: 'gif' },
  svg: { mimetype: 'image/svg+xml', filetype: 'svg' },
  txt: { mimetype: 'text/plain', filetype: 'text' },
  md: { mimetype: 'text/markdown', filetype: 'markdown' },
  log: { mimetype: 'text/plain', filetype: 'text' },
  csv: { mimetype: 'text/csv', filetype: 'csv' },
  json: { mimetype: 'application/json', filetype: 'json' },
  pdf: { mimetype: 'application/pdf', filetype: 'pdf' },
};

function typeOfFile(filename: string): { mimetype: string; filetype: string } {
  const dot = filename.lastIndexOf('.');
  const extension = dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
  return MIME_BY_EXTENSION[extension] ?? { mimetype: 'application/octet-stream', filetype: 'binary' };
}

/** Formats microseconds since the epoch as a Slack ts: "1764480000.000100". */
function formatTs(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  return `${seconds}.${String(fraction).padStart(6, '0')}`;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export class Workspace {
  private readonly messagesByChannel = new Map<string, MessageRecord[]>();
  /** Null: every channel id exists, as a public channel the bot is in. */
  private readonly channelsById: Map<string, Required<StandInChannel>> | null;
  private readonly filesById = new Map<string, FileRecord>();
  private readonly responseUrls = new Map<string, ResponseUrlRecord>();
  private readonly homeViews = new Map<string, StandInHomeView>();
  private lastTsMicros = 0;
  private fileCounter = 0;
  private generatedIdCounter = 0;
  private responseUrlCounter = 0;

  constructor(private readonly options: WorkspaceOptions) {
    this.channelsById = options.channels === undefined ? null : new Map();
    for (const channel of options.channels ?? []) this.setChannel(typeof channel === 'string' ? { id: channel } : channel);
  }

  /** Adds a channel or changes one (archive it, invite the bot, ...). */
  setChannel(channel: StandInChannel): void {
    if (this.channelsById === null) throw new Error('setChannel needs a stand-in started with a channel list');
    const old = this.channelsById.get(channel.id);
    this.channelsById.set(channel.id, {
      id: channel.id,
      kind: channel.kind ?? old?.kind ?? 'public',
      member: channel.member ?? old?.member ?? true,
      archived: channel.archived ?? old?.archived ?? false,
      name: channel.name ?? old?.name ?? channel.id.toLowerCase(),
      members: channel.members ?? old?.members ?? [],
    });
  }

  get identity(): StandInIdentity {
    return this.options.identity;
  }

  /** Answers one Web API method, or undefined when the stand-in does not know the method. */
  call(method: string, args: Readonly<Record<string, unknown>>): ApiAnswer | undefined {
    switch (method) {
      case 'auth.test':
        return this.authTest();
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.update(args);
      case 'chat.postEphemeral':
        return this.postEphemeral(args);
      case 'files.getUploadURLExternal':
        return this.getUploadUrl(args);
      case 'files.completeUploadExternal':
        return this.completeUpload(args);
      case 'conversations.info':
        return this.conversationInfo(args);
      case 'views.publish':
        return this.publishView(args);
      case 'users.conversations':
        return this.userConversations(args);
      default:
        return undefined;
    }
  }

  // ---- reading state -------------------------------------------------------------------------

  /** Messages in posting order (thread replies and ephemerals included), of one channel or of all. */
  messages(channel?: string): StandInMessage[] {
    const records =
      channel === undefined ? [...this.messagesByChannel.values()].flat() : (this.messagesByChannel.get(channel) ?? []);
    return records
      .filter((m) => !m.deleted)
      .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
      .map((m) => this.snapshotMessage(m));
  }

  /** The ts of the newest message posted so far ('' before the first): later messages sort after it. */
  latestTs(): string {
    return this.lastTsMicros === 0 ? '' : formatTs(this.lastTsMicros);
  }

  /** One message by channel and ts, ephemerals included. */
  message(channel: string, ts: string): StandInMessage | undefined {
    const record = this.findMessage(channel, ts, true);
    return record ? this.snapshotMessage(record) : undefined;
  }

  channels(): string[] {
    return [...this.messagesByChannel.keys()].sort();
  }

  files(): StandInFile[] {
    return [...this.filesById.values()].map((f) => this.snapshotFile(f));
  }

  file(id: string): StandInFile | undefined {
    const record = this.filesById.get(id);
    return record ? this.snapshotFile(record) : undefined;
  }

  /** The bytes of an uploaded file (a copy), with its content type. */
  fileContent(id: string): { bytes: Buffer; mimetype: string; name: string } | undefined {
    const record = this.filesById.get(id);
    if (!record?.bytes) return undefined;
    return { bytes: Buffer.from(record.bytes), mimetype: record.mimetype, name: record.name };
  }

  /** A user's Home tab as last published, or undefined when pymem never published one. */
  homeView(user: string): StandInHomeView | undefined {
    const home = this.homeViews.get(user);
    return home ? structuredClone(home) : undefined;
  }

  reset(): void {
    this.messagesByChannel.clear();
    this.filesById.clear();
    this.responseUrls.clear();
    this.homeViews.clear();
    this.options.onChange({ kind: 'reset' });
  }

  // ---- Web API methods -----------------------------------------------------------------------

  private authTest(): ApiAnswer {
    const id = this.options.identity;
    return ok({
      url: `${this.options.baseUrl}/`,
      team: id.teamName,
      user: id.botName,
      team_id: id.teamId,
      user_id: id.botUserId,
      bot_id: id.botId,
      is_enterprise_install: false,
    });
  }

  private conversationInfo(raw: Readonly<Record<string, unknown>>): ApiAnswer {
    const id = typeof raw['channel'] === 'string' || typeof raw['channel'] === 'number' ? String(raw['channel']) : '';
    const channel = this.visibleChannel(id);
    if (channel === undefined) return fail('channel_not_found');
    const { kind } = channel;
    const base = {
      id: channel.id,
      created: 1_700_000_000,
      is_archived: channel.archived,
      is_im: kind === 'im',
      is_mpim: kind === 'mpim',
      is_private: kind !== 'public',
      is_channel: kind === 'public' || kind === 'private',
      is_group: kind === 'private',
    };
    // Slack's objects for direct messages carry the other person instead of a name and membership.
    return ok({ channel: kind === 'im' ? { ...base, user: 'U0SOMEONE1' } : { ...base, name: channel.name, is_member: channel.member } });
  }

  /** views.publish: a Home tab of at most 100 valid blocks, for one user. */
  private publishView(raw: Readonly<Record<string, unknown>>): ApiAnswer {
    const parsed = PublishArgs.safeParse(raw);
    if (!parsed.success) return invalidArguments(parsed.error.issues);
    let view: unknown = parsed.data.view;
    if (typeof view === 'string') {
      try {
        view = JSON.parse(view) as unknown;
      } catch {
        return fail('invalid_arguments', ['view is not valid JSON [json-pointer:/view]']);
      }
    }
    const shape = HomeViewShape.safeParse(view);
    if (!shape.success) return invalidArguments(shape.error.issues.map((i) => ({ ...i, path: ['view', ...i.path] })));
    if (shape.data.type !== 'home') return fail('invalid_arguments', ['views.publish takes only views of type home [json-pointer:/view/type]']);
    const problems = validateBlocks(shape.data.blocks, { maxBlocks: 100, findFile: (ref) => this.fileStatus(ref) }, '/view/blocks');
    if (problems.length > 0) return invalidBlocks(problems);
    const user = parsed.data.user_id;
    const old = this.homeViews.get(user);
    const stored = { ...shape.data, blocks: this.withGeneratedIds(shape.data.blocks) };
    this.homeViews.set(user, { user, view: stored, publishes: (old?.publishes ?? 0) + 1, publishedAt: this.options.now() });
    this.options.onChange({ kind: 'home_published', user });
    return ok({ view: { id: `V${user}`, team_id: this.options.identity.teamId, ...stored } });
  }

  /** users.conversations: the visible, unarchived conversations of the given types the user is a member of, by page. */
  private userConversations(raw: Readonly<Record<string, unknown>>): ApiAnswer {
    const parsed = UserConversationsArgs.safeParse(raw);
    if (!parsed.success) return invalidArguments(parsed.error.issues);
    const args = parsed.data;
    // Without a channel list the stand-in knows no members: nobody is in anything.
    if (this.channelsById === null) return ok({ channels: [], response_metadata: { next_cursor: '' } });
    const types = new Set((args.types ?? 'public_channel').split(',').map((t) => t.trim()));
    const kindOf = { public: 'public_channel', private: 'private_channel', mpim: 'mpim', im: 'im' } as const;
    const all = [...this.channelsById.values()]
      .filter((c) => c.members.includes(args.user ?? '') && types.has(kindOf[c.kind]) && this.visibleChannel(c.id) !== undefined && !(args.exclude_archived && c.archived))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const limit = Math.min(Math.max(args.limit ?? 100, 1), 1000);
    const offset = args.cursor ? Number(Buffer.from(args.cursor, 'base64').toString('utf8').replace(/^offset:/, '')) : 0;
    if (!Number.isInteger(offset) || offset < 0) return fail('invalid_cursor');
    const page = all.slice(offset, offset + limit);
    const next = offset + limit < all.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '';
    return ok({ channels: page.map((c) => ({ id: c.id, name: c.name, is_archived: c.archived, is_private: c.kind !== 'public' })), response_metadata: { next_cursor: next } });
  }

  private postMessage(raw: Readonly<Record<string, unknown>>): ApiAnswer {
    const parsed = PostMessageArgs.safeParse(raw);
    if (!parsed.success) return invalidArguments(parsed.error.issues);
    const args = parsed.data;
    const channelError = this.checkChannel(args.channel);
    if (channelError) return channelError;
    const content = this.readContent(args.text, args.blocks);
    if (!content.ok) return content.answer;
    const message = this.store({
      channel: args.channel!,
      source: 'chat.postMessage',
      text: content.text,
      blocks: content.blocks,
      ...(args.thread_ts !== undefined && args.thread_ts !== '' ? { thread_ts: args.thread_ts } : {}),
    });
    return ok({ channel: message.channel, ts: message.ts, message: this.messageJson(message) });
  }

  private update(raw: Readonly<Record<string, unknown>>): ApiAnswer {
    const parsed = UpdateArgs.safeParse(raw);
    if (!parsed.success) return invalidArguments(parsed.error.issues);
    const args = parsed.data;
    const channelError = this.checkChannel(args.channel);
    if (channelError) return channelError;
    if (args.ts === undefined || args.ts === '') return fail('message_not_found', ['missing required field: ts']);
    // chat.update cannot reach ephemeral messages: only their response_url can replace them.
    const record = this.findMessage(args.channel!, args.ts, false);
    if (!record) return fail('message_not_found');
    const blocksRead = readBlocks(args.blocks);
    if (!blocksRead.ok) return blocksRead.answer;
    if ((args.text === undefined || args.text === '') && blocksRead.blocks === undefined) return fail('no_text');
    // Slack keeps the previous blocks when `blocks` is left out; an empty array removes them.
    const blocks = blocksRead.blocks ?? record.blocks;
    const problems = this.validate(blocks);
    if (problems.length > 0) return invalidBlocks(problems);
    this.edit(record, args.text ?? '', blocks);
    return ok({ channel: record.channel, ts: record.ts, text: record.text, message: this.messageJson(record) });
  }

  private postEphemeral(raw: Readonly<Record<string, unknown>>): ApiAnswer {
    const parsed = EphemeralArgs.safeParse(raw);
    if (!parsed.success) return invalidArguments(parsed.error.issues);
    const args = parsed.data;
    const channelError = this.checkChannel(args.channel);
    if (channelError) return channelError;
    if (args.user === undefined || args.user === '') return fail('user_not_in_channel', ['missing required field: user']);
    const content = this.readContent(args.text, args.blocks);
    if (!content.ok) return content.answer;
    const message = this.store({
      channel: args.channel!,
      source: 'chat.postEphemeral',
      text: content.text,
      blocks: content.blocks,
      visibleTo: args.user,
      ...(args.thread_ts !== undefined && args.thread_ts !== '' ? { thread_ts: args.thread_ts } : {}),
    });
    return ok({ message_ts: message.ts });
  }

  private getUploadUrl(raw: Readonly<Record<string, unknown>>): ApiAnswer {
    const parsed = UploadUrlArgs.safeParse(raw);
    if (!parsed.success) return invalidArguments(parsed.error.issues);
    const args = parsed.data;
    if (!Number.isInteger(args.length) || args.length < 1 || args.length > WORKSPACE_LIMITS.fileBytes) {
      return fail('invalid_arguments', [`length must be between 1 and ${WORKSPACE_LIMITS.fileBytes} bytes [json-pointer:/length]`]);
    }
    const number = this.options.nextFileNumber?.() ?? ++this.fileCounter;
    const id = `F${number.toString(36).toUpperCase().padStart(10, '0')}`;
    const altText = args.alt_text ?? args.alt_txt;
    const record: FileRecord = {
      id,
      name: args.filename,
      title: args.filename,
      ...typeOfFile(args.filename),
      size: args.length,
      state: 'awaiting_bytes',
      createdAt: this.options.now(),
      channels: [],
      ...(altText !== undefined ? { altText } : {}),
    };
    this.filesById.set(id, record);
    this.options.onChange({ kind: 'file_created', fileId: id });
    return ok({ upload_url: `${this.options.baseUrl}/upload/${id}`, file_id: id });
  }

  /**
   * Takes the bytes POSTed to an upload_url. Refuses unknown ids, a second upload and a length
   * other than the one declared to files.getUploadURLExternal.
   */
  receiveUpload(fileId: string, bytes: Buffer): { ok: true } | { ok: false; status: number; message: string } {
    const record = this.filesById.get(fileId);
    if (!record) return { ok: false, status: 404, message: `no upload is waiting for file ${fileId}` };
    if (record.state !== 'awaiting_bytes') return { ok: false, status: 409, message: `file ${fileId} was already uploaded` };
    if (bytes.length !== record.size) {
      return {
        ok: false,
        status: 400,
        message: `file ${fileId}: received ${bytes.length} bytes but files.getUploadURLExternal declared length ${record.size}`,
      };
    }
    record.bytes = Buffer.from(bytes);
    record.state = 'uploaded';
    this.options.onChange({ kind: 'file_uploaded', fileId });
    return { ok: true };
  }

  private completeUpload(raw: Readonly<Record<string, unknown>>): ApiAnswer {
    let files = raw['files'];
    if (typeof files === 'string') {
      try {
        files = JSON.parse(files) as unknown;
      } catch {
        return fail('invalid_arguments', ['files is not valid JSON [json-pointer:/files]']);
      }
    }
    const parsed = CompleteArgs.safeParse({ ...raw, files });
    if (!parsed.success) return invalidArguments(parsed.error.issues);
    const args = parsed.data;
    const channels = [
      ...(args.channel_id ? [args.channel_id] : []),
      ...(args.channels ? args.channels.split(',').map((c) => c.trim()).filter((c) => c !== '') : []),
    ];
    for (const channel of channels) {
      if (!CHANNEL_ID.test(channel)) {
        return fail('invalid_arguments', [`input must match regex pattern: ${CHANNEL_ID.source} [json-pointer:/channel_id]`]);
      }
      const channelError = this.checkChannel(channel);
      if (channelError) return channelError;
    }
    const records: FileRecord[] = [];
    for (const entry of args.files) {
      const record = this.filesById.get(entry.id);
      if (!record) return fail('file_not_found', [`no file ${entry.id}: call files.getUploadURLExternal first`]);
      if (record.state === 'awaiting_bytes') {
        return fail('file_not_found', [`file ${entry.id} has no bytes yet: POST them to its upload_url before completing`]);
      }
      // Slack discards the pending upload once completed: a second completion finds nothing.
      if (record.state === 'complete') return fail('file_not_found', [`file ${entry.id} was already completed`]);
      records.push(record);
    }
    const blocksRead = readBlocks(args.blocks);
    if (!blocksRead.ok) return blocksRead.answer;
    // Slack ignores blocks when an initial_comment is given.
    const shareBlocks = args.initial_comment !== undefined ? [] : (blocksRead.blocks ?? []);
    const problems = this.validate(shareBlocks);
    if (problems.length > 0) return invalidBlocks(problems);

    const now = this.options.now();
    args.files.forEach((entry, i) => {
      const record = records[i]!;
      if (entry.title !== undefined && entry.title !== '') record.title = entry.title;
      record.state = 'complete';
      record.completedAt = now;
      record.channels.push(...channels);
      this.options.onChange({ kind: 'file_completed', fileId: record.id });
    });
    for (const channel of channels) {
      this.store({
        channel,
        source: 'files.completeUploadExternal',
        text: args.initial_comment ?? '',
        blocks: shareBlocks,
        fileIds: records.map((r) => r.id),
        ...(args.thread_ts !== undefined && args.thread_ts !== '' ? { thread_ts: args.thread_ts } : {}),
      });
    }
    return ok({ files: records.map((r) => this.fileJson(r)) });
  }

  // ---- response_url --------------------------------------------------------------------------

  /**
   * A response_url for a command or action by `user` in `channel`. With `messageTs`, the URL
   * belongs to that message, so `replace_original` and `delete_original` act on it.
   */
  createResponseUrl(channel: string, user: string, options: { readonly messageTs?: string } = {}): string {
    this.responseUrlCounter += 1;
    const token = `${this.responseUrlCounter}-${randomBytes(12).toString('hex')}`;
    this.responseUrls.set(token, {
      channel,
      user,
      uses: 0,
      createdAt: this.options.now(),
      ...(options.messageTs !== undefined ? { messageTs: options.messageTs } : {}),
    });
    return `${this.options.baseUrl}/respond/${token}`;
  }

  /** Whether a response_url token was handed out by this workspace. */
  ownsResponseUrl(token: string): boolean {
    return this.responseUrls.has(token);
  }

  /** Handles a POST to a response_url: a new (ephemeral by default) message, a replacement or a deletion. */
  respond(token: string, body: unknown): ApiAnswer {
    const target = this.responseUrls.get(token);
    if (!target || this.options.now() - target.createdAt > WORKSPACE_LIMITS.responseUrlLifetimeMs) {
      return fail('expired_url', ['this response_url is unknown or older than 30 minutes'], 404);
    }
    if (target.uses >= WORKSPACE_LIMITS.responseUrlUses) {
      return fail('used_url', [`a response_url takes at most ${WORKSPACE_LIMITS.responseUrlUses} posts`], 404);
    }
    const parsed = ResponseBody.safeParse(body);
    if (!parsed.success) {
      const answer = invalidArguments(parsed.error.issues);
      return { status: 400, body: answer.body };
    }
    const args = parsed.data;
    const original = target.messageTs !== undefined ? this.findMessage(target.channel, target.messageTs, true) : undefined;
    if (args.delete_original === true) {
      if (!original) return fail('message_not_found', ['delete_original: this response_url has no original message'], 404);
      target.uses += 1;
      original.deleted = true;
      this.options.onChange({ kind: 'message_deleted', channel: original.channel, ts: original.ts });
      return ok();
    }
    const blocksRead = readBlocks(args.blocks);
    if (!blocksRead.ok) return { status: 400, body: blocksRead.answer.body };
    if ((args.text === undefined || args.text === '') && blocksRead.blocks === undefined) return fail('no_text', [], 400);
    const blocks = blocksRead.blocks ?? [];
    const problems = this.validate(blocks);
    // Slack answers a response_url with invalid blocks with HTTP 404 and {"ok":false,"error":"invalid_blocks"}.
    if (problems.length > 0) return invalidBlocks(problems, 404);
    target.uses += 1;
    if (args.replace_original === true && original) {
      this.edit(original, args.text ?? '', blocks);
      return ok();
    }
    const inChannel = args.response_type === 'in_channel';
    this.store({
      channel: target.channel,
      source: 'response_url',
      text: args.text ?? '',
      blocks,
      ...(inChannel ? {} : { visibleTo: target.user }),
      ...(args.thread_ts !== undefined && args.thread_ts !== '' ? { thread_ts: args.thread_ts } : {}),
    });
    return ok();
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Validation context: files resolve by id, url_private or permalink. */
  private validate(blocks: unknown): BlockProblem[] {
    return validateBlocks(blocks, { findFile: (ref) => this.fileStatus(ref) });
  }

  private fileStatus(ref: SlackFileRef): SlackFileStatus | undefined {
    let record: FileRecord | undefined;
    if (ref.id !== undefined) record = this.filesById.get(ref.id);
    else if (ref.url !== undefined) {
      record = [...this.filesById.values()].find((f) => {
        const json = this.fileJson(f);
        return json['url_private'] === ref.url || json['permalink'] === ref.url;
      });
    }
    if (!record) return undefined;
    const ready =
      record.state === 'complete' &&
      record.completedAt !== undefined &&
      this.options.now() - record.completedAt >= this.options.fileProcessingMs;
    return { mimetype: record.mimetype, ready };
  }

  /** Whether the bot may post or edit in `channel`, as Slack decides it; undefined when it may. */
  private checkChannel(channel: string | undefined): ApiAnswer | undefined {
    if (channel === undefined || channel === '') return fail('channel_not_found', ['missing required field: channel']);
    if (this.channelsById === null) return undefined;
    const known = this.visibleChannel(channel);
    if (known === undefined) return fail('channel_not_found');
    if (known.archived) return fail('is_archived');
    return undefined;
  }

  /** The channel as the bot sees it: undefined when it does not exist or is hidden from the bot. */
  private visibleChannel(id: string): Required<StandInChannel> | undefined {
    if (this.channelsById === null) return id === '' ? undefined : { id, kind: 'public', member: true, archived: false, name: id.toLowerCase(), members: [] };
    const channel = this.channelsById.get(id);
    if (channel === undefined) return undefined;
    // Slack hides private conversations from a bot that is not in them.
    if (channel.kind !== 'public' && !channel.member) return undefined;
    return channel;
  }

  /** text/blocks of a new message, checked the way chat.postMessage checks them. */
  private readContent(
    text: string | undefined,
    rawBlocks: unknown,
  ): { ok: true; text: string; blocks: unknown[] } | { ok: false; answer: ApiAnswer } {
    const blocksRead = readBlocks(rawBlocks);
    if (!blocksRead.ok) return blocksRead;
    const blocks = blocksRead.blocks ?? [];
    if ((text === undefined || text === '') && blocks.length === 0) return { ok: false, answer: fail('no_text') };
    if (text !== undefined && text.length > WORKSPACE_LIMITS.messageText) return { ok: false, answer: fail('msg_too_long') };
    const problems = this.validate(blocks);
    if (problems.length > 0) return { ok: false, answer: invalidBlocks(problems) };
    return { ok: true, text: text ?? '', blocks };
  }

  private nextTs(): string {
    // Strictly increasing even when several messages land in the same millisecond.
    const micros = Math.max(Math.floor(this.options.now()) * 1000, this.lastTsMicros + 100);
    this.lastTsMicros = micros;
    return formatTs(micros);
  }

  private store(input: {
    channel: string;
    source: MessageSource;
    text: string;
    blocks: readonly unknown[];
    thread_ts?: string;
    visibleTo?: string;
    fileIds?: string[];
  }): MessageRecord {
    const id = this.options.identity;
    const record: MessageRecord = {
      channel: input.channel,
      ts: this.nextTs(),
      user: id.botUserId,
      bot_id: id.botId,
      source: input.source,
      text: input.text,
      blocks: this.withGeneratedIds(input.blocks),
      fileIds: input.fileIds ?? [],
      history: [],
      postedAt: this.options.now(),
      deleted: false,
      ...(input.thread_ts !== undefined ? { thread_ts: input.thread_ts } : {}),
      ...(input.visibleTo !== undefined ? { visibleTo: input.visibleTo } : {}),
    };
    const list = this.messagesByChannel.get(input.channel) ?? [];
    list.push(record);
    this.messagesByChannel.set(input.channel, list);
    this.options.onChange({ kind: 'message_posted', channel: record.channel, ts: record.ts });
    return record;
  }

  private edit(record: MessageRecord, text: string, blocks: readonly unknown[]): void {
    const now = this.options.now();
    record.history.push({ text: record.text, blocks: record.blocks, replacedAt: now });
    record.text = text;
    record.blocks = this.withGeneratedIds(blocks);
    record.editedAt = now;
    this.options.onChange({ kind: 'message_updated', channel: record.channel, ts: record.ts });
  }

  private findMessage(channel: string, ts: string, includeEphemeral: boolean): MessageRecord | undefined {
    return (this.messagesByChannel.get(channel) ?? []).find(
      (m) => m.ts === ts && !m.deleted && (includeEphemeral || m.visibleTo === undefined),
    );
  }

  /**
   * A deep copy of the blocks with the ids Slack fills in: every block gets a block_id and every
   * interactive element an action_id, so block_actions payloads always carry both.
   */
  private withGeneratedIds(blocks: readonly unknown[]): StoredBlock[] {
    const copy = structuredClone(blocks) as Record<string, unknown>[];
    for (const block of copy) {
      if (typeof block['block_id'] !== 'string') block['block_id'] = this.generatedId();
      const elements: unknown[] = [];
      if (Array.isArray(block['elements']) && block['type'] === 'actions') elements.push(...(block['elements'] as unknown[]));
      if (block['accessory'] !== undefined) elements.push(block['accessory']);
      if (block['element'] !== undefined) elements.push(block['element']);
      for (const element of elements) {
        if (typeof element === 'object' && element !== null && !Array.isArray(element)) {
          const el = element as Record<string, unknown>;
          if (el['type'] !== 'image' && typeof el['action_id'] !== 'string') el['action_id'] = this.generatedId();
        }
      }
    }
    return copy;
  }

  /** Short ids shaped like Slack's generated ones ("Xk3aB"), deterministic for reproducible tests. */
  private generatedId(): string {
    this.generatedIdCounter += 1;
    // Multiplying by a number coprime to 62^5 spreads the counter without collisions.
    let n = (this.generatedIdCounter * 2_654_435_761) % 916_132_832; // 62^5
    let id = '';
    for (let i = 0; i < 5; i++) {
      id += BASE62[n % 62];
      n = Math.floor(n / 62);
    }
    return id;
  }

  /** The message object Slack returns from chat.postMessage / chat.update. */
  private messageJson(record: MessageRecord): Record<string, unknown> {
    const id = this.options.identity;
    return {
      type: 'message',
      user: record.user,
      bot_id: id.botId,
      app_id: id.appId,
      team: id.teamId,
      text: record.text,
      ts: record.ts,
      ...(record.thread_ts !== undefined ? { thread_ts: record.thread_ts } : {}),
      ...(record.blocks.length > 0 ? { blocks: structuredClone(record.blocks) } : {}),
      ...(record.editedAt !== undefined ? { edited: { user: record.user, ts: formatTs(record.editedAt * 1000) } } : {}),
      ...(record.fileIds.length > 0 ? { files: record.fileIds.flatMap((f) => this.fileJsonById(f)) } : {}),
    };
  }

  private fileJsonById(fileId: string): Record<string, unknown>[] {
    const record = this.filesById.get(fileId);
    return record ? [this.fileJson(record)] : [];
  }

  /** The file object Slack returns from files.completeUploadExternal. */
  private fileJson(record: FileRecord): Record<string, unknown> {
    const base = this.options.baseUrl;
    const name = encodeURIComponent(record.name);
    const created = Math.floor(record.createdAt / 1000);
    return {
      id: record.id,
      created,
      timestamp: created,
      name: record.name,
      title: record.title,
      mimetype: record.mimetype,
      filetype: record.filetype,
      pretty_type: record.filetype.toUpperCase(),
      user: this.options.identity.botUserId,
      user_team: this.options.identity.teamId,
      mode: 'hosted',
      is_external: false,
      is_public: false,
      size: record.size,
      url_private: `${base}/files/${record.id}/${name}`,
      url_private_download: `${base}/files/${record.id}/download/${name}`,
      permalink: `${base}/files/${record.id}/permalink/${name}`,
      channels: [...record.channels],
      groups: [],
      ims: [],
      ...(record.altText !== undefined ? { alt_txt: record.altText } : {}),
    };
  }

  private snapshotFile(record: FileRecord): StandInFile {
    const json = this.fileJson(record);
    return {
      id: record.id,
      name: record.name,
      title: record.title,
      mimetype: record.mimetype,
      filetype: record.filetype,
      size: record.size,
      state: record.state,
      createdAt: record.createdAt,
      channels: [...record.channels],
      url_private: String(json['url_private']),
      permalink: String(json['permalink']),
      ...(record.altText !== undefined ? { altText: record.altText } : {}),
      ...(record.completedAt !== undefined ? { completedAt: record.completedAt } : {}),
    };
  }

  private snapshotMessage(record: MessageRecord): StandInMessage {
    return {
      channel: record.channel,
      ts: record.ts,
      user: record.user,
      source: record.source,
      text: record.text,
      blocks: structuredClone(record.blocks),
      files: record.fileIds.flatMap((id) => {
        const file = this.filesById.get(id);
        return file ? [this.snapshotFile(file)] : [];
      }),
      edits: record.history.length,
      history: structuredClone(record.history),
      postedAt: record.postedAt,
      ...(record.thread_ts !== undefined ? { thread_ts: record.thread_ts } : {}),
      ...(record.bot_id !== undefined ? { bot_id: record.bot_id } : {}),
      ...(record.visibleTo !== undefined ? { visibleTo: record.visibleTo } : {}),
      ...(record.editedAt !== undefined ? { editedAt: record.editedAt } : {}),
    };
  }
}
