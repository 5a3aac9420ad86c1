package dev.ssegateway.app;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import dev.ssegateway.config.ConfigStatus;
import dev.ssegateway.core.SettingsValidator;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.gateway.HealthCheck;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the app adds to the gateway's health and metrics: the {@code config} readiness check, config reloads and
 * uncaught (publisher) failures as series, and, when clustered, the cluster's membership as a gauge and one log
 * line per member that joins or leaves.
 */
final class NodeMonitoring {

  private static final Logger LOG = LoggerFactory.getLogger(NodeMonitoring.class);

  private NodeMonitoring() {
  }

  /** {@code cm}: the cluster manager the node's Vert.x was built with, null when not clustered. */
  static void install(ClusterManager cm, Gateway gateway, NodeServices services) {
    ConfigStatus config = services.config();
    UncaughtErrors errors = services.errors();
    String node = services.node();
    MeterRegistry r = gateway.metrics().registry();
    gateway.health().addReadinessCheck("config", now -> configCheck(config));
    FunctionCounter.builder("sse.config.reloads", config, ConfigStatus::acceptedCount)
        .description("Settings changes (file, admin, cluster), by outcome").tag("result", "accepted").register(r);
    FunctionCounter.builder("sse.config.reloads", config, ConfigStatus::rejectedCount)
        .description("Settings changes (file, admin, cluster), by outcome").tag("result", "rejected").register(r);
    errors.forEachSource(source -> FunctionCounter.builder("sse.uncaught.errors", errors, e -> e.count(source))
        .description("Exceptions that escaped a handler or timer (a publisher's, the gateway's), by verticle")
        .tag("source", source).register(r));
    if (cm != null) {
      Gauge.builder("sse.cluster.members", cm, c -> c.isActive() ? c.getNodes().size() : 0)
          .description("Members of the cluster as this node sees them").register(r);
      LOG.info("event=cluster_joined node={} cluster_node_id={} members={}", node, cm.getNodeId(), cm.getNodes().size());
      if (cm instanceof HazelcastClusterManager hz) {
        hz.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent e) {
            LOG.info("event=cluster_member_joined node={} member={} members={}", node, e.getMember().getUuid(),
                e.getMembers().size());
          }

          @Override
          public void memberRemoved(MembershipEvent e) {
            LOG.warn("event=cluster_member_left node={} member={} members={}", node, e.getMember().getUuid(),
                e.getMembers().size());
          }
        });
      }
    }
  }

  /**
   * The settings in force must validate. A refused reload does not fail readiness: the node keeps serving with the
   * last good settings, and failing every node of a fleet for one bad shared conf push would take the service down;
   * the refusal is visible in the detail, at /admin/config and as {@code sse_config_reloads_total{result="rejected"}}.
   */
  static HealthCheck.Status configCheck(ConfigStatus config) {
    try {
      SettingsValidator.fromConf(config.settings().toJson());
    } catch (RuntimeException e) {
      return HealthCheck.Status.failing("the settings in force do not validate: " + e.getMessage());
    }
    ConfigStatus.Rejection last = config.lastRejected();
    return HealthCheck.Status.passing(last == null ? "settings valid"
        : "settings valid; last refused change " + last.at() + " (" + last.error() + "), settings in force kept");
  }
}
