/** The page's state: the workspace, where the reader is, and what they have opened, closed or dismissed. */

import type { Channel, ChannelMessage, HomeTab, User, Workspace } from './api';
import type { MentionContext } from './mrkdwn';

export interface PageState {
  /** Null until GET /api/workspace has answered. */
  ws: Workspace | null;
  channel: string;
  user: string;
  /** What the main pane shows: the open channel, or pymem's Home tab. */
  view: 'channel' | 'home';
  /** The reader's Home tab as last loaded; null before the first load. */
  home: HomeTab | null;
  /** The open channel's messages, as the server last sent them. */
  messages: ChannelMessage[];
  /** Notes made on the page (a composer line that is not a command), per channel. */
  readonly notices: Map<string, ChannelMessage[]>;
  /** Threads the reader folded away, by parent ts. */
  readonly collapsed: Set<string>;
  /** Ephemerals the reader dismissed, by ts. */
  dismissed: Set<string>;
  /** Channels with a message the reader has not seen. */
  readonly unread: Set<string>;
  /** Rendered nodes by key, with the signature they were drawn from: unchanged messages are not redrawn. */
  nodes: Map<string, { readonly signature: string; readonly node: HTMLElement }>;
  loading: boolean;
  /** A change arrived while loading: load again when done. */
  dirty: boolean;
  refreshTimer: ReturnType<typeof setTimeout> | null;
  /** Scroll to the end after the next render (the reader just sent something, or opened a channel). */
  scrollToEnd: boolean;
  /** The reader was at the end: stay there as content grows. */
  followEnd: boolean;
  noticeCounter: number;
}

export const state: PageState = {
  ws: null,
  channel: '',
  user: '',
  view: 'channel',
  home: null,
  messages: [],
  notices: new Map(),
  collapsed: new Set(),
  dismissed: new Set(),
  unread: new Set(),
  nodes: new Map(),
  loading: false,
  dirty: false,
  refreshTimer: null,
  scrollToEnd: true,
  followEnd: true,
  noticeCounter: 0,
};

export function findUser(id: string | null): User | null {
  return state.ws?.users.find((u) => u.id === id) ?? null;
}

export function findChannel(id: string | null): Channel | null {
  return state.ws?.channels.find((c) => c.id === id) ?? null;
}

/** The bot's name for the bot, a person's name for a person, else Slack's label or the id. */
export function userName(id: string, label: string | null): string {
  if (state.ws && id === state.ws.bot.userId) return state.ws.bot.name;
  return findUser(id)?.name ?? (label || id);
}

/** How mentions are drawn for the current reader. */
export function mentionContext(): MentionContext {
  return { selfId: state.user, userName, channelName: (id) => findChannel(id)?.name ?? null };
}
