/**
 * The Java client of sse-gateway: {@link dev.ssegateway.client.SseClient} keeps one Server-Sent-Events
 * stream alive for hours on a Vert.x context. It detects a silently dead connection by the gateway's own
 * heartbeat interval ({@code hello} and every {@code heartbeat} carry {@code heartbeat_ms}), reconnects with
 * jittered exponential {@link dev.ssegateway.client.Backoff} (honouring {@code Retry-After}), resumes with
 * the last id received as {@code Last-Event-ID} on any of several gateway URLs, surfaces {@code reset} and
 * {@code dropped} so that loss is never silent, stops for good on errors retrying cannot fix (401, 403, 404),
 * and bounds its memory by pausing the HTTP response when the application falls behind.
 * {@link dev.ssegateway.client.TailCommand} is the command-line face of the same client.
 */
package dev.ssegateway.client;
