// The search box: people and hashtags, live as you type (debounced, with the
// previous request cancelled), as an ARIA combobox driven by the keyboard.

import * as api from '../api.js';
import { h, replace, uid } from '../dom.js';
import { plural } from '../format.js';
import { icon } from '../icons.js';
import { navigate } from '../router.js';
import { avatar } from './avatar.js';

const DEBOUNCE_MS = 200;

/** A search box; `id` must be unique on the page. */
export function searchBox({ id, autofocus = false }) {
  const listId = `${id}-results`;
  const input = h('input', {
    id,
    class: 'search-input',
    type: 'search',
    placeholder: 'Search people and #tags',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    role: 'combobox',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    enterkeyhint: 'search',
    autofocus,
  });
  const list = h('ul', { class: 'search-results', id: listId, role: 'listbox', 'aria-label': 'Search results', hidden: true });
  const status = h('p', { class: 'visually-hidden', role: 'status' });
  const root = h(
    'div',
    { class: 'search', role: 'search' },
    h('label', { class: 'visually-hidden', for: id }, 'Search people and hashtags'),
    h('span', { class: 'search-icon', 'aria-hidden': 'true' }, icon('search')),
    input,
    list,
    status,
  );

  let timer = 0;
  let controller = null;
  let options = [];
  let active = -1;
  // The search in flight (or the last one), so Enter can wait for it.
  let searching = Promise.resolve();
  let searchedFor = '';

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  const open = () => {
    if (options.length === 0 && !list.querySelector('.search-empty')) return;
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  };

  const setActive = (index) => {
    options.forEach((o, i) => o.el.setAttribute('aria-selected', String(i === index)));
    active = index;
    if (index >= 0) {
      input.setAttribute('aria-activedescendant', options[index].el.id);
      options[index].el.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };

  const go = (href) => {
    close();
    input.value = '';
    input.blur();
    navigate(href);
  };

  const option = (href, name, ...content) => {
    const el = h('li', { class: 'search-option', role: 'option', id: uid('opt'), 'aria-selected': 'false' }, ...content);
    // mousedown would blur the input (and close the list) before click.
    el.addEventListener('mousedown', (event) => event.preventDefault());
    el.addEventListener('click', () => go(href));
    return { el, href, name };
  };

  // Enter without a chosen option opens the suggestion that matches what
  // was typed exactly, else the first one; only a `#tag` nobody suggested
  // opens that tag's page as typed.
  async function choose() {
    const typed = input.value.trim();
    if (!typed) return;
    if (typed !== searchedFor) {
      clearTimeout(timer);
      searching = run(typed);
    }
    await searching;
    if (input.value.trim() !== typed) return;
    const wanted = typed.replace(/^[@#]/, '').toLowerCase();
    const exact = options.find((o) => o.name === wanted);
    if (exact) go(exact.href);
    else if (options.length > 0) go(options[0].href);
    else if (typed.startsWith('#') && typed.length > 1) go(`/tags/${encodeURIComponent(wanted)}`);
  }

  async function run(query) {
    searchedFor = query.trim();
    controller?.abort();
    controller = new AbortController();
    const q = query.replace(/^#/, '').trim();
    if (!q) {
      options = [];
      replace(list);
      close();
      return;
    }
    try {
      const result = await api.get('/api/search', { query: { q }, signal: controller.signal });
      const users = result.users.map((u) =>
        option(
          `/u/${encodeURIComponent(u.username)}`,
          u.username,
          avatar(u, 's'),
          h('span', { class: 'search-names' }, h('strong', {}, u.username), h('span', {}, u.display_name)),
        ),
      );
      const tags = result.hashtags.map((t) =>
        option(
          `/tags/${encodeURIComponent(t.tag)}`,
          t.tag,
          h('span', { class: 'search-tag-icon', 'aria-hidden': 'true' }, icon('hash')),
          h('span', { class: 'search-names' }, h('strong', {}, `#${t.tag}`), h('span', {}, plural(t.post_count, 'post'))),
        ),
      );
      // A leading # means a hashtag is wanted: list those first.
      options = query.startsWith('#') ? [...tags, ...users] : [...users, ...tags];
      replace(list, options.map((o) => o.el));
      if (options.length === 0) list.append(h('li', { class: 'search-empty', role: 'presentation' }, `No results for “${q}”`));
      status.textContent = options.length === 0 ? 'No results' : `${plural(options.length, 'result')}. Use the arrow keys to choose.`;
      active = -1;
      if (document.activeElement === input) open();
    } catch (err) {
      if (err.name !== 'AbortError') {
        options = [];
        replace(list, h('li', { class: 'search-empty', role: 'presentation' }, err.message));
        open();
      }
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      searching = run(input.value);
    }, DEBOUNCE_MS);
  });
  input.addEventListener('focus', () => {
    if (input.value.trim()) open();
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (options.length === 0) return;
      event.preventDefault();
      open();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((active + step + options.length) % options.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (active >= 0) go(options[active].href);
      else choose();
    } else if (event.key === 'Escape') {
      if (!list.hidden) {
        event.preventDefault();
        close();
      } else {
        input.value = '';
      }
    }
  });
  return root;
}
