// Unit tests of the browser client's reconnect policy (webroot/sse-backoff.js), run by `node --test`
// from Maven's test phase of modules/gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, DEFAULT_BASE_DELAY_MS, DEFAULT_JITTER, DEFAULT_MAX_DELAY_MS }
  from '../../main/resources/webroot/sse-backoff.js';

const nominal = (base, n) => Math.min(30_000, base * 2 ** n);

/** A random source that replays the given values, then repeats the last one. */
function sequence(...values) {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)];
}

test('defaults are the Java client\'s: 500 ms base, 30 s cap, 25 % jitter', () => {
  assert.equal(DEFAULT_BASE_DELAY_MS, 500);
  assert.equal(DEFAULT_MAX_DELAY_MS, 30_000);
  assert.equal(DEFAULT_JITTER, 0.25);
  const b = new Backoff();
  assert.equal(b.baseDelayMs, 500);
  assert.equal(b.maxDelayMs, 30_000);
  assert.equal(b.attempt, 0);
});

test('attempt n waits within [0.75, 1.25] x min(30000, 500 x 2^n) for any random value', () => {
  for (const r of [0, 0.01, 0.25, 0.5, 0.75, 0.99, 0.999999]) {
    const b = new Backoff({ random: () => r });
    for (let n = 0; n < 12; n++) {
      const d = b.nextDelayMs();
      const low = Math.round(0.75 * nominal(500, n));
      const high = Math.round(1.25 * nominal(500, n));
      assert.ok(d >= low && d <= high, `attempt ${n}, random ${r}: ${d} not in [${low}, ${high}]`);
    }
  }
});

test('the extremes of random hit the bounds exactly and the middle gives the nominal delay', () => {
  const low = new Backoff({ random: () => 0 });
  const mid = new Backoff({ random: () => 0.5 });
  const high = new Backoff({ random: () => 1 });
  for (let n = 0; n < 10; n++) {
    assert.equal(low.nextDelayMs(), Math.round(0.75 * nominal(500, n)), `low bound of attempt ${n}`);
    assert.equal(mid.nextDelayMs(), nominal(500, n), `nominal of attempt ${n}`);
    assert.equal(high.nextDelayMs(), Math.round(1.25 * nominal(500, n)), `high bound of attempt ${n}`);
  }
  // 500 x 2^6 = 32000 is past the cap: from attempt 6 on, the delay stays around 30 s.
  assert.equal(low.nextDelayMs(), 22_500);
  assert.equal(high.nextDelayMs(), 37_500);
});

test('delays double from the base up to the cap', () => {
  const b = new Backoff({ random: () => 0.5 });
  const delays = Array.from({ length: 9 }, () => b.nextDelayMs());
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  assert.equal(b.attempt, 9);
});

test('out-of-range random values are clamped, never stretching the bounds', () => {
  const b = new Backoff({ random: sequence(-3, 7, Number.NaN) });
  assert.equal(b.nextDelayMs(), 375);
  assert.equal(b.nextDelayMs(), 1250);
  assert.equal(b.nextDelayMs(), 1500);
});

test('any received event resets the attempt counter to the base delay', () => {
  const b = new Backoff({ random: () => 0.5 });
  b.nextDelayMs();
  b.nextDelayMs();
  b.nextDelayMs();
  assert.equal(b.nominalDelayMs(), 4000);
  b.reset(); // e.g. a heartbeat arrived
  assert.equal(b.attempt, 0);
  assert.equal(b.nextDelayMs(), 500);
  assert.equal(b.nextDelayMs(), 1000);
});

test('a server retry replaces the base; non-positive values are ignored; it never exceeds the cap', () => {
  const b = new Backoff({ random: () => 0.5 });
  b.base(2000);
  assert.equal(b.nextDelayMs(), 2000);
  assert.equal(b.nextDelayMs(), 4000);
  b.reset();
  b.base(0);
  b.base(-5);
  b.base(Number.NaN);
  b.base(undefined);
  assert.equal(b.nextDelayMs(), 2000);
  b.reset();
  b.base(120_000);
  assert.equal(b.nextDelayMs(), 30_000);
  const jittered = new Backoff({ random: () => 0 });
  jittered.base(1000);
  assert.equal(jittered.nextDelayMs(), 750);
});

test('custom base, cap and jitter are honoured', () => {
  const b = new Backoff({ baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.1, random: () => 1 });
  assert.deepEqual(Array.from({ length: 6 }, () => b.nextDelayMs()), [110, 220, 440, 880, 1100, 1100]);
  const none = new Backoff({ jitter: 0, random: () => 1 });
  assert.equal(none.nextDelayMs(), 500);
});

test('nonsense settings are refused with a clear error', () => {
  assert.throws(() => new Backoff({ baseDelayMs: 0 }), RangeError);
  assert.throws(() => new Backoff({ baseDelayMs: 1000, maxDelayMs: 500 }), RangeError);
  assert.throws(() => new Backoff({ jitter: 1 }), RangeError);
  assert.throws(() => new Backoff({ jitter: -0.1 }), RangeError);
  assert.throws(() => new Backoff({ random: 4 }), TypeError);
});
