// Edit your profile: picture (PUT /api/me/avatar), name and bio (PATCH /api/me),
// and whether the account is private (PATCH /api/me {is_private}).

import * as api from '../api.js';
import { h, replace, uid } from '../dom.js';
import { charCount } from '../format.js';
import { avatar } from '../ui/avatar.js';
import { capitalise, field, showApiError } from '../ui/field.js';
import { requireUserAt } from '../ui/gate.js';
import { page, pageTitle } from '../ui/page.js';
import { toast, toastError } from '../ui/toast.js';

const BIO_MAX = 150;
const NAME_MAX = 50;

export function settingsView(_params, ctx) {
  const me = api.currentUser();
  if (!me) {
    requireUserAt('/settings');
    return page('redirect');
  }
  ctx.setTitle('Edit profile');

  // Picture: uploaded as soon as it is chosen, with progress.
  const pictureBox = h('div', { class: 'settings-avatar' }, avatar(me, 'l', 'Your profile picture'));
  const avatarInputId = uid('avatar');
  const avatarInput = h('input', { id: avatarInputId, class: 'visually-hidden file-input', type: 'file', accept: 'image/jpeg,image/png,image/webp,image/gif' });
  const avatarError = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const avatarProgress = h('progress', { class: 'upload-progress', max: 100, value: 0, hidden: true, 'aria-label': 'Uploading profile picture' });
  avatarInput.addEventListener('change', async () => {
    const file = avatarInput.files[0];
    avatarInput.value = '';
    if (!file) return;
    avatarError.hidden = true;
    avatarProgress.hidden = false;
    const form = new FormData();
    form.append('image', file, file.name);
    try {
      const user = await api.upload('PUT', '/api/me/avatar', form, {
        signal: ctx.signal,
        onProgress: (f) => { avatarProgress.value = Math.round(f * 100); },
      });
      api.updateCurrentUser(user);
      replace(pictureBox, avatar(user, 'l', 'Your profile picture'));
      toast('Profile picture updated');
    } catch (err) {
      if (err.name === 'AbortError') return;
      // One sentence, not ours followed by the server's in another casing.
      avatarError.textContent = err.status === 413
        ? 'That file is too large.'
        : err.status === 415 ? 'That is not a supported image (JPEG, PNG, WebP or GIF).' : capitalise(err.message);
      avatarError.hidden = false;
    } finally {
      avatarProgress.hidden = true;
    }
  });

  const fields = {
    display_name: field({ name: 'display_name', label: 'Name', value: me.display_name, maxLength: NAME_MAX, autocomplete: 'name' }),
    bio: field({ name: 'bio', label: 'Bio', multiline: true, rows: 3, value: me.bio ?? '', hint: `Up to ${BIO_MAX} characters.` }),
  };
  const bioCount = h('span', { class: 'char-count', 'aria-hidden': 'true' });
  const paintBio = () => {
    const used = charCount(fields.bio.input.value);
    bioCount.textContent = `${used} / ${BIO_MAX}`;
    bioCount.classList.toggle('is-over', used > BIO_MAX);
  };
  fields.bio.input.addEventListener('input', paintBio);
  const bioLabel = fields.bio.element.querySelector('.field-label');
  const bioRow = h('div', { class: 'field-row' });
  bioLabel.replaceWith(bioRow);
  bioRow.append(bioLabel, bioCount);
  paintBio();

  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const save = h('button', { class: 'btn btn-primary', type: 'submit' }, 'Save');
  const form = h(
    'form',
    { class: 'form settings-form', novalidate: true },
    formError,
    fields.display_name.element,
    fields.bio.element,
    h('div', { class: 'form-actions' }, save, h('a', { class: 'btn btn-ghost', href: `/u/${encodeURIComponent(me.username)}` }, 'View profile')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    save.disabled = true;
    formError.hidden = true;
    try {
      const user = await api.patch('/api/me', {
        display_name: fields.display_name.input.value.trim(),
        bio: fields.bio.input.value.trim(),
      });
      for (const f of Object.values(fields)) f.setError(null);
      api.updateCurrentUser(user);
      toast('Profile saved');
    } catch (err) {
      showApiError(err, fields, formError);
    } finally {
      save.disabled = false;
    }
  });

  const privacyId = uid('private');
  const privacy = h('input', { id: privacyId, class: 'switch-input', type: 'checkbox', checked: Boolean(me.is_private) });
  privacy.addEventListener('change', async () => {
    const want = privacy.checked;
    privacy.disabled = true;
    try {
      const user = await api.patch('/api/me', { is_private: want });
      api.updateCurrentUser(user);
      privacy.checked = Boolean(user.is_private);
      toast(user.is_private ? 'Your account is private' : 'Your account is public');
    } catch (err) {
      privacy.checked = !want;
      toastError(err, 'Could not change your privacy.');
    } finally {
      privacy.disabled = false;
    }
  });
  const privacyCard = h(
    'section',
    { class: 'settings-card settings-privacy', 'aria-label': 'Privacy' },
    h(
      'div',
      { class: 'settings-privacy-text' },
      h('label', { for: privacyId }, h('strong', {}, 'Private account')),
      h('p', { class: 'field-hint' }, 'Only people you approve see your photos and who you follow. Making it public approves every pending request.'),
      h('a', { class: 'link-btn', href: '/follow-requests' }, 'Follow requests'),
    ),
    privacy,
  );

  return page(
    'settings',
    h('div', { class: 'page-head' }, pageTitle('Edit profile')),
    h(
      'section',
      { class: 'settings-card', 'aria-label': 'Profile picture' },
      pictureBox,
      h(
        'div',
        { class: 'settings-avatar-info' },
        h('strong', {}, me.username),
        h('label', { class: 'link-btn', for: avatarInputId }, 'Change profile picture'),
        avatarInput,
        avatarProgress,
        avatarError,
      ),
    ),
    form,
    privacyCard,
  );
}
