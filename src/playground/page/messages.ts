/**
 * The message list: the channel as Slack shows it (day dividers, grouped messages, threads under
 * their parent, ephemerals with "Only visible to you"), drawn from the state, keeping the nodes of
 * messages that did not change. Clicks on a message's controls become POST /api/action, which the
 * server turns into a signed block_actions payload for the bot.
 */

import { request, type Channel, type ChannelMessage } from './api';
import { filesShownInBlocks, renderBlock } from './blocks';
import { askConfirm } from './dialog';
import { fileAttachment } from './files';
import { byId, elementFromTree, h, STATIC, toDom, type ControlUse, type DomHandlers } from './dom';
import { botGlyph, emojiNode, eyeIcon } from './emoji';
import { renderMrkdwn } from './mrkdwn';
import { findChannel, findUser, mentionContext, state } from './state';
import { toast } from './toast';

/** Slack folds a message under the previous one from the same author within this long. */
const GROUP_MS = 5 * 60 * 1000;
/** How long a control stays disabled after a click the bot answered without changing the message. */
const RELEASE_MS = 1500;
/** Within this many pixels of the end counts as "at the end". */
const NEAR_END_PX = 120;

type Author = Pick<ChannelMessage, 'user'> & Partial<Pick<ChannelMessage, 'bot_id' | 'local'>>;

function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' });
}

function dayLabel(ms: number): string {
  const day = new Date(ms).toDateString();
  if (day === new Date().toDateString()) return 'Today';
  return new Date(ms).toLocaleDateString('en-US', { weekday: 'long', month: 'long', day: 'numeric' });
}

function isBot(m: Author): boolean {
  return Boolean(m.bot_id) || (state.ws !== null && m.user === state.ws.bot.userId);
}

function compareOrder(a: ChannelMessage, b: ChannelMessage): number {
  return a.order - b.order || (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0);
}

function visibleMessages(): ChannelMessage[] {
  const local = state.notices.get(state.channel) ?? [];
  return [...state.messages, ...local].filter((m) => !state.dismissed.has(m.ts)).sort(compareOrder);
}

/** Draws the open channel from the state; messages whose content did not change keep their nodes. */
export function render(): void {
  const list = byId('messages');
  const nearEnd = isNearEnd();
  const all = visibleMessages();
  const byTs = new Map(all.map((m) => [m.ts, m]));
  const repliesOf = new Map<string, ChannelMessage[]>();
  const top: ChannelMessage[] = [];
  for (const m of all) {
    if (m.thread_ts && m.thread_ts !== m.ts && byTs.has(m.thread_ts)) {
      const replies = repliesOf.get(m.thread_ts) ?? [];
      replies.push(m);
      repliesOf.set(m.thread_ts, replies);
    } else top.push(m);
  }
  const channel = findChannel(state.channel);
  const wanted: HTMLElement[] = [cached(`intro:${state.channel}`, channel ? channel.name : '', () => introNode(channel))];
  let previous: ChannelMessage | null = null;
  let lastDay: string | null = null;
  for (const m of top) {
    const day = dayLabel(m.postedAt);
    if (day !== lastDay) {
      wanted.push(cached(`day:${day}`, day, () => h('div', { className: 'day-divider' }, [h('span', { text: day })])));
      lastDay = day;
    }
    const replies = repliesOf.get(m.ts) ?? [];
    const compact = previous !== null && groupable(previous, m) && replies.length === 0 && (repliesOf.get(previous.ts) ?? []).length === 0;
    const signature = JSON.stringify([m, replies, compact, state.collapsed.has(m.ts), state.user]);
    wanted.push(cached(`m:${m.ts}`, signature, () => threadNode(m, replies, compact)));
    previous = m;
  }
  wanted.forEach((node, i) => {
    if (list.children[i] !== node) list.insertBefore(node, list.children[i] ?? null);
  });
  while (list.children.length > wanted.length && list.lastChild) list.removeChild(list.lastChild);
  const keep = new Set(wanted.map((n) => n.dataset['key']));
  for (const key of [...state.nodes.keys()]) if (!keep.has(key)) state.nodes.delete(key);
  document.body.dataset['messages'] = String(all.length);
  if (nearEnd || state.scrollToEnd) scrollToEnd();
  state.scrollToEnd = false;
}

function cached(key: string, signature: string, build: () => HTMLElement): HTMLElement {
  const entry = state.nodes.get(key);
  if (entry && entry.signature === signature) return entry.node;
  const node = build();
  node.dataset['key'] = key;
  state.nodes.set(key, { signature, node });
  return node;
}

