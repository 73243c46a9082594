// Modal dialogs built on <dialog>: focus is trapped, Escape closes, and focus
// returns to the control that opened it.

import { h, uid } from '../dom.js';

/** Opens a modal with `title` and `body`; resolves with its return value. */
export function openModal({ title, body, className = '', labelledBy = null }) {
  const titleId = uid('dialog-title');
  const dialog = h(
    'dialog',
    { class: ['modal', className], 'aria-labelledby': labelledBy ?? titleId },
    title ? h('h2', { class: 'modal-title', id: titleId }, title) : null,
    body,
  );
  document.body.append(dialog);
  const opener = document.activeElement;
  dialog.addEventListener('click', (event) => {
    // A click on the backdrop lands on the dialog element itself.
    if (event.target === dialog) dialog.close('');
  });
  const closed = new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(dialog.returnValue);
    });
  });
  dialog.showModal();
  return { dialog, closed };
}

/** Asks a yes/no question; resolves true when confirmed. */
export async function confirmAction({ title, message, confirmLabel, danger = true }) {
  const form = h(
    'form',
    { method: 'dialog', class: 'modal-body' },
    message ? h('p', { class: 'modal-text' }, message) : null,
    h(
      'div',
      { class: 'modal-actions' },
      h('button', { class: ['btn', danger ? 'btn-danger' : 'btn-primary'], value: 'yes' }, confirmLabel),
      h('button', { class: 'btn btn-ghost', value: 'no' }, 'Cancel'),
    ),
  );
  const { closed } = openModal({ title, body: form, className: 'modal-small' });
  return (await closed) === 'yes';
}

/** A list of actions (like a phone's action sheet); runs the chosen one. */
export async function actionSheet(title, actions) {
  const form = h(
    'form',
    { method: 'dialog', class: 'sheet-actions' },
    actions.map((action, index) =>
      h('button', { class: ['sheet-action', action.danger && 'sheet-action-danger'], value: String(index) }, action.label),
    ),
    h('button', { class: 'sheet-action', value: '' }, 'Cancel'),
  );
  const { closed } = openModal({ title, body: form, className: 'modal-small modal-sheet' });
  const choice = await closed;
  if (choice !== '') await actions[Number(choice)]?.run();
}
