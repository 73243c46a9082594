// Captions and comments: #hashtags and @mentions become links, everything
// else stays plain text. Tokenising is pure (unit-tested in Node); rendering
// builds text nodes and anchors only, never HTML.

// A tag or mention starts at the beginning or after something that is not a
// word character, so "me@mail.com" and "a#b" are left alone.
const PATTERN = /(^|[^\p{L}\p{N}_])([#@])([\p{L}\p{N}_]+(?:\.[\p{L}\p{N}_]+)*)/gu;
const USERNAME = /^[a-z0-9_.]{3,30}$/;

/**
 * Splits text into `{type: 'text', text}`, `{type: 'tag', text, tag}` and
 * `{type: 'mention', text, username}` tokens. Mentions are only usernames
 * that could exist (3–30 of a-z, 0-9, `_`, `.`); tags are lower-cased.
 */
export function tokenize(text) {
  const tokens = [];
  let last = 0;
  for (const match of text.matchAll(PATTERN)) {
    const [, lead, sigil, word] = match;
    const start = match.index + lead.length;
    let token = null;
    if (sigil === '#') {
      const tag = word.split('.')[0];
      token = { type: 'tag', text: `#${tag}`, tag: tag.toLowerCase() };
    } else if (USERNAME.test(word.toLowerCase())) {
      token = { type: 'mention', text: `@${word}`, username: word.toLowerCase() };
    }
    if (!token) continue;
    if (start > last) tokens.push({ type: 'text', text: text.slice(last, start) });
    tokens.push(token);
    last = start + token.text.length;
  }
  if (last < text.length) tokens.push({ type: 'text', text: text.slice(last) });
  return mergeText(tokens);
}

function mergeText(tokens) {
  const out = [];
  for (const token of tokens) {
    const prev = out[out.length - 1];
    if (token.type === 'text' && prev?.type === 'text') prev.text += token.text;
    else out.push(token);
  }
  return out;
}

/** Text with links, as DOM nodes appended to `parent`. */
export function renderRich(parent, text) {
  for (const token of tokenize(text ?? '')) {
    if (token.type === 'text') {
      parent.append(document.createTextNode(token.text));
    } else {
      const a = document.createElement('a');
      a.className = token.type === 'tag' ? 'tag-link' : 'mention-link';
      a.href = token.type === 'tag'
        ? `/tags/${encodeURIComponent(token.tag)}`
        : `/u/${encodeURIComponent(token.username)}`;
      a.textContent = token.text;
      parent.append(a);
    }
  }
  return parent;
}