function introNode(channel: Channel | null): HTMLElement {
  const name = channel ? channel.name : '';
  return h('div', { className: 'intro' }, [
    h('div', { className: 'intro-title', text: `# ${name}` }),
    h('p', { className: 'intro-text' }, [
      'This is the very beginning of the ',
      h('b', { text: `#${name}` }),
      ' channel. pymem is here; type ',
      h('code', { className: 'inline-code', text: '/pymem checkout-api' }),
      ' below for a memory report, or ',
      h('code', { className: 'inline-code', text: '/pymem help' }),
      '.',
    ]),
  ]);
}

function isNearEnd(): boolean {
  return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - NEAR_END_PX;
}

function scrollToEnd(): void {
  window.scrollTo(0, document.documentElement.scrollHeight);
}

let keepBottomTimer: ReturnType<typeof setTimeout> | null = null;

/** A chart that finished loading makes the page taller; stay at the end if the reader was there. */
function keepBottom(): void {
  if (keepBottomTimer) return;
  keepBottomTimer = setTimeout(() => {
    keepBottomTimer = null;
    if (state.followEnd) scrollToEnd();
  }, 0);
}

/** Follows whether the reader is at the end of the channel. */
export function watchScroll(): void {
  window.addEventListener('scroll', () => {
    state.followEnd = isNearEnd();
  }, { passive: true });
}

/** Remembers that the reader was at the end before new content arrives. */
export function noteScrollPosition(): void {
  state.followEnd = isNearEnd() || state.followEnd;
}

