// The post card: author, photos, likes, caption, newest comments and a quick
// comment box. Used by the feed, hashtag pages and the post page.

import * as api from '../api.js';
import { h, replace, uid } from '../dom.js';
import { plural } from '../format.js';
import { icon } from '../icons.js';
import { postChanged, postDeleted, watchPost } from '../posts.js';
import { renderRich } from '../richtext.js';
import { navigate } from '../router.js';
import { avatar } from './avatar.js';
import { carousel } from './carousel.js';
import { actionSheet, confirmAction } from './dialog.js';
import { requireUser } from './gate.js';
import { reportDialog } from './report.js';
import { ago } from './time.js';
import { toast, toastError } from './toast.js';

const PREVIEW_COMMENTS = 2;

/** A link to a profile showing the username. */
export function userLink(user, className = 'username') {
  return h('a', { class: className, href: `/u/${encodeURIComponent(user.username)}` }, user.username);
}

/** One comment line: author, text with links, time, and delete when allowed. */
export function commentLine(comment, { postAuthorId, onDeleted, long = false }) {
  const me = api.currentUser();
  const canDelete = me && (me.id === comment.author.id || me.id === postAuthorId);
  const body = h('span', { class: 'comment-body' });
  renderRich(body, comment.body);
  const item = h(
    'li',
    { class: 'comment', dataset: { commentId: String(comment.id) } },
    long ? h('a', { class: 'comment-avatar', href: `/u/${encodeURIComponent(comment.author.username)}`, tabindex: '-1', 'aria-hidden': 'true' }, avatar(comment.author, 'xs')) : null,
    h(
      'div',
      { class: 'comment-main' },
      h('p', { class: 'comment-text' }, userLink(comment.author), ' ', body),
      h(
        'div',
        { class: 'comment-meta' },
        ago(comment.created_at),
        canDelete
          ? h(
              'button',
              {
                class: 'link-btn comment-delete',
                type: 'button',
                'aria-label': `Delete comment by ${comment.author.username}`,
                onclick: async (event) => {
                  const button = event.currentTarget;
                  button.disabled = true;
                  try {
                    await api.del(`/api/comments/${comment.id}`);
                    item.remove();
                    onDeleted?.(comment);
                    toast('Comment deleted');
                  } catch (err) {
                    button.disabled = false;
                    toastError(err, 'Could not delete the comment.');
                  }
                },
              },
              'Delete',
            )
          : null,
      ),
    ),
  );
  return item;
}

/**
 * A post card. Options: `signal` (the page's lifetime), `eager` (load the
 * first photo at once), `detail` (the post page: no comment preview, full
 * caption), and for the post page `comments`, a node listing them all, and
 * `onComment(comment)`, called with each comment added here.
 */
