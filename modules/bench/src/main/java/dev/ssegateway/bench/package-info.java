/**
 * Benchmarks of the gateway side by side with Nchan and with a raw SSE ceiling: the load generator
 * ({@link dev.ssegateway.bench.LoadGenerator}), the ceiling server ({@link dev.ssegateway.bench.RawSseServer})
 * and the scenario driver ({@link dev.ssegateway.bench.ScenarioDriver}). Run with {@code modules/bench/run.sh}.
 */
package dev.ssegateway.bench;
