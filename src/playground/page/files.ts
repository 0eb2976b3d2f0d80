/**
 * A non-image file shared in a message, drawn as Slack's file card: a type badge, the title and
 * the file name, a link that downloads it, and for text files (the exported timeline is Markdown)
 * a "Show text" toggle that shows the content as plain text, never as HTML (dom.ts). Pure, like blocks.ts.
 */

import type { MessageFile } from './api';
import { el, type VElement } from './vnode';

export function isTextFile(file: Pick<MessageFile, 'mimetype' | 'name'>): boolean {
  return /^text\//.test(file.mimetype) || /\.(md|txt|csv|log)$/i.test(file.name);
}

/** The short badge Slack shows on a file's icon: its extension, else its kind. */
export function fileBadge(file: Pick<MessageFile, 'mimetype' | 'name'>): string {
  const ext = /\.([a-z0-9]{1,5})$/i.exec(file.name)?.[1];
  if (ext) return ext.toUpperCase();
  return isTextFile(file) ? 'TXT' : 'FILE';
}

export function fileAttachment(file: MessageFile): VElement {
  const href = `/files/${encodeURIComponent(file.id)}`;
  const title = file.title || file.name;
  return el('div', { class: 'file-card', 'data-file-id': file.id }, [
    el('span', { class: 'file-icon', 'aria-hidden': 'true' }, [fileBadge(file)]),
    el('div', { class: 'file-meta' }, [
      el('span', { class: 'file-title' }, [title]),
      el('span', { class: 'file-name' }, [file.name]),
    ]),
    el('div', { class: 'file-actions' }, [
      isTextFile(file)
        ? el('button', { type: 'button', class: 'b-button file-preview-toggle', 'aria-expanded': 'false' }, ['Show text'], {
            behaviour: { kind: 'file_preview', url: href },
          })
        : null,
      el('a', { class: 'b-button b-link-button file-download', href, download: file.name }, ['Download']),
    ]),
  ]);
}
