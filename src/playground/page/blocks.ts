/**
 * Block Kit, drawn as Slack draws it: header, section (text, fields, accessory), image, context,
 * divider, actions; buttons, link buttons, checkboxes, radio buttons, static selects, images.
 * Pure: block JSON in, a tree out (vnode.ts), with what each control does described for dom.ts.
 * The JSON comes from the bot through the stand-in and is read as unknown: a block or element this
 * page does not draw becomes a visible placeholder, and nothing here throws on a strange shape.
 */

import { renderPlain, renderTextObject, textObject, type MentionContext } from './mrkdwn';
import { el, type ActionTarget, type ConfirmDialog, type VElement, type VNode } from './vnode';

/** What a block needs besides its JSON: the workspace for mentions, and the message it sits in. */
export interface BlockContext extends MentionContext {
  /** The message's ts: radio buttons in different messages must not share a group. */
  readonly messageTs: string;
}

type Json = Readonly<Record<string, unknown>>;

function record(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

function str(obj: Json | null, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' ? value : undefined;
}

function list(obj: Json | null, key: string): unknown[] {
  const value = obj?.[key];
  return Array.isArray(value) ? value : [];
}

/** The text of a plain_text object, or ''. */
function plainText(value: unknown): string {
  return textObject(value)?.text ?? '';
}

/** A message's blocks, each as one element. */
export function renderBlocks(blocks: readonly unknown[], ctx: BlockContext): VElement[] {
  return blocks.map((block) => renderBlock(block, ctx));
}

/** One block; `data-block-id` and `data-block-type` let tests and styles find it. */
export function renderBlock(value: unknown, ctx: BlockContext): VElement {
  const block = record(value);
  const type = str(block, 'type');
  const blockId = str(block, 'block_id') ?? '';
  const data = { 'data-block-id': blockId, 'data-block-type': type ?? '' };
  switch (type) {
    case 'header':
      return el('div', { class: 'block b-header', ...data }, [renderTextObject(block?.['text'], 'b-header-text', ctx)]);
    case 'section': {
      const main: VNode[] = [];
      if (block?.['text']) main.push(renderTextObject(block['text'], 'b-text', ctx));
      const fields = list(block, 'fields');
      if (fields.length > 0) main.push(el('div', { class: 'b-fields' }, fields.map((f) => renderTextObject(f, 'b-field', ctx))));
      const accessory = block?.['accessory'];
      return el('div', { class: 'block b-section', ...data }, [
        el('div', { class: 'b-section-main' }, main),
        accessory ? el('div', { class: 'b-accessory' }, [renderElement(accessory, blockId, ctx)]) : null,
      ]);
    }
    case 'image': {
      const alt = str(block, 'alt_text');
      const src = imageSource(block);
      return el('div', { class: 'block b-image', ...data }, [
        block?.['title'] ? renderTextObject(block['title'], 'b-image-title', ctx) : null,
        src !== null
          ? el('div', { class: 'b-image-frame' }, [
              el('img', { src, alt: alt || '', title: alt || '', loading: 'eager' }, [], { behaviour: { kind: 'image', missingText: `Image not available: ${alt || 'no description'}` } }),
            ])
          : el('div', { class: 'b-image-missing' }, [`External image not loaded in the playground: ${alt || ''}`]),
      ]);
    }
    case 'context':
      return el(
        'div',
        { class: 'block b-context', ...data },
        list(block, 'elements').map((e) => (str(record(e), 'type') === 'image' ? renderElement(e, blockId, ctx) : renderTextObject(e, 'b-context-text', ctx))),
      );
    case 'divider':
      return el('hr', { class: 'block b-divider', ...data });
    case 'actions':
      return el('div', { class: 'block b-actions', ...data }, list(block, 'elements').map((e) => renderElement(e, blockId, ctx)));
    default:
      return el('div', { class: 'block b-unsupported', ...data }, [`${type || 'unknown'} block (not shown in the playground)`]);
  }
}

/**
 * A `confirm` object as the dialog Slack shows. Slack requires title, text, confirm and deny;
 * a missing one falls back to Slack's own wording rather than dropping the question.
 */
export function confirmDialog(value: unknown, ctx: BlockContext): ConfirmDialog | null {
  const confirm = record(value);
  if (!confirm) return null;
  const style = str(confirm, 'style');
  return {
    title: plainText(confirm['title']) || 'Are you sure?',
    text: renderTextObject(confirm['text'], 'confirm-text', ctx),
    confirm: plainText(confirm['confirm']) || 'Yes',
    deny: plainText(confirm['deny']) || 'Cancel',
    style: style === 'danger' || style === 'primary' ? style : null,
  };
}

/** An interactive or image element inside a section, an actions or a context block. */
export function renderElement(value: unknown, blockId: string, ctx: BlockContext): VElement {
  const element = record(value);
  const type = str(element, 'type');
  const action: ActionTarget = { actionId: str(element, 'action_id'), blockId };
  const dataAction = { 'data-action-id': action.actionId || '' };
  switch (type) {
    case 'button': {
      // A button with a url is a link, as in Slack: the browser opens it in a new tab (and shows
      // where it goes, copies it, opens it with a middle click); the click still reaches the bot.
      const url = str(element, 'url');
      const link = url !== undefined && /^https?:\/\//i.test(url);
      const style = str(element, 'style');
      const className = `b-button${style === 'primary' ? ' primary' : style === 'danger' ? ' danger' : ''}`;
      const label = textObject(element?.['text']);
      const children = renderPlain(label?.text ?? '', false, label ? label.emoji !== false : true);
      const value = str(element, 'value');
      const confirm = confirmDialog(element?.['confirm'], ctx);
      const behaviour = { kind: 'button', action, link, ...(value !== undefined ? { value } : {}), ...(confirm ? { confirm } : {}) } as const;
      const ariaLabel = str(element, 'accessibility_label');
      return link
        ? el('a', { class: `${className} b-link-button`, href: url, target: '_blank', rel: 'noopener noreferrer', ...dataAction, 'aria-label': ariaLabel }, children, { behaviour })
        : el('button', { type: 'button', class: className, ...dataAction, 'aria-label': ariaLabel }, children, { behaviour });
    }
    case 'checkboxes': {
      const initial = new Set(list(element, 'initial_options').map((o) => str(record(o), 'value')));
      return el(
        'div',
        { class: 'b-checkboxes', role: 'group', ...dataAction },
        list(element, 'options').map((o) => {
          const option = record(o);
          const optionValue = str(option, 'value');
          const checked = initial.has(optionValue);
          return el('label', { class: 'b-check' }, [
            el('input', { type: 'checkbox', value: optionValue, checked }, [], { checked }),
            el('span', { class: 'b-check-box', 'aria-hidden': 'true' }),
            renderTextObject(option?.['text'], 'b-check-text', ctx),
            option?.['description'] ? renderTextObject(option['description'], 'b-check-desc', ctx) : null,
          ]);
        }),
        { behaviour: { kind: 'checkboxes', action } },
      );
    }
    case 'radio_buttons': {
      const chosen = str(record(element?.['initial_option']), 'value');
      const group = `r-${ctx.messageTs}-${action.actionId || ''}`;
      return el(
        'div',
        { class: 'b-radios', role: 'radiogroup', ...dataAction },
        list(element, 'options').map((o) => {
          const option = record(o);
          const optionValue = str(option, 'value');
          const checked = chosen !== undefined && chosen === optionValue;
          return el('label', { class: 'b-check' }, [
            el('input', { type: 'radio', name: group, value: optionValue }, [], { checked }),
            renderTextObject(option?.['text'], 'b-check-text', ctx),
          ]);
        }),
        { behaviour: { kind: 'radio_buttons', action } },
      );
    }
    case 'static_select': {
      const placeholder = plainText(element?.['placeholder']) || 'Select an item';
      const initial = record(element?.['initial_option']);
      const option = (o: unknown): VElement => el('option', { value: str(record(o), 'value') }, [plainText(record(o)?.['text'])]);
      return el(
        'select',
        { class: 'b-select', ...dataAction, 'aria-label': placeholder },
        [
          initial ? null : el('option', { value: '', disabled: true, selected: true }, [placeholder]),
          ...list(element, 'options').map(option),
          ...list(element, 'option_groups').map((g) => el('optgroup', { label: plainText(record(g)?.['label']) }, list(record(g), 'options').map(option))),
        ],
        { value: initial ? (str(initial, 'value') ?? '') : '', behaviour: { kind: 'static_select', action } },
      );
    }
    case 'image':
      return el('img', { class: 'b-context-img', src: imageSource(element) ?? undefined, alt: str(element, 'alt_text') || '' });
    default:
      return el('span', { class: 'b-unsupported' }, [`${type || 'unknown'} element (not shown in the playground)`]);
  }
}

/**
 * Where an image comes from. Only files uploaded to the stand-in are shown (served from
 * /files/<id>); the page's Content-Security-Policy would block any other address anyway.
 */
export function imageSource(obj: Json | null): string | null {
  const slackFile = record(obj?.['slack_file']);
  const id = str(slackFile, 'id');
  if (id !== undefined) return `/files/${encodeURIComponent(id)}`;
  const url = str(slackFile, 'url') || str(obj, 'image_url') || '';
  const file = /\/files\/(F[A-Z0-9]+)/.exec(url);
  return file ? `/files/${file[1]}` : null;
}

/** Files an image block already shows (by `slack_file.id`): the message does not show them twice. */
export function filesShownInBlocks(blocks: readonly unknown[]): Set<string> {
  const ids = new Set<string>();
  for (const block of blocks) {
    const id = str(record(record(block)?.['slack_file']), 'id');
    if (id) ids.add(id);
  }
  return ids;
}
