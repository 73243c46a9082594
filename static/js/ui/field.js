// Labelled form fields that show the API's messages next to the right input.

import { h, uid } from '../dom.js';
import { fieldOfMessage } from '../format.js';

/**
 * A labelled input (or textarea with `multiline`). Returns
 * `{ element, input, setError(text) }`; the error is tied to the input with
 * aria-describedby and aria-invalid.
 */
export function field({ name, label, type = 'text', hint = '', multiline = false, ...attrs }) {
  const id = uid(`f-${name}`);
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const input = h(multiline ? 'textarea' : 'input', {
    id,
    name,
    type: multiline ? null : type,
    class: 'input',
    'aria-describedby': hintId,
    ...attrs,
  });
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const element = h(
    'div',
    { class: 'field' },
    h('label', { class: 'field-label', for: id }, label),
    input,
    hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null,
    error,
  );
  return {
    element,
    input,
    setError(text) {
      error.textContent = text ?? '';
      error.hidden = !text;
      if (text) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', [errorId, hintId].filter(Boolean).join(' '));
      } else {
        input.removeAttribute('aria-invalid');
        if (hintId) input.setAttribute('aria-describedby', hintId);
        else input.removeAttribute('aria-describedby');
      }
    },
  };
}

/**
 * Shows an API error on the field it names, else in `formError`. Returns the
 * field that got it (focused), or null.
 */
export function showApiError(err, fields, formError) {
  for (const f of Object.values(fields)) f.setError(null);
  const named = fieldOfMessage(err?.message, Object.keys(fields));
  if (named) {
    const f = fields[named.field];
    f.setError(capitalise(named.text));
    f.input.focus();
    formError.hidden = true;
    return f;
  }
  formError.textContent = capitalise(err?.message ?? 'Something went wrong.');
  formError.hidden = false;
  return null;
}

/** The sentence with its first letter in upper case. */
export function capitalise(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
