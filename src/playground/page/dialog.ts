/**
 * Slack's confirmation dialog for a button with a `confirm` object: a modal with the title, the
 * text and two buttons. Escape, a click outside or the deny button answer false.
 */

import { h, STATIC, toDom } from './dom';
import type { ConfirmDialog } from './vnode';

export function askConfirm(dialog: ConfirmDialog): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const previousFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const close = (answer: boolean): void => {
      document.removeEventListener('keydown', onKey, true);
      overlay.remove();
      previousFocus?.focus();
      resolve(answer);
    };
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') {
        event.preventDefault();
        close(false);
      }
    };
    const deny = h('button', { className: 'b-button', text: dialog.deny, attrs: { type: 'button' }, dataset: { confirm: 'deny' }, onclick: () => close(false) });
    const confirm = h('button', {
      className: `b-button ${dialog.style === 'danger' ? 'danger' : 'primary'}`,
      text: dialog.confirm,
      attrs: { type: 'button' },
      dataset: { confirm: 'confirm' },
      onclick: () => close(true),
    });
    const box = h('div', { className: 'dialog', attrs: { role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'dialog-title' } }, [
      h('h2', { className: 'dialog-title', text: dialog.title, attrs: { id: 'dialog-title' } }),
      h('div', { className: 'dialog-body' }, [toDom(dialog.text, STATIC)]),
      h('div', { className: 'dialog-buttons' }, [deny, confirm]),
    ]);
    const overlay = h('div', { className: 'dialog-overlay' }, [box]);
    overlay.addEventListener('mousedown', (event) => {
      if (event.target === overlay) close(false);
    });
    document.addEventListener('keydown', onKey, true);
    document.body.appendChild(overlay);
    confirm.focus();
  });
}
