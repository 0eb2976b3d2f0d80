/**
 * The renderer's output: a DOM-free tree of elements and text. Pure, so that Node can test what a
 * message looks like; dom.ts turns it into real elements in the browser. Text is always a text
 * node, never parsed as HTML.
 */

/** What a control does when used; dom.ts wires it up, the renderer only describes it. */
export type Behaviour =
  /** A button (or a button with a url, drawn as a link): one click, one action with its value. */
  | { readonly kind: 'button'; readonly action: ActionTarget; readonly value?: string; readonly link: boolean; readonly confirm?: ConfirmDialog }
  /** A checkboxes element: any change sends the whole selection. */
  | { readonly kind: 'checkboxes'; readonly action: ActionTarget }
  /** Radio buttons and static selects: a change sends the one value chosen. */
  | { readonly kind: 'radio_buttons'; readonly action: ActionTarget }
  | { readonly kind: 'static_select'; readonly action: ActionTarget }
  /** An image block's picture: the page follows its height once loaded, and says so when it fails. */
  | { readonly kind: 'image'; readonly missingText: string }
  /** A text file's "Show text" toggle: the file at `url` shown below its card as plain text. */
  | { readonly kind: 'file_preview'; readonly url: string };

/**
 * A Block Kit `confirm` object, ready to show: Slack asks before sending the click, and a "deny"
 * sends nothing. The text is already rendered (mrkdwn or plain).
 */
export interface ConfirmDialog {
  readonly title: string;
  readonly text: VElement;
  readonly confirm: string;
  readonly deny: string;
  /** `danger` draws the confirm button red, as Slack does. */
  readonly style: 'primary' | 'danger' | null;
}

/** Where a click goes: the element's action_id (Slack requires one; a block without stays without) and its block. */
export interface ActionTarget {
  readonly actionId: string | undefined;
  readonly blockId: string;
}

export interface VText {
  readonly kind: 'text';
  readonly text: string;
}

export interface VElement {
  readonly kind: 'element';
  readonly tag: string;
  /** An SVG element (created in the SVG namespace). */
  readonly svg: boolean;
  /** Attributes in order; a value of '' is a boolean attribute. */
  readonly attrs: readonly (readonly [name: string, value: string])[];
  readonly children: readonly VNode[];
  /** Live state set after the attributes: whether a box is ticked, which option a select shows. */
  readonly checked?: boolean;
  readonly value?: string;
  readonly behaviour?: Behaviour;
}

export type VNode = VElement | VText;

export type Attrs = Readonly<Record<string, string | boolean | undefined>>;
export type Child = VNode | string | null | undefined | false;

export interface ElementExtras {
  readonly checked?: boolean;
  readonly value?: string;
  readonly behaviour?: Behaviour;
}

/** An element; attributes that are undefined or false are left out, true is a boolean attribute. */
export function el(tag: string, attrs: Attrs = {}, children: readonly Child[] = [], extras: ElementExtras = {}): VElement {
  return build(tag, false, attrs, children, extras);
}

/** An SVG element; numbers in attributes are written as strings. */
export function svg(tag: string, attrs: Readonly<Record<string, string | number>>, children: readonly Child[] = []): VElement {
  const stringAttrs: Record<string, string> = {};
  for (const [name, value] of Object.entries(attrs)) stringAttrs[name] = String(value);
  return build(tag, true, stringAttrs, children, {});
}

export function text(value: string): VText {
  return { kind: 'text', text: value };
}

function build(tag: string, isSvg: boolean, attrs: Attrs, children: readonly Child[], extras: ElementExtras): VElement {
  const list: (readonly [string, string])[] = [];
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    list.push([name, value === true ? '' : value]);
  }
  const nodes: VNode[] = [];
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    // An empty string adds nothing, as textContent = '' leaves an element empty.
    if (typeof child === 'string') {
      if (child !== '') nodes.push(text(child));
    } else nodes.push(child);
  }
  return {
    kind: 'element',
    tag,
    svg: isSvg,
    attrs: list,
    children: nodes,
    ...(extras.checked !== undefined ? { checked: extras.checked } : {}),
    ...(extras.value !== undefined ? { value: extras.value } : {}),
    ...(extras.behaviour !== undefined ? { behaviour: extras.behaviour } : {}),
  };
}

/** The value of one attribute, or undefined. */
export function attr(node: VElement, name: string): string | undefined {
  return node.attrs.find(([n]) => n === name)?.[1];
}

/** All the text under a node, as the DOM's textContent would give it. */
export function textContent(node: VNode): string {
  return node.kind === 'text' ? node.text : node.children.map(textContent).join('');
}

const VOID = new Set(['img', 'input', 'hr', 'br']);

/** The tree as HTML, everything escaped: for tests and for reading a render in a terminal. */
export function toHtml(node: VNode): string {
  if (node.kind === 'text') return escapeHtml(node.text);
  const attrs = node.attrs.map(([name, value]) => (value === '' ? ` ${name}` : ` ${name}="${escapeHtml(value)}"`)).join('');
  const open = `<${node.tag}${attrs}>`;
  if (VOID.has(node.tag) && !node.svg) return open;
  return `${open}${node.children.map(toHtml).join('')}</${node.tag}>`;
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
