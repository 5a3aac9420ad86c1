// sse-client.js: the browser client of sse-gateway, served by the gateway at /sse-client.js. An ES module
// with no build step and no dependency. It keeps a stream open for hours the way the Java client does:
// its own jittered exponential backoff (EventSource's fixed auto-retry is never used), stall detection
// from the heartbeat interval the gateway announces, and resume with `lastEventId` on every reopen.
//
//   import { connect } from '/sse-client.js';
//   const stream = connect({ topics: ['demo'], onEvent: e => console.log(e.type, e.id, e.data) });
//   ...
//   stream.close();
//
// With JWTs (`auth.subscribe_required`): give an async `getToken`, asked before every open and at once when the
// gateway ends a stream with `expired`; the token goes in the `access_token` parameter, or, with
// `tokenIn: 'cookie'`, `getToken` refreshes the `sse_token` cookie itself (e.g. by calling your login backend).
//
//   connect({ topics: ['orders'], getToken: async () => (await fetch('/my-token')).text(), onEvent });

import { Backoff, DEFAULT_BASE_DELAY_MS, DEFAULT_JITTER, DEFAULT_MAX_DELAY_MS } from './sse-backoff.js';

export { Backoff } from './sse-backoff.js';

/** A stream counts as stalled after this many heartbeat intervals without any event. */
export const DEFAULT_STALL_FACTOR = 2.5;
/** Heartbeat interval assumed until the gateway's `hello` says otherwise. */
export const DEFAULT_INITIAL_HEARTBEAT_MS = 10_000;
/** Event types the gateway itself sends, always listened to. */
export const CONTROL_TYPES = Object.freeze(['hello', 'heartbeat']);
export const NOTICE_TYPES = Object.freeze(['reset', 'dropped']);
/** The gateway ended the stream because its token expired: reopen at once with a fresh token (not a failure). */
export const EXPIRED_TYPE = 'expired';
/**
 * The gateway's answer to a stream it refuses for a reason that retrying fixes (too many streams, shutting down),
 * sent as a 200 stream so that a native EventSource comes back: `{"error","message","retry_ms"}`, then the end.
 */
export const REFUSED_TYPE = 'refused';
/** Answers to a stream request that retrying cannot fix: the client stops in state `failed`. */
export const FATAL_STATUSES = Object.freeze([400, 401, 403, 404, 405, 413, 415]);

/** States reported to `onState`; `closed` and `failed` are terminal. */
export const State = Object.freeze({
  CONNECTING: 'connecting',
  OPEN: 'open',
  RECONNECTING: 'reconnecting',
  FAILED: 'failed',
  CLOSED: 'closed',
});

/**
 * Opens a stream of `topics` and keeps it open until `close()`.
 *
 * @param {object} options
 * @param {string} [options.url='/events'] the gateway's events endpoint, absolute or relative to the page
 * @param {string[]} options.topics topics to receive (at least one)
 * @param {string[]} [options.types=[]] event types to receive besides `message`, `reset` and `dropped`
 *   (EventSource delivers a named event only to a listener registered for that name)
 * @param {(event: {type: string, id: string, data: string, json: () => any}) => void} [options.onEvent]
 * @param {(state: string, info: object) => void} [options.onState] info: {attempt, delayMs, reason,
 *   reconnects, heartbeatMs, lastEventId, node}
 * @param {boolean} [options.controlEvents=false] also deliver `hello` and `heartbeat` to `onEvent`
 * @param {string} [options.lastEventId] position to resume from on the first open
 * @param {number} [options.baseDelayMs=500] first reconnect delay (a `retry_ms` in `hello` replaces it)
 * @param {number} [options.maxDelayMs=30000] cap of the reconnect delay
 * @param {number} [options.jitter=0.25] relative jitter of each delay
 * @param {() => number} [options.random=Math.random] uniform source in [0, 1), for tests
 * @param {number} [options.stallFactor=2.5] stalled after stallFactor x heartbeat_ms without an event; 0 = never
 * @param {number} [options.initialHeartbeatMs=10000] heartbeat assumed before `hello`
 * @param {boolean} [options.withCredentials=false] send cookies cross-origin (EventSource option)
 * @param {typeof fetch} [options.fetch=globalThis.fetch] used once to read the JSON error of a refused stream
 * @param {() => Promise<string|undefined>} [options.getToken] asked before every open (and at once after
 *   `expired`); its JWT is sent as `access_token`. A rejection, an empty token (with `tokenIn: 'query'`) or no answer
 *   within the stall timeout is a failed attempt (backoff). A 401/403 still ends in `failed`.
 * @param {'query'|'cookie'} [options.tokenIn='query'] `cookie`: `getToken` refreshes the `sse_token` cookie itself;
 *   its result is not used
 * @returns {{close: () => void, readonly state: string, readonly lastEventId: string|null,
 *   readonly heartbeatMs: number, readonly reconnects: number, readonly attempt: number, readonly url: string}}
 */
