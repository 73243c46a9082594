// The moderators' page: open reports, oldest first, each with what was
// reported and the three ways to settle it (POST /api/admin/reports/{id}/resolve);
// suspending or reinstating an account by name; and, for admins, the
// moderation log (GET /api/admin/actions).

import * as api from '../api.js';
import { h, replace, uid } from '../dom.js';
import { avatar } from '../ui/avatar.js';
import { openModal } from '../ui/dialog.js';
import { field, showApiError } from '../ui/field.js';
import { requireUserAt } from '../ui/gate.js';
import { emptyState, page, pageTitle } from '../ui/page.js';
import { pager } from '../ui/pager.js';
import { userLink } from '../ui/post.js';
import { ago } from '../ui/time.js';
import { toast, toastError } from '../ui/toast.js';

const ACTIONS = {
  dismiss: 'Dismiss',
  remove_content: 'Remove',
  suspend_account: 'Suspend account',
};

/** How the moderation log words each action. */
const LOGGED = {
  dismiss: 'dismissed a report on',
  remove_content: 'removed content by',
  suspend_account: 'suspended',
  unsuspend_account: 'reinstated',
  grant_moderator: 'made a moderator:',
  revoke_moderator: 'took the moderator role from',
};

/** Whether the signed-in user may see this page. */
export function moderates(user) {
  return user?.role === 'moderator' || user?.role === 'admin';
}

/** Asks for the reason the log keeps; `null` when cancelled. */
async function askReason(label) {
  const id = uid('mod-reason');
  const form = h(
    'form',
    { method: 'dialog', class: 'modal-body' },
    h('label', { for: id }, 'Reason (kept in the moderation log)'),
    h('textarea', { id, name: 'reason', rows: 3, maxLength: 500, required: true }),
    h(
      'div',
      { class: 'modal-actions' },
      h('button', { class: 'btn btn-danger', value: 'go' }, label),
      h('button', { class: 'btn btn-ghost', value: '', formnovalidate: true }, 'Cancel'),
    ),
  );
  const { closed } = openModal({ title: label, body: form, className: 'modal-small' });
  if ((await closed) !== 'go') return null;
  return String(new FormData(form).get('reason') ?? '').trim() || null;
}

function targetSummary(target) {
  const whose = h('span', { class: 'report-whose' }, avatar(target.account, 'xs'), ' ', userLink(target.account));
  const link = target.kind === 'user'
    ? h('a', { href: `/u/${encodeURIComponent(target.account.username)}` }, 'the account')
    : target.exists && target.post_id
      ? h('a', { href: `/p/${target.post_id}` }, `a ${target.kind}`)
      : h('span', {}, `a ${target.kind} (gone)`);
  return h(
    'p',
    { class: 'report-target' },
    link,
    ' by ',
    whose,
    target.account_suspended ? h('span', { class: 'report-suspended' }, ' (suspended)') : null,
    target.excerpt ? h('q', { class: 'report-excerpt' }, target.excerpt) : null,
  );
}

function reportItem(report, onResolved) {
  const buttons = Object.entries(ACTIONS)
    .filter(([action]) => !(action === 'remove_content' && (report.target.kind === 'user' || !report.target.exists)))
    .filter(([action]) => !(action === 'suspend_account' && report.target.account_suspended))
    .map(([action, label]) =>
      h(
        'button',
        {
          class: ['btn', 'btn-small', action === 'dismiss' ? 'btn-secondary' : 'btn-danger'],
          type: 'button',
          dataset: { action },
          onclick: async () => {
            const reason = await askReason(label);
            if (!reason) return;
            try {
              await api.post(`/api/admin/reports/${report.id}/resolve`, { action, reason });
              toast('Report resolved');
              onResolved(report);
            } catch (err) {
              toastError(err, 'Could not resolve the report.');
            }
          },
        },
        label,
      ),
    );
  return h(
    'li',
    { class: 'report-item', dataset: { report: String(report.id), target: `${report.target.kind}:${report.target.id}` } },
    h('p', { class: 'report-head' }, userLink(report.reporter), ` reported for ${report.reason} `, ago(report.created_at)),
    targetSummary(report.target),
    report.note ? h('p', { class: 'report-note' }, report.note) : null,
    h('div', { class: 'report-actions' }, buttons),
  );
}

