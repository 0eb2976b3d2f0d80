/**
 * mrkdwn, as Slack renders it in blocks: *bold* _italic_ ~strike~ `code`, code blocks,
 * <url|links>, <@U…> mentions, <#C…> channels, <!here>, :emoji:, line breaks. Pure: text in,
 * a tree out (vnode.ts); nothing from a message is ever parsed as HTML.
 */

import { emojiNode } from './emoji';
import { el, text, type VElement, type VNode } from './vnode';

/** What the renderer needs to know about the workspace to draw mentions. */
export interface MentionContext {
  /** The person viewing the page: their own mentions are highlighted, as Slack does. */
  readonly selfId: string | null;
  /** A user's display name; `label` is the fallback text Slack sends in `<@U…|label>`. */
  userName(id: string, label: string | null): string;
  /** A channel's name, or null for a channel the page does not know. */
  channelName(id: string): string | null;
}

/** Slack's text object: `{ type: 'mrkdwn' | 'plain_text', text, emoji? }`. */
export interface TextObject {
  readonly type: string;
  readonly text: string;
  readonly emoji?: boolean;
}

/** A text object read from untrusted JSON, or null when `value` is not one. */
export function textObject(value: unknown): TextObject | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as { type?: unknown; text?: unknown; emoji?: unknown };
  if (typeof record.text !== 'string') return null;
  return { type: typeof record.type === 'string' ? record.type : '', text: record.text, ...(typeof record.emoji === 'boolean' ? { emoji: record.emoji } : {}) };
}

// Private-use characters stand in for atoms (code spans, <...> tokens) while the emphasis marks are
// matched, so that a * inside a link or a code span never opens bold.
const HOLD_OPEN = '\uE000';
const HOLD_CLOSE = '\uE001';
const MARKS: Readonly<Record<string, 'strong' | 'em' | 's'>> = { '*': 'strong', _: 'em', '~': 's' };
const WORD = /[A-Za-z0-9]/;
const SPACE = /\s/;
const FENCE = '```';

type Atom =
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'user' | 'channel'; readonly id: string; readonly label: string | null }
  | { readonly kind: 'special' | 'text'; readonly text: string }
  | { readonly kind: 'link'; readonly url: string; readonly label: string | null };

