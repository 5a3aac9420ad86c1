package dev.ssegateway.app;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway takes the options it documents and refuses, naming it, whatever it would otherwise ignore. */
class LauncherArgsTest {

  @Test
  void theDocumentedOptionsAreTakenInEveryForm() {
    assertNull(LauncherArgs.problem(List.of()));
    assertNull(LauncherArgs.problem(List.of("-conf", "conf.json", "-cluster")));
    assertNull(LauncherArgs.problem(List.of("--conf=conf.json", "--cluster", "-options", "eb.json",
        "-cluster-host", "10.0.0.1", "-cluster-port", "0", "-cluster-public-host", "h", "-cluster-public-port", "1",
        "-instances", "1")));
  }

  @Test
  void aMainVerticleArgumentIsRefusedPointingToThePublishersKey() {
    String problem = LauncherArgs.problem(List.of("com.acme.OrdersPublisher", "-conf", "conf.json"));
    assertEquals("unexpected argument 'com.acme.OrdersPublisher': the gateway takes no main verticle; deploy your "
        + "verticles with the 'publishers' conf key (docs/publishing.md); see --help", problem);
  }

  @Test
  void unknownOptionsAndAMissingValueAreRefused() {
    assertEquals("unknown option '-worker'; see --help", LauncherArgs.problem(List.of("-worker")));
    assertEquals("unknown option '--confx=a'; see --help", LauncherArgs.problem(List.of("--confx=a")));
    assertEquals("option '-conf' needs a value; see --help", LauncherArgs.problem(List.of("-conf")));
  }

  @Test
  void helpDescribesThisGatewaysOptionsAndEnvironment() {
    assertTrue(LauncherArgs.wantsHelp(List.of("--help")) && LauncherArgs.wantsHelp(List.of("-h")));
    for (String s : List.of("-conf", "-cluster", "SSE_GATEWAY_", "SSE_HAZELCAST_CONFIG", "SSE_CLUSTER_NAME",
        "publishers", "dev.ssegateway.app.GatewayLauncher")) {
      assertTrue(LauncherArgs.HELP_TEXT.contains(s), s);
    }
    assertTrue(!LauncherArgs.HELP_TEXT.contains("mainVerticle"), LauncherArgs.HELP_TEXT);
  }
}