/** What an AccountStatus says, as one sentence. */
function statusLine(status) {
  return status.suspended_at
    ? h('span', {}, userLink(status), ' was suspended ', ago(status.suspended_at, { long: true }), '.')
    : h('span', {}, userLink(status), ' is active.');
}

/** Suspends or reinstates an account by name (PUT/DELETE /api/admin/users/{username}/suspension). */
function accountTool() {
  const fields = { username: field({ name: 'username', label: 'Username', autocomplete: 'off', spellcheck: false, required: true }) };
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const outcome = h('p', { class: 'account-outcome', role: 'status' });
  const act = async (suspend) => {
    const username = fields.username.input.value.trim().replace(/^@/, '');
    if (!username) {
      fields.username.setError('Enter a username.');
      fields.username.input.focus();
      return;
    }
    const reason = suspend ? await askReason('Suspend account') : null;
    if (suspend && !reason) return;
    const path = `/api/admin/users/${encodeURIComponent(username)}/suspension`;
    try {
      const status = suspend ? await api.put(path, { json: { reason } }) : await api.del(path);
      fields.username.setError(null);
      formError.hidden = true;
      replace(outcome, statusLine(status));
    } catch (err) {
      replace(outcome);
      showApiError(err, fields, formError);
    }
  };
  const form = h(
    'form',
    { class: 'form account-tool', novalidate: true, onsubmit: (event) => event.preventDefault() },
    formError,
    fields.username.element,
    h(
      'div',
      { class: 'report-actions' },
      h('button', { class: 'btn btn-small btn-danger', type: 'button', onclick: () => act(true) }, 'Suspend'),
      h('button', { class: 'btn btn-small btn-secondary', type: 'button', onclick: () => act(false) }, 'Reinstate'),
    ),
    outcome,
  );
  return h('section', { class: 'moderation-section', 'aria-labelledby': 'mod-accounts' }, h('h2', { id: 'mod-accounts' }, 'Accounts'), form);
}

function logItem(entry) {
  return h(
    'li',
    { class: 'log-item' },
    h('p', { class: 'report-head' }, userLink(entry.moderator), ` ${LOGGED[entry.action] ?? entry.action} `, userLink(entry.account), ' ', ago(entry.created_at)),
    entry.reason ? h('p', { class: 'report-note' }, entry.reason) : null,
  );
}

/** The moderation log, newest first: admins only. */
function moderationLog(signal) {
  const list = h('ul', { class: 'report-list', 'aria-label': 'Moderation log' });
  const entries = pager({
    list,
    signal,
    label: 'log entries',
    load: (cursor, signal) => api.get('/api/admin/actions', { query: cursor ? { cursor } : {}, signal }),
    render: logItem,
    empty: () => emptyState('bell', 'Nothing yet', 'Every moderator action will be listed here.'),
  });
  return h('section', { class: 'moderation-section', 'aria-labelledby': 'mod-log' }, h('h2', { id: 'mod-log' }, 'Moderation log'), entries.element);
}

export function moderationView(_params, ctx) {
  const me = api.currentUser();
  if (!me) {
    requireUserAt('/moderation');
    return page('redirect');
  }
  ctx.setTitle('Moderation');
  if (!moderates(me)) {
    return page('moderation', pageTitle('Moderation'), emptyState('user', 'Moderators only', 'This page is for moderators and admins.'));
  }
  const list = h('ul', { class: 'report-list', 'aria-label': 'Open reports' });
  const reports = pager({
    list,
    signal: ctx.signal,
    label: 'reports',
    load: (cursor, signal) => api.get('/api/admin/reports', { query: cursor ? { cursor } : {}, signal }),
    render: (report) => reportItem(report, (done) => {
      // Resolving closes every open report on the same target.
      for (const item of [...list.querySelectorAll('.report-item')]) {
        if (item.dataset.target === `${done.target.kind}:${done.target.id}`) reports.remove(Number(item.dataset.report));
      }
      reports.remove(done.id);
    }),
    empty: () => emptyState('bell', 'All clear', 'There are no open reports.'),
  });
  return page(
    'moderation',
    pageTitle('Open reports'),
    reports.element,
    accountTool(),
    me.role === 'admin' ? moderationLog(ctx.signal) : null,
  );
}
