/**
 * Publishers: the Java API {@link dev.ssegateway.publisher.EventPublisher} that any verticle calls, the
 * HTTP ingest {@link dev.ssegateway.publisher.IngestPublisher} and the demo
 * {@link dev.ssegateway.publisher.TickerPublisher}.
 */
package dev.ssegateway.publisher;
