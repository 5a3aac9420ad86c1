package dev.ssegateway.bench;

import org.HdrHistogram.Histogram;

/**
 * What a scenario drives to publish numbered events at a rate ({@code s=<seq> t=<epoch micros>} padded to the payload
 * size): over HTTP ingest ({@link RatePublisher}) or in the gateway's own process ({@link InProcessControl}). Seqs
 * continue across {@link #start}/{@link #stop}. Called from the driver's plain thread (may block).
 */
interface LoadPublisher {

  /** Starts publishing {@code eventsPerSecond}; returns the first seq it will publish. */
  long start(double eventsPerSecond);

  /** Stops; returns the achieved rate of this run (events/s). */
  double stop();

  /** The seq the next event will carry. */
  long nextSeq();

  long lastSeq();

  /** Publish round trips since the last call, in microseconds (empty where there is none to measure). */
  Histogram roundTrips();

  long failures();

  String lastFailure();

  void close();
}
