package dev.ssegateway.gateway;

import io.vertx.ext.web.Router;

/**
 * Routes another module adds to every gateway instance's router (ingest, admin). Called once per
 * instance, on that instance's event loop.
 */
@FunctionalInterface
public interface Routes {
  void mount(Router router);
}
