// One post with all its comments (paged, oldest first), adding and deleting
// comments, and deleting the post for its author.

import * as api from '../api.js';
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { canGoBack, navigate } from '../router.js';
import { commentLine, postCard } from '../ui/post.js';
import { errorBlock, loadingBlock, page, pageTitle } from '../ui/page.js';
import { toastError } from '../ui/toast.js';

const COMMENTS_PAGE = 20;

export function postView({ id }, ctx) {
  const { signal } = ctx;
  const title = pageTitle('Post', { hidden: true });
  const body = h('div', { class: 'post-page-body' }, loadingBlock('Loading post'));
  const back = h(
    'button',
    {
      class: 'icon-btn',
      type: 'button',
      'aria-label': 'Back',
      onclick: () => (canGoBack() ? history.back() : navigate('/')),
    },
    icon('back'),
  );
  const head = h('div', { class: 'page-head post-page-head' }, back, h('span', { class: 'post-page-label', 'aria-hidden': 'true' }, 'Post'));
  const root = page('post', title, head, body);

  async function load() {
    replace(body, loadingBlock('Loading post'));
    if (!/^\d+$/.test(id)) {
      replace(body, errorBlock({ status: 404 }));
      return;
    }
    try {
      const post = await api.get(`/api/posts/${id}`, { signal });
      const who = post.author.display_name || post.author.username;
      ctx.setTitle(post.caption ? `${who}: “${post.caption.slice(0, 40)}”` : `Post by ${who}`);
      title.textContent = `Post by ${post.author.username}`;
      replace(body, detailCard(post, signal));
    } catch (err) {
      if (err.name !== 'AbortError') replace(body, errorBlock(err, err.status === 404 ? null : load));
    }
  }
  load();
  return root;
}

function detailCard(post, signal) {
  const ids = new Set();
  const list = h('ul', { class: 'comment-list comment-all', 'aria-label': 'Comments' });
  const more = h('button', { class: 'link-btn comments-more', type: 'button', hidden: true }, 'Load more comments');
  const section = h('section', { class: 'comments', 'aria-label': 'Comments' }, list, more);
  let cursor = null;

  const onDeleted = (comment) => ids.delete(comment.id);
  const add = (comment) => {
    if (ids.has(comment.id)) return;
    ids.add(comment.id);
    list.append(commentLine(comment, { postAuthorId: post.author.id, onDeleted, long: true }));
  };

  async function loadComments() {
    more.disabled = true;
    more.textContent = 'Loading comments…';
    try {
      const result = await api.get(`/api/posts/${post.id}/comments`, { query: { cursor, limit: COMMENTS_PAGE }, signal });
      result.items.forEach(add);
      cursor = result.next_cursor;
      more.hidden = !cursor;
    } catch (err) {
      toastError(err, 'Could not load the comments.');
    } finally {
      more.disabled = false;
      more.textContent = 'Load more comments';
    }
  }
  more.addEventListener('click', loadComments);
  if (post.comment_count > 0) loadComments();

  return postCard(post, { signal, eager: true, detail: true, comments: section, onComment: add });
}