/** Slack escapes exactly these three in message text. */
export function decodeEntities(value: string): string {
  return value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** mrkdwn text as nodes, to go inside one element. */
export function renderMrkdwn(source: string, ctx: MentionContext): VNode[] {
  const out: VNode[] = [];
  const clean = source.replace(/[\uE000\uE001]/g, '');
  const parts = clean.split(FENCE);
  parts.forEach((part, i) => {
    // An odd part is a code block only when a closing fence follows it.
    const isBlock = i % 2 === 1 && i < parts.length - 1;
    if (isBlock) out.push(el('pre', { class: 'code-block' }, [decodeEntities(part.replace(/^\n/, '').replace(/\n$/, ''))]));
    else renderInline(i % 2 === 1 ? FENCE + part : part, ctx, out);
  });
  return out;
}

/** Plain text with :emoji: shortcodes; entity-decoded for mrkdwn, literal for plain_text. */
export function renderPlain(value: string, decode: boolean, emoji: boolean): VNode[] {
  const out: VNode[] = [];
  emitPlain(value, decode, emoji, out);
  return out;
}

/** A text object in a div of the given class: mrkdwn or plain text as its `type` says. */
export function renderTextObject(value: unknown, className: string, ctx: MentionContext): VElement {
  const obj = textObject(value);
  if (!obj) return el('div', { class: className });
  const children = obj.type === 'mrkdwn' ? renderMrkdwn(obj.text, ctx) : renderPlain(obj.text, false, obj.emoji !== false);
  return el('div', { class: className }, children);
}

function renderInline(source: string, ctx: MentionContext, out: VNode[]): void {
  const atoms: Atom[] = [];
  const hold = (atom: Atom): string => {
    atoms.push(atom);
    return `${HOLD_OPEN}${atoms.length - 1}${HOLD_CLOSE}`;
  };
  const held = source
    .replace(/`([^`\n]+)`/g, (_m, code: string) => hold({ kind: 'code', text: code }))
    .replace(/<([^<>\n]+)>/g, (_m, inner: string) => hold(angle(inner)));
  formatInto(held, atoms, ctx, out);
}

/** What a `<...>` token is: a mention, a channel, a special mention, a date, or a link. */
function angle(inner: string): Atom {
  const bar = inner.indexOf('|');
  const head = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? null : inner.slice(bar + 1);
  if (head.startsWith('@')) return { kind: 'user', id: head.slice(1), label };
  if (head.startsWith('#')) return { kind: 'channel', id: head.slice(1), label };
  if (head.startsWith('!')) {
    const name = head.slice(1).split('^')[0] ?? '';
    if (name === 'date') return { kind: 'text', text: label || '' };
    if (name === 'subteam') return { kind: 'special', text: label || '@group' };
    return { kind: 'special', text: `@${name}` };
  }
  return { kind: 'link', url: decodeEntities(head), label };
}

/** Whether the mark at `i` can open emphasis: not inside a word, and not followed by a space or itself. */
function opens(s: string, i: number): boolean {
  const before = i === 0 ? '' : s.charAt(i - 1);
  const after = s.charAt(i + 1);
  return (before === '' || !WORD.test(before)) && after !== '' && !SPACE.test(after) && after !== s.charAt(i);
}

/** Where the emphasis opened at `i` closes on the same line, or -1. */
function closes(s: string, i: number): number {
  const ch = s.charAt(i);
  for (let j = i + 2; j < s.length; j++) {
    const c = s.charAt(j);
    if (c === '\n') return -1;
    if (c === ch && !SPACE.test(s.charAt(j - 1)) && (j + 1 >= s.length || !WORD.test(s.charAt(j + 1)))) return j;
  }
  return -1;
}

function formatInto(s: string, atoms: readonly Atom[], ctx: MentionContext, out: VNode[]): void {
  let start = 0;
  let i = 0;
  while (i < s.length) {
    const tag = MARKS[s.charAt(i)];
    if (tag !== undefined && opens(s, i)) {
      const end = closes(s, i);
      if (end > 0) {
        emitText(s.slice(start, i), atoms, ctx, out);
        const inner: VNode[] = [];
        formatInto(s.slice(i + 1, end), atoms, ctx, inner);
        out.push(el(tag, {}, inner));
        i = end + 1;
        start = i;
        continue;
      }
    }
    i++;
  }
  emitText(s.slice(start), atoms, ctx, out);
}

function emitText(value: string, atoms: readonly Atom[], ctx: MentionContext, out: VNode[]): void {
  if (value === '') return;
  const pieces = value.split(/\uE000(\d+)\uE001/);
  pieces.forEach((piece, i) => {
    if (i % 2 === 0) emitPlain(piece, true, true, out);
    else out.push(atomNode(atoms[Number(piece)], ctx));
  });
}

function emitPlain(value: string, decode: boolean, emoji: boolean, out: VNode[]): void {
  if (value === '') return;
  const plain = (s: string): VNode => text(decode ? decodeEntities(s) : s);
  if (!emoji) {
    out.push(plain(value));
    return;
  }
  const re = /:([a-z0-9_+'-]+):/g;
  let last = 0;
  let match: RegExpExecArray | null;
  while ((match = re.exec(value)) !== null) {
    const node = emojiNode(match[1] ?? '');
    if (!node) {
      // Not an emoji: its closing colon may open the next one (`a:b:c:` has `:c:`).
      re.lastIndex = match.index + match[0].length - 1;
      continue;
    }
    if (match.index > last) out.push(plain(value.slice(last, match.index)));
    out.push(node);
    last = match.index + match[0].length;
  }
  if (last < value.length) out.push(plain(value.slice(last)));
}

function atomNode(atom: Atom | undefined, ctx: MentionContext): VNode {
  switch (atom?.kind) {
    case undefined:
      return text('');
    case 'code':
      return el('code', { class: 'inline-code' }, [decodeEntities(atom.text)]);
    case 'user': {
      const isSelf = atom.id === ctx.selfId;
      return el('span', { class: isSelf ? 'mention self' : 'mention', 'data-user': atom.id }, [`@${ctx.userName(atom.id, atom.label)}`]);
    }
    case 'channel':
      return el('span', { class: 'mention channel-ref' }, [`#${ctx.channelName(atom.id) ?? (atom.label || atom.id)}`]);
    case 'special':
      return el('span', { class: 'mention' }, [atom.text]);
    case 'text':
      return text(decodeEntities(atom.text));
    case 'link': {
      // Only web and mail links become links; anything else (javascript:, data:) stays text.
      const safe = /^(https?:|mailto:)/i.test(atom.url);
      const label = atom.label ?? atom.url;
      const attrs = safe ? { class: 'link', href: atom.url, target: '_blank', rel: 'noopener noreferrer' } : { class: 'link unsafe' };
      return el(safe ? 'a' : 'span', attrs, renderPlain(label, true, true));
    }
  }
}
