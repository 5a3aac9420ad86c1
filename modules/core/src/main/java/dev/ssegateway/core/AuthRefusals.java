package dev.ssegateway.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Refused credentials by reason, for the metric {@code sse_auth_refused_total{reason}}: the reasons are a fixed
 * list, so a client cannot grow the label set, whatever it sends.
 */
public final class AuthRefusals {

  /** Every reason {@link TokenAuth} refuses a credential for. */
  public static final List<String> REASONS = List.of("missing", "bad_static_token", "oversized", "malformed",
      "alg_none", "bad_kid", "unknown_kid", "bad_signature", "bad_time_claim", "expired", "not_yet_valid", "forbidden",
      "no_keys");

  private final Map<String, LongAdder> counts = new LinkedHashMap<>();

  AuthRefusals() {
    REASONS.forEach(r -> counts.put(r, new LongAdder()));
  }

  void count(String reason) {
    LongAdder n = counts.get(reason);
    if (n == null) {
      throw new IllegalArgumentException("not a refusal reason: " + reason);
    }
    n.increment();
  }

  /** Refusals for {@code reason} so far (0 for a name not in {@link #REASONS}). */
  public long total(String reason) {
    LongAdder n = counts.get(reason);
    return n == null ? 0 : n.sum();
  }
}
