/** The browser side of vnode.ts: trees into elements, with each control's behaviour wired up. */

import type { ActionTarget, Behaviour, ConfirmDialog, VElement, VNode } from './vnode';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** A preview longer than this is cut: a huge file would freeze the page. */
const PREVIEW_LIMIT_CHARS = 200_000;

/** A control's use, ready for POST /api/action (less the channel, user and message). */
export interface ControlUse {
  readonly action: ActionTarget;
  readonly value?: string;
  /** The whole selection after the change: an array for checkboxes, one value for radios and selects. */
  readonly selected?: string | string[];
}

export interface DomHandlers {
  /** A control was used; `controls` are disabled until the bot has answered. */
  act(use: ControlUse, controls: readonly (HTMLInputElement | HTMLSelectElement | HTMLButtonElement)[]): void;
  /** An image finished loading (the page grew taller). */
  imageLoaded(): void;
  /** A button with a `confirm` object was clicked: true when the reader confirmed. */
  confirm(dialog: ConfirmDialog): Promise<boolean>;
}

/** For trees without controls or images (icons): nothing to wire. */
export const STATIC: DomHandlers = { act: () => undefined, imageLoaded: () => undefined, confirm: () => Promise.resolve(false) };

/** A tree as DOM nodes; text goes in as text nodes only. */
export function toDom(node: VNode, handlers: DomHandlers): Node {
  if (node.kind === 'text') return document.createTextNode(node.text);
  const element = node.svg ? document.createElementNS(SVG_NS, node.tag) : document.createElement(node.tag);
  for (const [name, value] of node.attrs) element.setAttribute(name, value);
  for (const child of node.children) element.appendChild(toDom(child, handlers));
  if (node.checked !== undefined && element instanceof HTMLInputElement) element.checked = node.checked;
  if (node.value !== undefined && element instanceof HTMLSelectElement) element.value = node.value;
  if (node.behaviour) wire(element, node.behaviour, handlers);
  return element;
}

/** A tree whose root is an HTML element (a block), as that element. */
export function elementFromTree(node: VElement, handlers: DomHandlers): HTMLElement {
  const element = toDom(node, handlers);
  if (!(element instanceof HTMLElement)) throw new Error(`<${node.tag}> is not an HTML element`);
  return element;
}

function wire(element: Element, behaviour: Behaviour, handlers: DomHandlers): void {
  switch (behaviour.kind) {
    case 'button':
      element.addEventListener('click', (event) => {
        const use = { action: behaviour.action, ...(behaviour.value !== undefined ? { value: behaviour.value } : {}) };
        // A link button stays usable: the browser has already opened the link.
        const controls = behaviour.link || !(element instanceof HTMLButtonElement) ? [] : [element];
        const { confirm } = behaviour;
        if (!confirm) {
          handlers.act(use, controls);
          return;
        }
        // Slack asks first; a link opens only once confirmed, and "deny" sends nothing.
        event.preventDefault();
        void handlers.confirm(confirm).then((yes) => {
          if (!yes) return;
          if (behaviour.link && element instanceof HTMLAnchorElement) window.open(element.href, '_blank', 'noopener,noreferrer');
          handlers.act(use, controls);
        });
      });
      return;
    case 'checkboxes': {
      const inputs = Array.from(element.querySelectorAll<HTMLInputElement>(':scope > label > input[type=checkbox]'));
      for (const input of inputs) {
        input.addEventListener('change', () => {
          const selected = inputs.filter((i) => i.checked).map((i) => i.value);
          handlers.act({ action: behaviour.action, selected }, inputs);
        });
      }
      return;
    }
    case 'radio_buttons': {
      const radios = Array.from(element.querySelectorAll<HTMLInputElement>(':scope > label > input[type=radio]'));
      for (const radio of radios) radio.addEventListener('change', () => handlers.act({ action: behaviour.action, selected: radio.value }, radios));
      return;
    }
    case 'static_select':
      if (element instanceof HTMLSelectElement) element.addEventListener('change', () => handlers.act({ action: behaviour.action, selected: element.value }, [element]));
      return;
    case 'file_preview':
      wirePreview(element, behaviour.url);
      return;
    case 'image':
      element.addEventListener('load', () => handlers.imageLoaded());
      element.addEventListener('error', () => {
        const missing = document.createElement('div');
        missing.className = 'b-image-missing';
        missing.textContent = behaviour.missingText;
        element.replaceWith(missing);
      });
      return;
  }
}

/** Fetches the file once and toggles a <pre> with its text (textContent: never parsed as HTML). */
function wirePreview(toggle: Element, url: string): void {
  let preview: HTMLPreElement | null = null;
  toggle.addEventListener('click', () => {
    const card = toggle.closest('.file-card');
    if (!card) return;
    if (preview) {
      const open = preview.hidden;
      preview.hidden = !open;
      toggle.textContent = open ? 'Hide text' : 'Show text';
      toggle.setAttribute('aria-expanded', String(open));
      return;
    }
    const pre = document.createElement('pre');
    pre.className = 'file-preview';
    pre.textContent = 'Loading…';
    card.after(pre);
    preview = pre;
    toggle.textContent = 'Hide text';
    toggle.setAttribute('aria-expanded', 'true');
    fetch(url)
      .then(async (response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const text = await response.text();
        pre.textContent = text.length > PREVIEW_LIMIT_CHARS ? `${text.slice(0, PREVIEW_LIMIT_CHARS)}\n… (cut here; download the file for the rest)` : text;
      })
      .catch((error: unknown) => {
        pre.textContent = `The file could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
      });
  });
}

/** Attributes and listeners for h(); undefined, null and false leave an attribute out. */
export interface Props {
  readonly className?: string;
  readonly text?: string;
  readonly dataset?: Readonly<Record<string, string>>;
  readonly attrs?: Readonly<Record<string, string | boolean | undefined>>;
  readonly onclick?: (event: MouseEvent) => void;
  readonly onmousedown?: (event: MouseEvent) => void;
}

/** A small element builder for the page's own chrome (not messages' blocks); text only through textContent. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, children: readonly (Node | string | null | undefined)[] = []): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  // Typed as a plain HTMLElement here: listeners on a generic tag type do not resolve their event type.
  const node: HTMLElement = created;
  if (props.className !== undefined) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [key, value] of Object.entries(props.dataset ?? {})) node.dataset[key] = value;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  if (props.onclick) node.addEventListener('click', props.onclick);
  if (props.onmousedown) node.addEventListener('mousedown', props.onmousedown);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return created;
}

/** An element the page's HTML must have; a missing one is a bug in page-html.ts. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}
