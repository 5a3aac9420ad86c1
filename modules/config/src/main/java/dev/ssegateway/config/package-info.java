/**
 * The config verticle: watches the {@code -conf} file, takes {@code PUT /admin/config} changes and
 * other nodes' admin changes, validates every change with the one settings validator, applies the
 * live keys to this node's settings without dropping a stream, and refuses a bad change with one clear
 * log line and a visible {@link dev.ssegateway.config.ConfigStatus} while the old value stays.
 * Environment variables {@code SSE_GATEWAY_<KEY>} override the file ({@link dev.ssegateway.config.EnvOverrides}).
 */
package dev.ssegateway.config;
