package dev.ssegateway.core;

/**
 * One dispatched SSE event as a client sees it.
 *
 * @param type  the {@code event:} name, {@code message} when absent
 * @param data  the {@code data:} lines joined by LF
 * @param id    the last-event-id in force after this event (may be empty)
 * @param retry the last {@code retry:} value seen, or -1
 */
public record SseFrame(String type, String data, String id, long retry) {
}