export function postCard(initial, { signal, eager = false, detail = false, onComment = null, comments = null } = {}) {
  let post = initial;
  let confirmed = { liked: post.liked_by_me, count: post.like_count };
  let shown = { ...confirmed };
  let likeSeq = 0;
  const headingId = uid('post-author');

  const likeIcon = h('span', { class: 'like-icon' });
  const likeButton = h('button', { class: 'icon-btn like-btn', type: 'button', 'aria-label': 'Like', onclick: () => setLike(!shown.liked) }, likeIcon);
  const likesLine = h('p', { class: 'post-likes' });
  const commentsLink = h('a', { class: 'post-more-comments', href: `/p/${post.id}` });
  const previewList = h('ul', { class: 'comment-list comment-preview', 'aria-label': 'Newest comments' });

  function paintLikes() {
    replace(likeIcon, icon('heart', { filled: shown.liked }));
    likeButton.classList.toggle('is-liked', shown.liked);
    likeButton.setAttribute('aria-pressed', String(shown.liked));

    likesLine.textContent = shown.count === 0 ? 'Be the first to like this' : plural(shown.count, 'like');
  }

  function paintCommentCount() {
    const count = post.comment_count;
    commentsLink.hidden = detail || count <= previewList.children.length;
    commentsLink.textContent = count === 1 ? 'View 1 comment' : `View all ${count.toLocaleString('en-US')} comments`;
  }

  async function setLike(liked) {
    if (!requireUser()) return;
    if (shown.liked === liked) return;
    likeSeq += 1;
    const seq = likeSeq;
    shown = { liked, count: Math.max(0, shown.count + (liked ? 1 : -1)) };
    paintLikes();
    try {
      const updated = await (liked ? api.put : api.del)(`/api/posts/${post.id}/like`);
      confirmed = { liked: updated.liked_by_me, count: updated.like_count };
      if (seq === likeSeq) {
        post = updated;
        shown = { ...confirmed };
        paintLikes();
        postChanged(updated);
      }
    } catch (err) {
      if (seq === likeSeq) {
        // Roll back to what the server last confirmed.
        shown = { ...confirmed };
        paintLikes();
        toastError(err, liked ? 'Could not like the post.' : 'Could not remove the like.');
      }
    }
  }

  const burst = h('span', { class: 'like-burst', 'aria-hidden': 'true' }, icon('heart', { filled: true }));
  burst.addEventListener('animationend', () => burst.classList.remove('is-bursting'));
  function likeByGesture() {
    if (!api.currentUser()) return;
    burst.classList.remove('is-bursting');
    // Restart the animation on a second double-tap.
    void burst.offsetWidth;
    burst.classList.add('is-bursting');
    setLike(true);
  }

  const media = carousel(post.media, {
    eager,
    label: `Photos by ${post.author.username}`,
    author: post.author.display_name || post.author.username,
  });
  const mediaBox = h('div', { class: 'post-media' }, media, burst);
  mediaBox.addEventListener('dblclick', (event) => {
    if (event.target.closest('button')) return;
    event.preventDefault();
    likeByGesture();
  });
  // Some touch browsers send no dblclick: count taps ourselves.
  let lastTap = null;
  mediaBox.addEventListener('pointerup', (event) => {
    if (event.pointerType !== 'touch' || event.target.closest('button')) return;
    const now = { t: event.timeStamp, x: event.clientX, y: event.clientY };
    if (lastTap && now.t - lastTap.t < 320 && Math.hypot(now.x - lastTap.x, now.y - lastTap.y) < 40) {
      lastTap = null;
      likeByGesture();
    } else {
      lastTap = now;
    }
  });

  const caption = post.caption
    ? h('p', { class: ['post-caption', !detail && 'is-clamped'] }, userLink(post.author), ' ', renderRich(h('span', {}), post.caption))
    : null;
  if (caption && !detail) {
    // Long captions fold to three lines with a "more" button.
    requestAnimationFrame(() => {
      if (caption.scrollHeight > caption.clientHeight + 2) {
        const more = h('button', { class: 'link-btn caption-more', type: 'button' }, 'more');
        more.addEventListener('click', () => {
          caption.classList.remove('is-clamped');
          more.remove();
        });
        caption.after(more);
      }
    });
  }

  const onDeleted = () => {
    post = { ...post, comment_count: Math.max(0, post.comment_count - 1) };
    paintCommentCount();
  };
  const commentInputId = uid('comment');
  const commentInput = h('textarea', {
    id: commentInputId,
    class: 'comment-input',
    rows: 1,
    maxLength: 2200,
    placeholder: 'Add a comment…',
    autocomplete: 'off',
  });
  const sendButton = h('button', { class: 'link-btn comment-send', type: 'submit', disabled: true }, 'Post');
  commentInput.addEventListener('input', () => {
    sendButton.disabled = commentInput.value.trim() === '';
    commentInput.classList.toggle('is-tall', commentInput.value.includes('\n') || commentInput.value.length > 40);
  });
  commentInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      commentForm.requestSubmit();
    }
  });
  const commentForm = h(
    'form',
    {
      class: 'comment-form',
      onsubmit: async (event) => {
        event.preventDefault();
        if (!requireUser()) return;
        const body = commentInput.value.trim();
        if (!body) return;
        sendButton.disabled = true;
        commentInput.disabled = true;
        try {
          const comment = await api.post(`/api/posts/${post.id}/comments`, { body });
          commentInput.value = '';
          commentInput.classList.remove('is-tall');
          post = { ...post, comment_count: post.comment_count + 1 };
          if (onComment) onComment(comment);
          else previewList.append(commentLine(comment, { postAuthorId: post.author.id, onDeleted }));
          paintCommentCount();
          postChanged(post);
        } catch (err) {
          toastError(err, 'Could not post the comment.');
        } finally {
          commentInput.disabled = false;
          sendButton.disabled = commentInput.value.trim() === '';
          commentInput.focus();
        }
      },
    },
    h('label', { class: 'visually-hidden', for: commentInputId }, `Add a comment to ${post.author.username}'s post`),
    commentInput,
    sendButton,
  );

  const me = api.currentUser();
  const isMine = me?.id === post.author.id;
  const optionsButton = h(
    'button',
    {
      class: 'icon-btn post-options',
      type: 'button',
      'aria-label': 'Post options',
      'aria-haspopup': 'dialog',
      onclick: () => showOptions(),
    },
    icon('more'),
  );

  async function showOptions() {
    const actions = [];
    if (isMine) actions.push({ label: 'Delete post', danger: true, run: deletePost });
    if (!detail) actions.push({ label: 'Go to post', run: () => navigate(`/p/${post.id}`) });
    if (!isMine && api.currentUser()) actions.push({ label: 'Report', danger: true, run: () => reportDialog({ kind: 'post', id: post.id }, 'post') });
    actions.push({
      label: 'Copy link',
      run: async () => {
        try {
          await navigator.clipboard.writeText(new URL(`/p/${post.id}`, location.href).href);
          toast('Link copied');
        } catch {
          toast('Could not copy the link', 'error');
        }
      },
    });
    await actionSheet('Post options', actions);
  }

  async function deletePost() {
    const sure = await confirmAction({
      title: 'Delete post?',
      message: 'The photos, likes and comments of this post will be gone for good.',
      confirmLabel: 'Delete',
    });
    if (!sure) return;
    try {
      await api.del(`/api/posts/${post.id}`);
      toast('Post deleted');
      postDeleted(post.id);
    } catch (err) {
      toastError(err, 'Could not delete the post.');
    }
  }

  const card = h(
    'article',
    { class: ['post', detail && 'post-detail'], 'aria-labelledby': headingId, dataset: { postId: String(post.id) } },
    h(
      'header',
      { class: 'post-head' },
      h('a', { href: `/u/${encodeURIComponent(post.author.username)}`, class: 'post-avatar', tabindex: '-1', 'aria-hidden': 'true' }, avatar(post.author, 's')),
      h(
        'div',
        { class: 'post-byline' },
        h('h2', { class: 'post-author', id: headingId }, userLink(post.author)),
        h('span', { class: 'dot', 'aria-hidden': 'true' }, '•'),
        h('a', { class: 'post-time', href: `/p/${post.id}` }, ago(post.created_at)),
      ),
      optionsButton,
    ),
    mediaBox,
    h(
      'div',
      { class: 'post-body' },
      h(
        'div',
        { class: 'post-actions' },
        likeButton,
        detail
          ? h('button', { class: 'icon-btn', type: 'button', 'aria-label': 'Comment', onclick: () => commentInput.focus() }, icon('comment'))
          : h('a', { class: 'icon-btn', href: `/p/${post.id}`, 'aria-label': 'Comment' }, icon('comment')),
      ),
      likesLine,
      caption,
      detail ? null : commentsLink,
      detail ? null : previewList,
      comments,
      me
        ? commentForm
        : h(
            'p',
            { class: 'post-signin' },
            h('a', { href: `/login?next=${encodeURIComponent(`/p/${post.id}`)}` }, 'Sign in'),
            ' to like and comment.',
          ),
    ),
  );

  watchPost(
    post.id,
    {
      changed(updated) {
        post = { ...post, ...updated };
        if (likeSeq === 0 || shown.liked === confirmed.liked) {
          confirmed = { liked: updated.liked_by_me, count: updated.like_count };
          shown = { ...confirmed };
          paintLikes();
        }
        paintCommentCount();
      },
      deleted() {
        card.remove();
        if (detail) navigate('/', { replace: true });
      },
    },
    signal,
  );

  // The post carries its newest comments: a card needs no request of its own.
  if (!detail) {
    for (const c of (post.recent_comments ?? []).slice(-PREVIEW_COMMENTS)) {
      previewList.append(commentLine(c, { postAuthorId: post.author.id, onDeleted }));
    }
  }

  paintLikes();
  paintCommentCount();
  return card;
}
