// Reporting a post, comment or account to the moderators (POST /api/reports).
// The reported person is never told.

import * as api from '../api.js';
import { h, uid } from '../dom.js';
import { openModal } from './dialog.js';
import { requireUser } from './gate.js';
import { toast, toastError } from './toast.js';

const REASONS = [
  ['spam', 'Spam'],
  ['harassment', 'Harassment or bullying'],
  ['nudity', 'Nudity'],
  ['violence', 'Violence'],
  ['other', 'Something else'],
];
const NOTE_MAX = 500;

/** Asks why, then files a report of `target` ({kind, id}); `what` names it. */
export async function reportDialog(target, what) {
  if (!requireUser()) return;
  const noteId = uid('report-note');
  const form = h(
    'form',
    { method: 'dialog', class: 'modal-body report-form' },
    h(
      'fieldset',
      { class: 'report-reasons' },
      h('legend', {}, `Why are you reporting this ${what}?`),
      REASONS.map(([value, label], index) =>
        h('label', { class: 'report-reason' }, h('input', { type: 'radio', name: 'reason', value, required: true, checked: index === 0 }), ` ${label}`),
      ),
    ),
    h('label', { for: noteId }, 'Anything the moderators should know (optional)'),
    h('textarea', { id: noteId, name: 'note', rows: 3, maxLength: NOTE_MAX }),
    h(
      'div',
      { class: 'modal-actions' },
      h('button', { class: 'btn btn-danger', value: 'report' }, 'Report'),
      h('button', { class: 'btn btn-ghost', value: '', formnovalidate: true }, 'Cancel'),
    ),
  );
  const { closed } = openModal({ title: `Report ${what}`, body: form, className: 'modal-small' });
  if ((await closed) !== 'report') return;
  const data = new FormData(form);
  try {
    await api.post('/api/reports', { target, reason: data.get('reason'), note: data.get('note') ?? '' });
    toast('Thanks. A moderator will look at it.');
  } catch (err) {
    if (err.status === 409) toast('You already reported this; a moderator will look at it.');
    else toastError(err, 'Could not send the report.');
  }
}
