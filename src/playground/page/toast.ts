/** Short notes in the corner: a failed request, a digest that was not posted. */

import { byId, h } from './dom';

/** Shows `text` for six seconds; `error` draws it in red. */
export function toast(text: string, kind: 'info' | 'error' = 'info'): void {
  const node = h('div', { className: `toast ${kind}`, text });
  byId('toasts').appendChild(node);
  setTimeout(() => node.classList.add('leaving'), 5500);
  setTimeout(() => node.remove(), 6000);
}
