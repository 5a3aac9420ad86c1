package dev.ssegateway.app;

import dev.ssegateway.config.ConfigStatus;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.TokenAuth;
import dev.ssegateway.publisher.EventPublisher;

import java.util.Objects;

/**
 * The services of one node, built once by {@link AppVerticle} and handed to the verticles and handlers that use them
 * through their constructors: the gateway, the config verticle, ingest and the node's monitoring get them passed in,
 * they do not look them up. Every one is required: a missing service fails the start, it never becomes a default.
 *
 * @param node      this node's name (its origin in event ids)
 * @param settings  the settings in force; the config verticle is their only writer
 * @param config    the status of the node's configuration (last change, rejections) over {@code settings}
 * @param errors    the counters of uncaught errors, one set per Vert.x node
 * @param publisher this node's origin: its publishing API, its health probes
 * @param auth      the node's token checks (loaded once at start): ingest, the admin routes and {@code /events}
 */
record NodeServices(String node, LiveSettings settings, ConfigStatus config, UncaughtErrors errors,
                    EventPublisher publisher, TokenAuth auth) {

  NodeServices {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(errors, "errors");
    Objects.requireNonNull(publisher, "publisher");
    Objects.requireNonNull(auth, "auth");
  }

  /** The services of the node {@code node} over its live {@code settings}. */
  static NodeServices create(String node, LiveSettings settings, UncaughtErrors errors, EventPublisher publisher,
                             TokenAuth auth) {
    return new NodeServices(node, settings, new ConfigStatus(settings), errors, publisher, auth);
  }
}
