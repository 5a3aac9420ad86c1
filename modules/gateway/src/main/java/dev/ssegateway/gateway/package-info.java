/**
 * The SSE side: {@link dev.ssegateway.gateway.FanOut} consumes every event once per node, keeps the
 * per-topic history and hands encoded frames to each event loop's lane; {@link dev.ssegateway.gateway.GatewayVerticle}
 * serves {@code /events} with per-connection heartbeats. {@link dev.ssegateway.gateway.Health} answers
 * {@code /health/live} and {@code /health/ready} from a {@link dev.ssegateway.gateway.HealthProbe} that sends a
 * real event through that whole path every second; {@link dev.ssegateway.gateway.GatewayMetrics} serves
 * {@code /metrics} in Prometheus format.
 */
package dev.ssegateway.gateway;
