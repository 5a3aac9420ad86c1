// Unit tests of webroot/sse-client.js with a fake EventSource and a fake clock, run by `node --test`.
// The real-browser behaviour is covered by BrowserClientTest (modules/app) in headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../main/resources/webroot/sse-client.js';

/** A manual clock: timers run only when the test advances time. */
function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { fn, at: now + ms });
      return id;
    },
    clearTimeout: id => timers.delete(id),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
    pending: () => timers.size,
  };
}

/** EventSource stand-in: records every instance; the test drives its events. */
function fakeEventSources() {
  const all = [];
  class FakeEventSource {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.listeners = {};
      all.push(this);
    }
    addEventListener(type, fn) {
      (this.listeners[type] ||= []).push(fn);
    }
    close() {
      this.readyState = 2;
      this.closed = true;
    }
    emit(type, data = '', id) {
      if (id !== undefined) this.lastEventId = id;
      (this.listeners[type] || []).forEach(fn => fn({ type, data, lastEventId: this.lastEventId || '' }));
    }
    open() {
      this.readyState = 1;
      (this.listeners.open || []).forEach(fn => fn({ type: 'open' }));
    }
    fail(readyState = 0) {
      this.readyState = readyState;
      (this.listeners.error || []).forEach(fn => fn({ type: 'error' }));
    }
  }
  return { FakeEventSource, all, last: () => all[all.length - 1] };
}

function setup(extra = {}) {
  const clock = fakeClock();
  const es = fakeEventSources();
  const events = [];
  const states = [];
  const stream = connect({
    url: 'http://gw.test/events', topics: ['a', 'b'], random: () => 0.5,
    onEvent: e => events.push(e), onState: (s, info) => states.push({ s, ...info }),
    EventSource: es.FakeEventSource, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, now: clock.now,
    fetch: undefined, ...extra,
  });
  return { clock, es, events, states, stream };
}

const hello = (hb = 1000) => JSON.stringify({ node: 'n1', heartbeat_ms: hb, topics: ['a'], resumed: false, replayed: 0 });

test('opens one EventSource per topic set and delivers app events, not control events', () => {
  const { es, events, states, stream } = setup({ types: ['tick'] });
  assert.equal(es.all.length, 1);
  assert.equal(es.last().url, 'http://gw.test/events?topic=a&topic=b');
  for (const t of ['hello', 'heartbeat', 'message', 'reset', 'dropped', 'tick']) {
    assert.ok(es.last().listeners[t], `listens to ${t}`);
  }
  es.last().open();
  es.last().emit('hello', hello(), 'n1:1');
  es.last().emit('heartbeat', '{"heartbeat_ms":1000}');
  es.last().emit('message', 'x', 'n1:2');
  es.last().emit('tick', '{"tick":1}', 'n1:3');
  assert.deepEqual(events.map(e => [e.type, e.id, e.data]), [['message', 'n1:2', 'x'], ['tick', 'n1:3', '{"tick":1}']]);
  assert.deepEqual(events[1].json(), { tick: 1 });
  assert.deepEqual(states.map(s => s.s), ['connecting', 'open']);
  assert.equal(states[1].node, 'n1');
  assert.equal(stream.lastEventId, 'n1:3');
  assert.equal(stream.heartbeatMs, 1000);
});

test('on error it closes the EventSource and reopens itself with backoff and lastEventId', () => {
  const { clock, es, states, stream } = setup();
  const first = es.last();
  first.emit('hello', hello(), 'n1:5');
  first.fail(0); // EventSource would retry on its own: it must not
  assert.ok(first.closed, 'the failed EventSource is closed');
  assert.equal(stream.state, 'reconnecting');
  assert.equal(states.at(-1).delayMs, 500);
  clock.advance(499);
  assert.equal(es.all.length, 1);
  clock.advance(1);
  assert.equal(es.all.length, 2);
  assert.equal(es.last().url, 'http://gw.test/events?topic=a&topic=b&lastEventId=n1%3A5');
  es.last().fail(0);
  assert.equal(states.at(-1).delayMs, 1000, 'doubles');
  clock.advance(1000);
  es.last().fail(0);
  assert.equal(states.at(-1).delayMs, 2000);
  clock.advance(2000);
  es.last().emit('heartbeat', '{"heartbeat_ms":1000}');
  es.last().fail(0);
  assert.equal(states.at(-1).delayMs, 500, 'a heartbeat reset the attempt counter');
  assert.equal(stream.reconnects, 4);
});

