/**
 * The SSE side: {@link dev.ssegateway.gateway.FanOut} consumes every event once per node, keeps the
 * per-topic history and hands encoded frames to each event loop's lane; {@link dev.ssegateway.gateway.GatewayVerticle}
 * serves {@code /events} with per-connection heartbeats.
 */
package dev.ssegateway.gateway;
