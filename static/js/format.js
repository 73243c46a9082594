// Words and numbers as people read them. Pure functions (tested in Node).

/** "1 like", "2 likes", "1,204 likes". */
export function plural(count, one, many = `${one}s`) {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** Compact counts for profile headers: 999, 1,204, 12.5K, 3.1M. */
export function compactCount(count) {
  if (count < 10_000) return count.toLocaleString('en-US');
  if (count < 1_000_000) return `${trimZero(count / 1000)}K`;
  return `${trimZero(count / 1_000_000)}M`;
}

function trimZero(value) {
  return value >= 100 ? String(Math.floor(value)) : (Math.floor(value * 10) / 10).toString();
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/**
 * Short relative time like Instagram's: "now", "5m", "3h", "2d", "4w", then a
 * date ("Mar 4", or "Mar 4, 2023" in another year). `now` is injectable.
 */
export function shortAgo(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return 'now';
  if (seconds < HOUR) return `${Math.max(1, Math.round(seconds / MINUTE))}m`;
  if (seconds < DAY) return `${Math.floor(seconds / HOUR)}h`;
  if (seconds < WEEK) return `${Math.floor(seconds / DAY)}d`;
  if (seconds < 5 * WEEK) return `${Math.floor(seconds / WEEK)}w`;
  return shortDate(then, now);
}

/** Long relative time for screen readers and titles: "5 minutes ago". */
export function longAgo(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return 'just now';
  if (seconds < HOUR) return `${plural(Math.max(1, Math.round(seconds / MINUTE)), 'minute')} ago`;
  if (seconds < DAY) return `${plural(Math.floor(seconds / HOUR), 'hour')} ago`;
  if (seconds < WEEK) return `${plural(Math.floor(seconds / DAY), 'day')} ago`;
  if (seconds < 5 * WEEK) return `${plural(Math.floor(seconds / WEEK), 'week')} ago`;
  return shortDate(then, now);
}

function shortDate(then, now) {
  const date = new Date(then);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
}

/** Characters as the server counts them (Unicode scalar values, not UTF-16 units). */
export function charCount(text) {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** Splits an API error message "field: problem" into its parts, if it names a field. */
export function fieldOfMessage(message, fields) {
  const colon = /^([a-z_]+): (.+)$/s.exec(message ?? '');
  if (colon && fields.includes(colon[1])) return { field: colon[1], text: colon[2] };
  // serde's own wording: "missing field `password`", "invalid type … `username`".
  const quoted = /`([a-z_]+)`/.exec(message ?? '');
  if (quoted && fields.includes(quoted[1])) return { field: quoted[1], text: message };
  return null;
}

/** "3.2 MB", "840 KB". */
export function fileSize(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