test('a stream without events for 2.5 x heartbeat_ms is closed and reopened', () => {
  const { clock, es, states } = setup();
  const first = es.last();
  first.open();
  first.emit('hello', hello(2000), 'n1:9');
  clock.advance(4000);
  first.emit('heartbeat', '{"heartbeat_ms":2000}');
  clock.advance(4999);
  assert.equal(es.all.length, 1, 'not yet: 4999 ms of silence < 5000');
  clock.advance(1);
  assert.ok(first.closed);
  assert.match(states.at(-1).reason, /^stalled: no event for 5000 ms \(2\.5 x heartbeat 2000 ms\)/);
  clock.advance(500);
  assert.equal(es.all.length, 2);
  assert.ok(es.last().url.endsWith('lastEventId=n1%3A9'));
});

test('a shorter heartbeat interval shortens the running stall timeout', () => {
  const { clock, es } = setup();
  es.last().emit('hello', hello(10_000), '-');
  clock.advance(1000);
  es.last().emit('heartbeat', '{"heartbeat_ms":1000}');
  clock.advance(2500);
  assert.ok(es.all[0].closed, 'stalled after 2.5 x the new 1000 ms');
});

test('before hello the stall timeout is 2.5 x the initial heartbeat and bounds the connect', () => {
  const { clock, es } = setup({ initialHeartbeatMs: 4000 });
  clock.advance(9999);
  assert.equal(es.all[0].closed, undefined);
  clock.advance(1);
  assert.ok(es.all[0].closed);
});

test('a retry_ms in hello replaces the backoff base', () => {
  const { es, states } = setup();
  es.last().emit('hello', JSON.stringify({ node: 'n', heartbeat_ms: 1000, retry_ms: 3000 }), '-');
  es.last().fail(0);
  assert.equal(states.at(-1).delayMs, 3000);
});

test('a refused stream fails with the JSON error when retrying cannot help, and retries a 503', async () => {
  const answer = status => async () => ({ ok: false, status,
    text: async () => JSON.stringify({ error: 'some_error', message: 'because' }) });
  const refused = setup({ fetch: answer(400) });
  refused.es.last().fail(2);
  await new Promise(r => setImmediate(r));
  assert.equal(refused.stream.state, 'failed');
  assert.equal(refused.states.at(-1).reason, 'HTTP 400 some_error: because');
  assert.equal(refused.clock.pending(), 0, 'nothing scheduled');

  const busy = setup({ fetch: answer(503) });
  busy.es.last().fail(2);
  await new Promise(r => setImmediate(r));
  assert.equal(busy.stream.state, 'reconnecting');
  assert.equal(busy.states.at(-1).reason, 'HTTP 503 some_error: because');
});

test('a refused event is a failed attempt: its reason is reported, the backoff goes on, retry_ms is waited', () => {
  const { clock, es, events, states, stream } = setup();
  es.last().emit('hello', hello(), 'n1:5');
  es.last().fail(0);
  clock.advance(500);
  const second = es.last();
  second.open();
  second.emit('refused', JSON.stringify({ error: 'too_many_streams', message: 'full', retry_ms: 1700 }));
  assert.ok(second.closed, 'the EventSource does not come back on its own');
  assert.equal(stream.state, 'reconnecting');
  assert.equal(states.at(-1).reason, 'refused too_many_streams: full');
  assert.equal(states.at(-1).delayMs, 1700, 'the gateway delay, above the backoff delay of 1000');
  assert.equal(stream.attempt, 2, 'the refusal did not reset the attempt counter');
  assert.equal(events.length, 0, 'not delivered as an event');
  assert.ok(!states.some(s => s.s === 'open' && s.attempt === 2), 'never reported open');
  clock.advance(1700);
  assert.equal(es.all.length, 3);
  assert.equal(es.last().url, 'http://gw.test/events?topic=a&topic=b&lastEventId=n1%3A5');
  es.last().emit('refused', JSON.stringify({ error: 'shutting_down', message: 'bye', retry_ms: 10 }));
  assert.equal(states.at(-1).delayMs, 2000, 'a short gateway delay does not shorten the backoff');
});

test('close() stops everything: no reopen, no timers, terminal state', () => {
  const { clock, es, states, stream } = setup();
  es.last().fail(0);
  stream.close();
  assert.equal(stream.state, 'closed');
  assert.equal(clock.pending(), 0);
  clock.advance(60_000);
  assert.equal(es.all.length, 1);
  stream.close();
  assert.equal(states.filter(s => s.s === 'closed').length, 1);
});

test('events from a replaced EventSource are ignored', () => {
  const { clock, es, events } = setup();
  const old = es.last();
  old.fail(0);
  clock.advance(500);
  old.emit('message', 'late', 'n1:1');
  assert.deepEqual(events, []);
});

