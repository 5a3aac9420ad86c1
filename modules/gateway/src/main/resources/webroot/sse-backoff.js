// The reconnect delay policy of /sse-client.js, the same as the Java client's Backoff: exponential backoff
// with jitter, so that a crowd of browsers facing a slow or restarting gateway spreads out instead of
// storming it. Pure: no clock, no timers, no DOM; it only computes delays (tested with `node --test`).

/** Delay of the first failed attempt before jitter, in ms (the gateway sends `retry: 500` too). */
export const DEFAULT_BASE_DELAY_MS = 500;
/** Cap of the un-jittered delay, in ms. */
export const DEFAULT_MAX_DELAY_MS = 30_000;
/** Relative jitter: each delay is the nominal one times a uniform factor in [1 - jitter, 1 + jitter]. */
export const DEFAULT_JITTER = 0.25;

/**
 * Failed attempt `n` (counted from 0 since the last received event) waits `min(max, base * 2^n)`,
 * jittered uniformly by +/- `jitter`. Any received event, heartbeats included, resets the count
 * (`reset()`). A server's `retry:` replaces the base (`base(ms)`).
 */
export class Backoff {
  /**
   * @param {object} [options]
   * @param {number} [options.baseDelayMs=500] delay of the first failed attempt, before jitter (> 0)
   * @param {number} [options.maxDelayMs=30000] cap of the un-jittered delay (>= baseDelayMs)
   * @param {number} [options.jitter=0.25] relative jitter in [0, 1)
   * @param {() => number} [options.random=Math.random] uniform source in [0, 1)
   */
  constructor({
    baseDelayMs = DEFAULT_BASE_DELAY_MS,
    maxDelayMs = DEFAULT_MAX_DELAY_MS,
    jitter = DEFAULT_JITTER,
    random = Math.random,
  } = {}) {
    if (!(baseDelayMs > 0) || !(maxDelayMs >= baseDelayMs)) {
      throw new RangeError(`need 0 < baseDelayMs <= maxDelayMs, got ${baseDelayMs}, ${maxDelayMs}`);
    }
    if (!(jitter >= 0 && jitter < 1)) {
      throw new RangeError(`jitter must be in [0, 1), got ${jitter}`);
    }
    if (typeof random !== 'function') {
      throw new TypeError('random must be a function returning a number in [0, 1)');
    }
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.jitter = jitter;
    this.random = random;
    /** Failed attempts since the last received event. */
    this.attempt = 0;
  }

  /** A server's `retry:` value replaces the base (ignored unless a positive number). */
  base(retryMs) {
    if (Number.isFinite(retryMs) && retryMs > 0) {
      this.baseDelayMs = Math.min(retryMs, this.maxDelayMs);
    }
  }

  /** An event (any event, heartbeat included) arrived: the next failure starts from the base again. */
  reset() {
    this.attempt = 0;
  }

  /** The un-jittered delay of the current attempt: `min(max, base * 2^attempt)`. */
  nominalDelayMs() {
    let delay = this.baseDelayMs;
    for (let i = 0; i < this.attempt && delay < this.maxDelayMs; i++) {
      delay *= 2;
    }
    return Math.min(delay, this.maxDelayMs);
  }

  /** Records a failed attempt and returns how long to wait before the next one, in ms (>= 1). */
  nextDelayMs() {
    const nominal = this.nominalDelayMs();
    this.attempt++;
    const factor = 1 + this.jitter * (2 * this.unit() - 1);
    return Math.max(1, Math.round(nominal * factor));
  }

  unit() {
    const u = Number(this.random());
    return u > 0 ? Math.min(u, 1) : 0; // NaN and negatives count as 0
  }
}
