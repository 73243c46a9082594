// Live events over /api/ws: notifications and new posts from people we follow.
//
// The first message authenticates (a browser cannot set headers on a
// WebSocket) and carries `since`, the newest notification `seq` already seen,
// so the server replays what was missed, then sends live ones in `seq` order:
// no gap and no duplicate across reconnects. The socket lives as long as its
// access token, so every renewed token is sent on it too. Close 4401 means the
// token expired unrenewed (a tab that slept) or the session was signed out:
// refresh, which signs the page out if the session is gone, else reconnect
// once at once. Close 4008 means we fell behind: reconnect at once with
// `since`. Anything else, and a 4401 again before the socket was ever ready:
// reconnect with exponential backoff and jitter.

import { accessToken, onTokenRenewed, refresh } from './api.js';

const PING_EVERY = 25_000;
const PONG_WITHIN = 10_000;
const MAX_BACKOFF = 30_000;

/**
 * A live connection for the signed-in user. `sinceSeq()` gives the newest
 * notification `seq` seen. Emits `notification`, `post`, `resync` (detail:
 * `{ latest_seq }`, where the stream continues) and `status` (detail:
 * 'connecting' | 'live' | 'offline') events.
 */
export class Live extends EventTarget {
  constructor(sinceSeq) {
    super();
    this.sinceSeq = sinceSeq;
    this.socket = null;
    this.attempt = 0;
    this.stopped = true;
    this.retryTimer = 0;
    this.pingTimer = 0;
    this.pongTimer = 0;
    this.renewals = null;
    this.onOnline = () => this.reconnectSoon(0);
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    this.renewals = new AbortController();
    onTokenRenewed((token) => this.renew(token), this.renewals.signal);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    this.renewals?.abort();
    clearTimeout(this.retryTimer);
    this.stopTimers();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'signed out');
  }

  connect() {
    if (this.stopped) return;
    const token = accessToken();
    if (!token) return;
    this.status('connecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/api/ws`);
    this.socket = socket;
    socket.addEventListener('open', () => {
      const auth = { type: 'auth', token: accessToken() ?? token };
      const since = this.sinceSeq();
      if (since != null) auth.since = since;
      socket.send(JSON.stringify(auth));
    });
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', (event) => this.closed(socket, event.code));
  }

  /**
   * Hands a renewed token to the open socket. One still connecting needs
   * nothing: it sends the newest token when it opens.
   */
  renew(token) {
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: 'auth', token }));
    }
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    switch (message.type) {
      case 'ready':
        this.attempt = 0;
        this.status('live');
        this.startPings();
        break;
      case 'notification':
        this.emit('notification', message.notification);
        break;
      case 'post':
        this.emit('post', message.post);
        break;
      case 'resync':
        this.emit('resync', { latest_seq: message.latest_seq });
        break;
      case 'pong':
        clearTimeout(this.pongTimer);
        break;
      default:
        break;
    }
  }

  async closed(socket, code) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.stopTimers();
    if (this.stopped) return;
    this.status('offline');
    if (code === 4401) {
      // A session that is gone signs the page out here, which stops us.
      const signedIn = await refresh();
      if (!signedIn) return;
      // Once at once; refused again before ever being ready, back off below.
      if (this.attempt === 0) {
        this.attempt = 1;
        this.reconnectSoon(0);
        return;
      }
    }
    if (code === 4008) {
      this.reconnectSoon(0);
      return;
    }
    this.attempt += 1;
    const ceiling = Math.min(MAX_BACKOFF, 1000 * 2 ** Math.min(this.attempt - 1, 5));
    this.reconnectSoon(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  reconnectSoon(delay) {
    clearTimeout(this.retryTimer);
    if (this.stopped || this.socket) return;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Pings now and then: a missing pong reveals a link that died silently. */
  startPings() {
    this.stopTimers();
    this.pingTimer = setInterval(() => {
      const socket = this.socket;
      if (socket?.readyState !== WebSocket.OPEN) return;
      socket.send(JSON.stringify({ type: 'ping' }));
      clearTimeout(this.pongTimer);
      // No pong in time: the connection is dead without having said so.
      this.pongTimer = setTimeout(() => socket.close(4000, 'no pong'), PONG_WITHIN);
    }, PING_EVERY);
  }

  stopTimers() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  status(state) {
    this.emit('status', state);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
