/**
 * The vocabulary every module shares: {@link dev.ssegateway.core.Event} and its origin-assigned id,
 * {@link dev.ssegateway.core.Cursor} stream positions, {@link dev.ssegateway.core.BusAddresses},
 * wire names, the SSE parser, and the settings with their one validator.
 */
package dev.ssegateway.core;
