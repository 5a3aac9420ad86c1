/**
 * The test kit ({@code dev.ssegateway:sse-gateway-testkit}) for JUnit 5 + {@code VertxExtension} tests of publisher
 * verticles: {@link dev.ssegateway.testkit.TestGateway} (one in-JVM gateway on loopback),
 * {@link dev.ssegateway.testkit.TestStream} (an SSE stream that is open once its {@code hello} arrived, with
 * deadline-bounded waits for events) and {@link dev.ssegateway.testkit.TestCluster} (N gateways clustered on
 * loopback under a unique cluster name).
 */
package dev.ssegateway.testkit;