export function connect(options = {}) {
  const {
    url = '/events',
    topics = [],
    types = [],
    onEvent = () => {},
    onState = () => {},
    controlEvents = false,
    lastEventId = null,
    baseDelayMs = DEFAULT_BASE_DELAY_MS,
    maxDelayMs = DEFAULT_MAX_DELAY_MS,
    jitter = DEFAULT_JITTER,
    random = Math.random,
    stallFactor = DEFAULT_STALL_FACTOR,
    initialHeartbeatMs = DEFAULT_INITIAL_HEARTBEAT_MS,
    withCredentials = false,
    getToken = null,
    tokenIn = 'query',
    fetch: fetchImpl = globalThis.fetch ? globalThis.fetch.bind(globalThis) : undefined,
    // Seams for tests outside a browser.
    EventSource: EventSourceImpl = globalThis.EventSource,
    setTimeout: setTimer = globalThis.setTimeout.bind(globalThis),
    clearTimeout: clearTimer = globalThis.clearTimeout.bind(globalThis),
    now = () => Date.now(),
    baseUrl = globalThis.location ? globalThis.location.href : undefined,
  } = options;
  const topicList = [...new Set([].concat(topics))];
  if (topicList.length === 0) {
    throw new TypeError('connect() needs at least one topic');
  }
  if (getToken !== null && typeof getToken !== 'function') {
    throw new TypeError('getToken must be a function returning a Promise of the token');
  }
  if (tokenIn !== 'query' && tokenIn !== 'cookie') {
    throw new TypeError("tokenIn must be 'query' or 'cookie'");
  }
  if (typeof EventSourceImpl !== 'function') {
    throw new TypeError('this environment has no EventSource');
  }
  const listened = [...new Set([...CONTROL_TYPES, REFUSED_TYPE, 'message', ...NOTICE_TYPES, EXPIRED_TYPE,
    ...[].concat(types)])];
  const backoff = new Backoff({ baseDelayMs, maxDelayMs, jitter, random });

  let source = null;
  let state = null;
  let lastId = lastEventId || null;
  let heartbeatMs = initialHeartbeatMs;
  let reconnects = 0;
  let node = '';
  let currentUrl = '';
  let lastEventAt = 0;
  let stallTimer = null;
  let retryTimer = null;
  /** The JWT of the current attempt (query transport), and the attempt a pending getToken() belongs to. */
  let token = null;
  let attemptSeq = 0;

  function info(extra) {
    return { attempt: backoff.attempt, reconnects, heartbeatMs, lastEventId: lastId, node, url: currentUrl, ...extra };
  }

  function setState(next, extra = {}) {
    state = next;
    try {
      onState(next, info(extra));
    } catch (e) {
      reportLater(e);
    }
  }

  function reportLater(e) {
    // A throwing callback must not break the stream; surface it without swallowing it.
    setTimer(() => { throw e; }, 0);
  }

  function streamUrl() {
    const u = new URL(url, baseUrl);
    u.searchParams.delete('topic');
    u.searchParams.delete('lastEventId');
    u.searchParams.delete('access_token');
    topicList.forEach(t => u.searchParams.append('topic', t));
    if (lastId) {
      u.searchParams.set('lastEventId', lastId);
    }
    if (token) {
      u.searchParams.set('access_token', token);
    }
    return u.toString();
  }

  function open() {
    retryTimer = null;
    if (typeof getToken !== 'function') {
      currentUrl = streamUrl();
      setState(State.CONNECTING);
      openSource();
      return;
    }
    // Ask for a token first; the stall timer bounds the wait (an identity provider that never answers).
    const seq = ++attemptSeq;
    setState(State.CONNECTING);
    lastEventAt = now();
    const pending = { seq };
    source = pending;
    armStall(stallTimeoutMs());
    Promise.resolve().then(() => getToken()).then(t => {
      if (source !== pending || seq !== attemptSeq) {
        return;
      }
      if (tokenIn === 'query' && (typeof t !== 'string' || t.trim() === '')) {
        retryLater('no token: getToken() gave an empty token');
        return;
      }
      token = tokenIn === 'query' ? t.trim() : null;
      source = null;
      currentUrl = streamUrl();
      openSource();
    }, err => {
      if (source === pending && seq === attemptSeq) {
        retryLater(`no token: ${err && err.message ? err.message : err}`);
      }
    });
  }

  function openSource() {
    const es = new EventSourceImpl(currentUrl, { withCredentials });
    source = es;
    lastEventAt = now();
    armStall(stallTimeoutMs()); // also bounds the wait for the response: a silent server is a dead one
    es.addEventListener('open', () => {
      if (es === source) {
        lastEventAt = now();
      }
    });
    es.addEventListener('error', () => {
      if (es === source) {
        // readyState CLOSED: the gateway answered with an error status (EventSource hides which one);
        // CONNECTING: the network failed or the stream ended. Either way, our backoff decides when.
        if (es.readyState === 2) {
          refused(es);
        } else {
          retryLater(state === State.OPEN ? 'the stream ended' : 'could not connect');
        }
      }
    });
    listened.forEach(type => es.addEventListener(type, e => {
      if (es === source) {
        received(e);
      }
    }));
  }

  /**
   * EventSource gave up for good: the gateway answered with an error status, which EventSource hides.
   * Ask once more with fetch to read the JSON error: a request that retrying cannot fix (400, 401, 403,
   * 404, 413, 415) fails the client; anything else (503, a proxy's 502, a network error) is retried.
   */
  function refused(es) {
    drop();
    if (typeof fetchImpl !== 'function') {
      retryLater('the gateway refused the stream');
      return;
    }
    const abort = typeof AbortController === 'function' ? new AbortController() : null;
    source = es; // keeps close() and stall detection meaningful while we ask
    armStall(stallTimeoutMs());
    fetchImpl(currentUrl, { headers: { Accept: 'text/event-stream' }, signal: abort && abort.signal,
      credentials: withCredentials ? 'include' : 'same-origin' })
      .then(async response => {
        if (source !== es) {
          abort && abort.abort();
          return;
        }
        if (response.ok) {
          abort && abort.abort();
          retryLater('the stream was refused, then accepted');
          return;
        }
        const text = await response.text().catch(() => '');
        const body = parse(text);
        const reason = `HTTP ${response.status}` + (body && body.error ? ` ${body.error}: ${body.message}` : '');
        if (source !== es) {
          return;
        }
        if (FATAL_STATUSES.includes(response.status)) {
          drop();
          setState(State.FAILED, { status: response.status, error: body, reason });
        } else {
          retryLater(reason);
        }
      }, err => {
        if (source === es) {
          retryLater(`the gateway refused the stream (${err && err.message ? err.message : err})`);
        }
      });
  }

  function received(e) {
    if (e.type === REFUSED_TYPE) {
      // a failed attempt, not an event: the backoff goes on, waiting at least the gateway's delay
      const body = parse(e.data);
      retryLater(body && body.error ? `refused ${body.error}: ${body.message}` : 'the gateway refused the stream',
        body && Number.isFinite(body.retry_ms) ? body.retry_ms : 0);
      return;
    }
    lastEventAt = now();
    backoff.reset();
    if (e.lastEventId) {
      lastId = e.lastEventId;
    }
    if (e.type === EXPIRED_TYPE) {
      expired(e);
      return;
    }
    const control = CONTROL_TYPES.includes(e.type);
    if (control) {
      const data = parse(e.data);
      if (data && Number.isFinite(data.retry_ms)) {
        backoff.base(data.retry_ms);
      }
      if (data && Number.isFinite(data.heartbeat_ms)) {
        heartbeatInterval(data.heartbeat_ms);
      }
      if (e.type === 'hello') {
        node = data && typeof data.node === 'string' ? data.node : '';
        setState(State.OPEN, { resumed: data ? data.resumed : undefined, replayed: data ? data.replayed : undefined });
      }
    }
    if (state !== State.OPEN) {
      setState(State.OPEN);
    }
    if (!control || controlEvents) {
      const event = { type: e.type, id: e.lastEventId || '', data: e.data, json: () => JSON.parse(e.data) };
      try {
        onEvent(event);
      } catch (err) {
        reportLater(err);
      }
    }
  }

  /**
   * The gateway ended the stream because its token expired: a planned reopen, at once, with a fresh token and the
   * last id; no backoff delay and no failed attempt counted.
   */
  function expired(e) {
    if (controlEvents) {
      try {
        onEvent({ type: e.type, id: e.lastEventId || '', data: e.data, json: () => JSON.parse(e.data) });
      } catch (err) {
        reportLater(err);
      }
    }
    drop();
    reconnects++;
    setState(State.RECONNECTING, { delayMs: 0, reason: 'token expired' });
    retryTimer = setTimer(open, 0);
  }

  function heartbeatInterval(ms) {
    if (ms < 100 || ms > 3_600_000 || ms === heartbeatMs) {
      return;
    }
    const shorter = ms < heartbeatMs;
    heartbeatMs = ms;
    if (shorter && stallTimer !== null) {
      armStall(stallTimeoutMs() - (now() - lastEventAt));
    }
  }

  function stallTimeoutMs() {
    return Math.round(stallFactor * heartbeatMs);
  }

  function armStall(delayMs) {
    if (stallTimer !== null) {
      clearTimer(stallTimer);
      stallTimer = null;
    }
    if (stallFactor > 0) {
      stallTimer = setTimer(checkStall, Math.max(1, delayMs));
    }
  }

  /** Fires at the earliest moment the stream could be stalled; re-arms itself for the remaining time. */
  function checkStall() {
    stallTimer = null;
    if (!source) {
      return;
    }
    const idleMs = now() - lastEventAt;
    const timeout = stallTimeoutMs();
    if (idleMs >= timeout) {
      retryLater(`stalled: no event for ${idleMs} ms (${stallFactor} x heartbeat ${heartbeatMs} ms)`);
    } else {
      armStall(timeout - idleMs);
    }
  }

  function retryLater(reason, minDelayMs = 0) {
    drop();
    const delayMs = Math.max(minDelayMs, backoff.nextDelayMs());
    reconnects++;
    setState(State.RECONNECTING, { delayMs, reason });
    retryTimer = setTimer(open, delayMs);
  }

  /** Closes the current EventSource (so that its own auto-retry never runs) and cancels the stall timer. */
  function drop() {
    if (source) {
      if (typeof source.close === 'function') {
        source.close();
      }
      source = null;
    }
    if (stallTimer !== null) {
      clearTimer(stallTimer);
      stallTimer = null;
    }
  }

  function close() {
    if (state === State.CLOSED) {
      return;
    }
    drop();
    if (retryTimer !== null) {
      clearTimer(retryTimer);
      retryTimer = null;
    }
    setState(State.CLOSED);
  }

  open();

  return {
    close,
    get state() { return state; },
    get lastEventId() { return lastId; },
    get heartbeatMs() { return heartbeatMs; },
    /** Reopens scheduled by this client since connect() (one per failure or stall). */
    get reconnects() { return reconnects; },
    /** Failed attempts since the last received event. */
    get attempt() { return backoff.attempt; },
    get url() { return currentUrl; },
  };
}

function parse(text) {
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}
