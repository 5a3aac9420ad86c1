package dev.ssegateway.client.faults;

import dev.ssegateway.core.Cursor;

import java.util.ArrayList;
import java.util.List;

/**
 * What one client received, checked against the guarantee "every event exactly once, in order": the
 * test publishes events whose data is a counter 1, 2, 3, ... from one origin; the ledger checks the
 * counters (nothing missing, nothing twice) and the origin's sequence number carried by each event id
 * (strictly increasing: no duplicate, no reordering). Not thread-safe: fed from one context, read
 * after a happens-before (a completed future) or through its volatile summary fields.
 */
final class DeliveryLedger {

  private final String origin;
  private long[] seen = new long[1024];
  private volatile long highest;
  private volatile long received;
  private volatile long duplicates;
  private volatile long outOfOrder;
  private volatile long losses;
  private long lastSeq = -1;
  private final List<String> problems = new ArrayList<>();

  DeliveryLedger(String origin) {
    this.origin = origin;
  }

  /** Records one delivered event: {@code data} is the counter, {@code id} the stream cursor after it. */
  void record(String id, String data) {
    long counter = Long.parseLong(data.trim());
    if (counter >= seen.length) {
      long[] bigger = new long[(int) Math.max(counter + 1, seen.length * 2L)];
      System.arraycopy(seen, 0, bigger, 0, seen.length);
      seen = bigger;
    }
    if (++seen[(int) counter] > 1) {
      duplicates++;
      note("counter " + counter + " delivered twice");
    }
    long seq = Cursor.parse(id).position(origin);
    if (seq <= lastSeq) {
      outOfOrder++;
      note("seq " + seq + " after " + lastSeq + " (counter " + counter + ")");
    }
    lastSeq = Math.max(lastSeq, seq);
    highest = Math.max(highest, counter);
    received++;
  }

  /** A {@code reset} or {@code dropped} notice: the stream itself says something was lost. */
  void loss(String type, String data) {
    losses++;
    note(type + ": " + data);
  }

  private void note(String problem) {
    if (problems.size() < 10) {
      problems.add(problem);
    }
  }

  /** Counters in 1..total not seen exactly once. */
  long missing(long total) {
    long n = 0;
    for (long c = 1; c <= total; c++) {
      if (c >= seen.length || seen[(int) c] == 0) {
        n++;
      }
    }
    return n;
  }

  boolean complete(long total) {
    return received >= total && highest >= total;
  }

  long highest() {
    return highest;
  }

  long received() {
    return received;
  }

  long duplicates() {
    return duplicates;
  }

  long outOfOrder() {
    return outOfOrder;
  }

  long losses() {
    return losses;
  }

  List<String> problems() {
    return problems;
  }

  /** Empty when 1..total arrived exactly once, in origin order, with no loss notice; else what went wrong. */
  String verdict(long total) {
    long missing = missing(total);
    if (missing == 0 && duplicates == 0 && outOfOrder == 0 && losses == 0 && received == total) {
      return "";
    }
    return "received=" + received + " of " + total + " missing=" + missing + " duplicates=" + duplicates
        + " outOfOrder=" + outOfOrder + " losses=" + losses + " " + problems;
  }
}