/** A note made on the page itself (e.g. a composer line that is not a command), shown as Slackbot. */
export function addNotice(text: string): void {
  const list = state.notices.get(state.channel) ?? [];
  state.notices.set(state.channel, list);
  state.noticeCounter += 1;
  const now = Date.now();
  // Shaped like a Slack ts (never sent anywhere); the counter keeps two notices in one millisecond apart.
  const micros = now * 1000 + (state.noticeCounter % 1000);
  const ts = `local-${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  list.push({ ts, local: true, user: 'USLACKBOT', text, blocks: [], files: [], postedAt: now, order: now });
  state.scrollToEnd = true;
  render();
}

function sendAction(message: ChannelMessage, use: ControlUse, controls: readonly { disabled: boolean }[]): void {
  for (const c of controls) c.disabled = true;
  const row = document.querySelector(`.msg[data-ts="${CSS.escape(message.ts)}"]`);
  row?.classList.add('pending');
  const body = {
    channel: state.channel,
    user: state.user,
    messageTs: message.ts,
    ...(use.action.actionId !== undefined ? { actionId: use.action.actionId } : {}),
    ...(use.action.blockId ? { blockId: use.action.blockId } : {}),
    ...(use.value !== undefined ? { value: use.value } : {}),
    ...(use.selected !== undefined ? { selected: use.selected } : {}),
  };
  const release = (): void => {
    row?.classList.remove('pending');
    for (const c of controls) c.disabled = false;
  };
  request('POST', '/api/action', body).then(
    () => {
      // The bot's chat.update arrives as an event and replaces the message; when a click changes
      // nothing here (a button that posts elsewhere), give the controls back after a moment.
      setTimeout(release, RELEASE_MS);
    },
    (error: unknown) => {
      toast(`That click did not reach pymem: ${messageOf(error)}`, 'error');
      // Undo what the browser already toggled: draw the message again from the last state.
      release();
      state.nodes = new Map();
      render();
    },
  );
}

/** An error's message, for a toast. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function handlersFor(message: ChannelMessage): DomHandlers {
  return { act: (use, controls) => sendAction(message, use, controls), imageLoaded: keepBottom, confirm: askConfirm };
}

function avatarFor(m: Author, small: boolean): HTMLElement {
  const cls = `avatar${small ? ' small' : ''}`;
  if (m.local) {
    const emoji = emojiNode('information_source');
    return h('span', { className: `${cls} slackbot`, attrs: { 'aria-hidden': 'true' } }, [emoji ? toDom(emoji, STATIC) : null]);
  }
  if (isBot(m)) return h('span', { className: `${cls} bot`, attrs: { 'aria-hidden': 'true' } }, [toDom(botGlyph(), STATIC)]);
  const user = findUser(m.user);
  const node = h('span', { className: cls, attrs: { 'aria-hidden': 'true' }, text: user ? user.name.charAt(0) : '?' });
  node.style.background = user ? user.color : '#868686';
  return node;
}

function authorName(m: ChannelMessage): string {
  if (m.local) return 'Slackbot';
  if (isBot(m)) return state.ws ? state.ws.bot.name : 'pymem';
  return findUser(m.user)?.name ?? m.user;
}

function messageBody(m: ChannelMessage): HTMLElement {
  const body = h('div', { className: 'msg-content' });
  const ctx = { ...mentionContext(), messageTs: m.ts };
  const handlers = handlersFor(m);
  if (m.blocks.length > 0) {
    body.appendChild(h('div', { className: 'blocks' }, m.blocks.map((block) => elementFromTree(renderBlock(block, ctx), handlers))));
  } else if (m.text) {
    body.appendChild(h('div', { className: 'b-text msg-text' }, renderMrkdwn(m.text, ctx).map((node) => toDom(node, handlers))));
  }
  const shown = filesShownInBlocks(m.blocks);
  for (const f of m.files) {
    if (shown.has(f.id)) continue;
    if (!/^image\//.test(f.mimetype)) {
      body.appendChild(elementFromTree(fileAttachment(f), handlers));
      continue;
    }
    body.appendChild(
      h('div', { className: 'b-image file' }, [
        h('div', { className: 'b-image-title', text: f.title || f.name }),
        h('div', { className: 'b-image-frame' }, [h('img', { attrs: { src: `/files/${encodeURIComponent(f.id)}`, alt: f.altText || f.title || f.name } })]),
      ]),
    );
  }
  return body;
}

function messageNode(m: ChannelMessage, compact: boolean): HTMLElement {
  const ephemeral = Boolean(m.visibleTo || m.local);
  const row = h('div', {
    className: `msg${compact ? ' compact' : ''}${ephemeral ? ' ephemeral' : ''}${m.thread_ts && m.thread_ts !== m.ts ? ' reply' : ''}`,
    dataset: { ts: m.ts, author: m.user || '' },
  });
  if (ephemeral) {
    row.appendChild(h('div', { className: 'eph-icon', attrs: { 'aria-hidden': 'true' } }, [toDom(eyeIcon(), STATIC)]));
    row.appendChild(
      h('div', { className: 'eph-note' }, [
        'Only visible to you',
        h('button', {
          className: 'linkish',
          text: 'Dismiss',
          attrs: { type: 'button' },
          onclick: () => {
            state.dismissed.add(m.ts);
            render();
          },
        }),
      ]),
    );
  }
  const gutter = h('div', { className: 'msg-gutter' });
  if (compact) gutter.appendChild(h('span', { className: 'hover-time', text: formatTime(m.postedAt) }));
  else gutter.appendChild(avatarFor(m, false));
  row.appendChild(gutter);
  const main = h('div', { className: 'msg-main' });
  if (!compact) {
    main.appendChild(
      h('div', { className: 'msg-head' }, [
        h('span', { className: 'author', text: authorName(m) }),
        isBot(m) ? h('span', { className: 'app-badge', text: 'APP' }) : null,
        h('time', { className: 'time', attrs: { title: new Date(m.postedAt).toLocaleString('en-US') }, text: formatTime(m.postedAt) }),
      ]),
    );
  }
  main.appendChild(messageBody(m));
  row.appendChild(main);
  return row;
}

/** A top-level message with its thread (replies indented under it, as the "N replies" bar). */
function threadNode(parent: ChannelMessage, replies: readonly ChannelMessage[], compact: boolean): HTMLElement {
  const wrap = h('div', { className: 'item', dataset: { ts: parent.ts } });
  wrap.appendChild(messageNode(parent, compact));
  const last = replies[replies.length - 1];
  if (last === undefined) return wrap;
  const collapsed = state.collapsed.has(parent.ts);
  const repliers = [...new Set(replies.map((r) => r.user))];
  const bot = state.ws?.bot.userId;
  const bar = h(
    'button',
    { className: 'thread-bar', attrs: { type: 'button', 'aria-expanded': collapsed ? 'false' : 'true' }, dataset: { thread: parent.ts } },
    [
      ...repliers.slice(0, 4).map((u) => avatarFor({ user: u, ...(u === bot ? { bot_id: 'B' } : {}) }, true)),
      h('span', { className: 'replies-count', text: `${replies.length}${replies.length === 1 ? ' reply' : ' replies'}` }),
      h('span', { className: 'replies-last', text: collapsed ? `Last reply at ${formatTime(last.postedAt)}` : 'Hide thread' }),
    ],
  );
  bar.addEventListener('click', () => {
    if (collapsed) state.collapsed.delete(parent.ts);
    else state.collapsed.add(parent.ts);
    render();
  });
  wrap.appendChild(h('div', { className: 'thread-bar-row' }, [bar]));
  if (!collapsed) {
    const list = h('div', { className: 'thread' });
    let previous: ChannelMessage | null = null;
    for (const r of replies) {
      list.appendChild(messageNode(r, previous !== null && groupable(previous, r)));
      previous = r;
    }
    wrap.appendChild(list);
  }
  return wrap;
}

/** Slack folds a message under the previous one from the same author within a few minutes. */
function groupable(previous: ChannelMessage, m: ChannelMessage): boolean {
  if (previous.visibleTo || m.visibleTo || previous.local || m.local) return false;
  if (previous.user !== m.user) return false;
  return m.postedAt - previous.postedAt < GROUP_MS && dayLabel(m.postedAt) === dayLabel(previous.postedAt);
}