test('at least one topic is required', () => {
  assert.throws(() => setup({ topics: [] }), TypeError);
});

const flush = () => new Promise(r => setImmediate(r));

test('getToken is asked before each open; expired reopens at once with a fresh token and the last id', async () => {
  let asked = 0;
  const { clock, es, states, stream } = setup({ getToken: async () => `tok${++asked}` });
  assert.equal(es.all.length, 0, 'no EventSource before the token');
  await flush();
  assert.equal(asked, 1);
  assert.equal(es.last().url, 'http://gw.test/events?topic=a&topic=b&access_token=tok1');
  es.last().open();
  es.last().emit('hello', hello(), 'n1:1');
  es.last().emit('message', 'x', 'n1:2');
  const first = es.last();
  first.emit('expired', '{"reason":"token_expired","exp":1767225600}');
  assert.ok(first.closed, 'the expired EventSource is closed');
  assert.equal(stream.state, 'reconnecting');
  assert.equal(states.at(-1).delayMs, 0);
  assert.equal(states.at(-1).reason, 'token expired');
  clock.advance(0);
  await flush();
  assert.equal(asked, 2, 'a fresh token');
  assert.equal(es.last().url, 'http://gw.test/events?topic=a&topic=b&lastEventId=n1%3A2&access_token=tok2');
  assert.equal(stream.attempt, 0, 'not a failed attempt');
  // the old EventSource's late error is ignored
  first.fail(0);
  assert.equal(es.all.length, 2);
});

test('events at 100/s arrive exactly once, in order, across three refreshes of a 3-second token', async () => {
  let tokens = 0;
  const got = [];
  const { clock, es, states, stream } = setup({ getToken: async () => `tok${++tokens}`, onEvent: e => got.push(e.data) });
  // A fake gateway: every 10 ms one event; a stream gets the events after its lastEventId, then live ones, and
  // ends with `expired` 3 s after it opened.
  const published = [];
  let live = null;
  for (let t = 0; t < 10_500; t += 10) {
    await flush();
    const last = es.last();
    if (last && (!live || live.es !== last) && !last.closed) {
      const u = new URL(last.url);
      assert.equal(u.searchParams.get('access_token'), `tok${tokens}`);
      const after = Number((u.searchParams.get('lastEventId') || 'o:0').split(':')[1]);
      last.open();
      last.emit('hello', hello());
      published.filter(n => n > after).forEach(n => last.emit('message', String(n), `o:${n}`));
      live = { es: last, until: clock.now() + 3000 };
    }
    const n = published.length + 1;
    published.push(n);
    if (live && !live.es.closed) {
      live.es.emit('message', String(n), `o:${n}`);
      if (clock.now() >= live.until) {
        live.es.emit('expired', '{"reason":"token_expired"}');
      }
    }
    clock.advance(10);
  }
  await flush();
  assert.equal(tokens, 4, 'the first token and three refreshes');
  assert.deepEqual(got, published.map(String), 'every event exactly once, in order');
  const reconnecting = states.filter(s => s.s === 'reconnecting');
  assert.equal(reconnecting.length, 3);
  assert.ok(reconnecting.every(s => s.delayMs === 0), 'no backoff for a planned reopen');
  assert.ok(!states.some(s => s.s === 'failed'));
  assert.equal(stream.state, 'open');
});

test('with getToken a refused token (401) still ends in failed after one attempt', async () => {
  let asked = 0;
  const answer = { ok: false, status: 401, text: async () => '{"error":"invalid_token","message":"the JWT has expired (exp)"}' };
  const { clock, es, stream } = setup({ getToken: async () => `tok${++asked}`, fetch: async () => answer });
  await flush();
  es.last().fail(2);
  await flush();
  assert.equal(stream.state, 'failed');
  clock.advance(60_000);
  await flush();
  assert.equal(asked, 1);
  assert.equal(es.all.length, 1);
});

test('a getToken that rejects or gives nothing is a failed attempt with backoff', async () => {
  let asked = 0;
  const { clock, es, states, stream } = setup({
    getToken: async () => {
      asked++;
      if (asked === 1) throw new Error('identity provider down');
      return asked === 2 ? '' : 'tok';
    },
  });
  await flush();
  assert.equal(stream.state, 'reconnecting');
  assert.match(states.at(-1).reason, /identity provider down/);
  assert.equal(states.at(-1).delayMs, 500);
  clock.advance(500);
  await flush();
  assert.equal(states.at(-1).delayMs, 1000, 'an empty token counts as a failure too');
  clock.advance(1000);
  await flush();
  assert.equal(es.all.length, 1);
  assert.ok(es.last().url.endsWith('access_token=tok'));
});
