package dev.ssegateway.app.publishers;

/** A class named in {@code publishers} by mistake: not a verticle. */
public final class NotAVerticle {
}
