// New post: pick or drop up to ten photos, describe each for people who
// cannot see them, write a caption, and watch the upload go.

import * as api from '../api.js';
import { h, uid } from '../dom.js';
import { charCount, fileSize } from '../format.js';
import { icon } from '../icons.js';
import { forgetPath, navigate } from '../router.js';
import { requireUserAt } from '../ui/gate.js';
import { page, pageTitle } from '../ui/page.js';
import { toast } from '../ui/toast.js';

const MAX_FILES = 10;
const MAX_CAPTION = 2200;
const MAX_ALT = 1500;
const TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];

/** "image: each image must be at most 15728640 bytes" → "Each image must be at most 15.0 MB." */
function readable(message) {
  const text = message
    .replace(/^[a-z_]+: /, '')
    .replace(/(\d{4,}) bytes/g, (_, n) => fileSize(Number(n)));
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

export function composeView(_params, ctx) {
  if (!api.currentUser()) {
    requireUserAt('/new');
    return page('redirect');
  }
  ctx.setTitle('New post');
  const { signal } = ctx;
  const items = []; // { file, url, alt, error, node }

  const fileInputId = uid('files');
  const fileInput = h('input', {
    id: fileInputId,
    class: 'visually-hidden file-input',
    type: 'file',
    accept: TYPES.join(','),
    multiple: true,
  });
  const dropZone = h(
    'label',
    { class: 'drop-zone', for: fileInputId },
    h('span', { class: 'drop-icon', 'aria-hidden': 'true' }, icon('image')),
    h('span', { class: 'drop-title' }, 'Drag photos here'),
    h('span', { class: 'drop-text' }, 'or choose up to 10 from your device (JPEG, PNG, WebP or GIF)'),
    h('span', { class: 'btn btn-primary drop-button', 'aria-hidden': 'true' }, 'Choose photos'),
  );
  const addMore = h('label', { class: 'btn btn-secondary add-more', for: fileInputId }, icon('create'), 'Add photos');
  const fileList = h('ol', { class: 'compose-files', 'aria-label': 'Chosen photos' });
  const filesNote = h('p', { class: 'field-error', role: 'alert', hidden: true });

  const captionId = uid('caption');
  const caption = h('textarea', {
    id: captionId,
    class: 'input caption-input',
    rows: 4,
    placeholder: 'Write a caption… #hashtags and @mentions welcome',
    'aria-describedby': `${captionId}-count ${captionId}-error`,
  });
  const counter = h('span', { class: 'char-count', id: `${captionId}-count` });
  const captionError = h('p', { class: 'field-error', id: `${captionId}-error`, hidden: true });
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const progress = h('progress', { class: 'upload-progress', max: 100, value: 0 });
  const progressText = h('span', { class: 'upload-text' });
  const progressBox = h('div', { class: 'upload', hidden: true, role: 'status' }, progressText, progress);
  const share = h('button', { class: 'btn btn-primary', type: 'submit' }, 'Share');
  const cancel = h('button', { class: 'btn btn-ghost', type: 'button', hidden: true }, 'Cancel upload');
  let uploading = null; // AbortController of the upload in flight

  function paintCounter() {
    const used = charCount(caption.value);
    counter.textContent = `${used.toLocaleString('en-US')} / ${MAX_CAPTION.toLocaleString('en-US')}`;
    counter.classList.toggle('is-over', used > MAX_CAPTION);
    counter.classList.toggle('is-near', used > MAX_CAPTION - 100 && used <= MAX_CAPTION);
    paintState();
  }

  function paintState() {
    const hasFiles = items.length > 0;
    dropZone.hidden = hasFiles;
    addMore.hidden = !hasFiles || items.length >= MAX_FILES || Boolean(uploading);
    const bad = items.some((item) => item.error && item.local) || charCount(caption.value) > MAX_CAPTION;
    share.disabled = !hasFiles || bad || Boolean(uploading);
  }

  function setItemError(item, text, local = false) {
    item.error = text;
    item.local = local;
    item.errorNode.textContent = text ?? '';
    item.errorNode.hidden = !text;
    item.node.classList.toggle('has-error', Boolean(text));
  }

  function addFiles(files) {
    filesNote.hidden = true;
    formError.hidden = true;
    const room = MAX_FILES - items.length;
    const chosen = [...files];
    if (chosen.length > room) {
      filesNote.textContent = `A post holds up to ${MAX_FILES} photos: ${chosen.length - room} left out.`;
      filesNote.hidden = false;
    }
    for (const file of chosen.slice(0, Math.max(0, room))) addFile(file);
    renumber();
    paintState();
  }

  function addFile(file) {
    const supported = TYPES.includes(file.type);
    const url = supported ? URL.createObjectURL(file) : null;
    const altId = uid('alt');
    const alt = h('textarea', { id: altId, class: 'input alt-input', rows: 2, maxLength: MAX_ALT, placeholder: 'Describe the photo for people who can’t see it' });
    const errorNode = h('p', { class: 'field-error file-error', hidden: true, id: `${altId}-error` });
    const label = h('label', { class: 'field-label', for: altId });
    const removeButton = h('button', { class: 'icon-btn remove-file', type: 'button' }, icon('close'));
    const node = h(
      'li',
      { class: 'compose-file' },
      h('div', { class: 'compose-thumb' }, url ? h('img', { src: url, alt: '' }) : h('span', { class: 'compose-thumb-bad' }, icon('image'))),
      h(
        'div',
        { class: 'compose-file-main' },
        h('p', { class: 'compose-file-name' }, h('span', { class: 'file-name' }, file.name), h('span', { class: 'file-size' }, fileSize(file.size))),
        label,
        alt,
        errorNode,
      ),
      removeButton,
    );
    const item = { file, url, alt, label, node, errorNode, removeButton, error: null, local: false, pixels: 0 };
    removeButton.addEventListener('click', () => {
      const at = items.indexOf(item);
      items.splice(at, 1);
      if (url) URL.revokeObjectURL(url);
      node.remove();
      renumber();
      paintState();
      (items[at]?.alt ?? items[at - 1]?.alt ?? fileInput).focus();
    });
    alt.setAttribute('aria-describedby', errorNode.id);
    items.push(item);
    fileList.append(node);
    if (!supported) {
      setItemError(item, `“${file.name}” is not a supported image. Use JPEG, PNG, WebP or GIF.`, true);
      return;
    }
    // Decoding here catches a broken file before it is uploaded, and gives
    // the pixel count used to place the server's 415 when it names no file.
    createImageBitmap(file)
      .then((bitmap) => {
        item.pixels = bitmap.width * bitmap.height;
        bitmap.close();
      })
      .catch(() => {
        node.querySelector('.compose-thumb')?.replaceChildren(h('span', { class: 'compose-thumb-bad' }, icon('image')));
        if (items.includes(item)) {
          setItemError(item, `“${file.name}” could not be read as an image.`, true);
          paintState();
        }
      });
  }

  function renumber() {
    items.forEach((item, i) => {
      item.label.textContent = `Alt text for photo ${i + 1}`;
      item.removeButton.setAttribute('aria-label', `Remove photo ${i + 1} (${item.file.name})`);
    });
  }

  fileInput.addEventListener('change', () => {
    addFiles(fileInput.files);
    fileInput.value = '';
  });
  caption.addEventListener('input', () => {
    captionError.hidden = true;
    paintCounter();
  });

  // Dropping anywhere on the page adds the photos; elsewhere the browser
  // would open the file and leave the app.
  const dragTarget = document.documentElement;
  const onDragOver = (event) => {
    if (![...(event.dataTransfer?.types ?? [])].includes('Files')) return;
    event.preventDefault();
    root.classList.add('is-dragging');
  };
  const onDragLeave = (event) => {
    if (event.relatedTarget == null) root.classList.remove('is-dragging');
  };
  const onDrop = (event) => {
    if (!event.dataTransfer?.files?.length) return;
    event.preventDefault();
    root.classList.remove('is-dragging');
    if (!uploading) addFiles(event.dataTransfer.files);
  };
  dragTarget.addEventListener('dragover', onDragOver, { signal });
  dragTarget.addEventListener('dragleave', onDragLeave, { signal });
  dragTarget.addEventListener('drop', onDrop, { signal });
  signal.addEventListener('abort', () => {
    uploading?.abort();
    for (const item of items) if (item.url) URL.revokeObjectURL(item.url);
  });

  // 413 and 415 may name the image by its position ("image 2"); when they
  // do not, blame the likeliest file (the largest in bytes for 413, in
  // pixels for 415) so the message still sits next to a file.
  function placeServerError(err) {
    const match = /\bimage (\d+)\b/i.exec(err.message);
    let index = match ? Number(match[1]) - 1 : -1;
    if (index >= items.length) index = -1;
    if (index < 0) {
      const weight = (item) => (err.status === 413 ? item.file.size : item.pixels);
      index = items.reduce((best, item, i) => (weight(item) > weight(items[best]) ? i : best), 0);
    }
    const item = items[index];
    const detail = readable(err.message);
    const text = err.status === 413
      ? `This photo is too large to upload${item ? ` (${fileSize(item.file.size)})` : ''}. ${detail}`
      : `This photo can’t be used. ${detail}`;
    if (item) {
      setItemError(item, text);
      item.alt.focus();
    } else {
      formError.textContent = text;
      formError.hidden = false;
    }
  }

  async function submit(event) {
    event.preventDefault();
    if (uploading || items.length === 0) return;
    for (const item of items) if (!item.local) setItemError(item, null);
    formError.hidden = true;
    captionError.hidden = true;
    const form = new FormData();
    for (const item of items) form.append('image', item.file, item.file.name);
    const text = caption.value.trim();
    if (text) form.append('caption', text);
    if (items.some((item) => item.alt.value.trim())) {
      for (const item of items) form.append('alt', item.alt.value.trim());
    }

    uploading = new AbortController();
    progressBox.hidden = false;
    cancel.hidden = false;
    paintState();
    const onProgress = (fraction) => {
      const percent = Math.round(fraction * 100);
      progress.value = percent;
      progressText.textContent = percent < 100 ? `Uploading… ${percent}%` : 'Processing your photos…';
      // Once every byte is sent the server is at work: cancelling now
      // could not stop the post, only hide it.
      cancel.hidden = percent >= 100;
    };
    onProgress(0);
    try {
      const post = await api.upload('POST', '/api/posts', form, { onProgress, signal: uploading.signal });
      toast('Your post is shared');
      forgetPath('/');
      forgetPath(`/u/${post.author.username}`);
      navigate('/', { replace: true });
    } catch (err) {
      if (err.name === 'AbortError') {
        toast('Upload cancelled');
      } else if (err.status === 413 || err.status === 415) {
        placeServerError(err);
      } else if (/^caption\b/.test(err.message)) {
        captionError.textContent = err.message.replace(/^caption:\s*/, 'Caption: ');
        captionError.hidden = false;
        caption.focus();
      } else {
        formError.textContent = err.message;
        formError.hidden = false;
      }
    } finally {
      uploading = null;
      progressBox.hidden = true;
      cancel.hidden = true;
      paintState();
    }
  }
  cancel.addEventListener('click', () => uploading?.abort());

  const root = page(
    'compose',
    h('div', { class: 'page-head' }, pageTitle('New post')),
    h(
      'form',
      { class: 'compose', novalidate: true, onsubmit: submit },
      formError,
      fileInput,
      dropZone,
      fileList,
      filesNote,
      addMore,
      h(
        'div',
        { class: 'field' },
        h('div', { class: 'field-row' }, h('label', { class: 'field-label', for: captionId }, 'Caption'), counter),
        caption,
        captionError,
      ),
      progressBox,
      h('div', { class: 'compose-actions' }, share, cancel),
    ),
  );
  paintCounter();
  return root;
}
