package dev.ssegateway.app;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18, point 6, with real processes: a stable node {@code gw-a} keeps running while a second node is
 * restarted {@code -Drolling.restarts} times (default 4), each time under a new name, as a Kubernetes rolling
 * deployment with fresh pod names does. Every id {@code gw-a} hands out names the origins that left while their
 * events may still be retained, so it grows; once they are pruned ({@code history.max_age_ms} + 5 s after their
 * last event) it is back to the length for the live origins ({@code gw-a} and the last second node, which keeps
 * running, as it does after a rolling deployment). A client resuming with the longest id gets no {@code reset}
 * and no duplicate; a stream open on {@code gw-a} throughout gets every event exactly once.
 *
 * <p>{@code history.max_age_ms} is 15 s, not 1 s: a departed origin stays in ids for {@code max_age_ms} + 5 s,
 * and with 1 s that is shorter than one process restart on a loaded machine, so the id would never name more
 * than one departed origin and could not show the growth.
 *
 * <p>The resumed id is the last of the longest: issued after an origin was pruned it no longer names that origin,
 * and the eviction of that origin's events must not be reported to it as a loss.
 */
class RollingRestartIT extends ClusterProcesses {
  private static final int RESTARTS = Integer.getInteger("rolling.restarts", 4);
  private static final int MAX_AGE_MS = 15_000;
  private static final int PRUNE_MARGIN_MS = 5_000;
  private static final String STABLE = "gw-a";

  private GatewayProcess start(String node) throws Exception {
    JsonObject conf = new JsonObject()
        .put("history", new JsonObject().put("max_age_ms", MAX_AGE_MS).put("max_events", 50));
    return startNode(node, conf);
  }

  /** The origins an id names. */
  private static Set<String> named(String id) {
    return new TreeSet<>(Cursor.parse(id).positions().keySet());
  }

  @Test
  void afterRollingRestartsWithNewNamesTheIdIsBackToTheLiveOrigins() throws Exception {
    long t0 = System.nanoTime();
    GatewayProcess a = start(STABLE);
    int pa = a.awaitReady(120_000);
    SseTestClient stream = SseTestClient.open(client, pa, "/events?topic=t").await(10, TimeUnit.SECONDS);
    SseTestClient probes = SseTestClient.open(client, pa, "/events?topic=probe").await(10, TimeUnit.SECONDS);

    List<String> names = new ArrayList<>();
    List<Long> stoppedAtMs = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<Integer> lengths = new ArrayList<>();
    GatewayProcess b = null;
    for (int i = 0; i <= RESTARTS; i++) {
      if (b != null) {
        // its stop counts from the SIGTERM: its health probes (its last events, one a second) run up to then or a
        // little after, and pruning counts from them; the exit can come seconds later on a loaded machine (leaving
        // the cluster), and counting from it would expect the origin named past its pruning
        stoppedAtMs.add(System.currentTimeMillis());
        assertEquals(0, b.terminate(30_000), "node " + names.get(i - 1) + " stops cleanly");
      }
      String name = String.format("pod-%02d", i);
      names.add(name);
      b = start(name);
      int pb = b.awaitReady(120_000);
      awaitPath(pb, probes, "path-" + name);
      String data = "ev-" + i;
      assertEquals(202, (int) publish(pb, "t", data).await(10, TimeUnit.SECONDS));
      SseFrame ev = stream.await(fs -> fs.stream().anyMatch(f -> data.equals(f.data())))
          .await(20, TimeUnit.SECONDS).stream().filter(f -> data.equals(f.data())).findFirst().orElseThrow();
      long arrivedMs = System.currentTimeMillis();
      ids.add(ev.id());
      lengths.add(ev.id().length());
      Set<String> origins = named(ev.id());
      assertTrue(origins.contains(STABLE) && origins.contains(name), "the id names the live origins: " + ev.id());
      for (int j = 0; j < i; j++) {
        // its last event arrived before it stopped; pruning takes max_age_ms + 5 s from there
        if (arrivedMs - stoppedAtMs.get(j) < MAX_AGE_MS) {
          assertTrue(origins.contains(names.get(j)), "the id still names departed " + names.get(j) + ": " + ev.id());
        }
      }
    }
    // the last of the longest ids: it may already omit an origin pruned in between, whose evicted events must not
    // be reported as lost to it (ResumePlan.issuedAfterPruning)
    int longestAt = 0;
    for (int i = 0; i < ids.size(); i++) {
      if (lengths.get(i) >= lengths.get(longestAt)) {
        longestAt = i;
      }
    }
    String longest = ids.get(longestAt);
    // (1) the id grew: it named departed origins as well as the two live ones
    assertTrue(named(longest).size() > 2 && lengths.get(longestAt) > lengths.get(0),
        "the id grows during the restarts: " + lengths);

    // (2) after the departed origins are pruned, a fresh stream's hello names only the live ones
    long lastStop = stoppedAtMs.get(stoppedAtMs.size() - 1);
    Set<String> live = new TreeSet<>(List.of(STABLE, names.get(RESTARTS)));
    String prunedId = null;
    long deadline = System.currentTimeMillis() + MAX_AGE_MS + PRUNE_MARGIN_MS + 60_000;
    while (prunedId == null) {
      assertTrue(System.currentTimeMillis() < deadline, "hello still names departed origins");
      SseTestClient s = SseTestClient.open(client, pa, "/events?topic=t").await(10, TimeUnit.SECONDS);
      String hello = s.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS).get(0).id();
      s.close().await(10, TimeUnit.SECONDS);
      if (named(hello).equals(live)) {
        prunedId = hello;
      } else {
        a.awaitExitQuietly(250);
      }
    }
    long prunedAfterMs = System.currentTimeMillis() - lastStop;
    assertTrue(a.isAlive() && b.isAlive(), "the live nodes keep running");
    assertEquals(lengths.get(0), prunedId.length(), "back to the length of the first id, which named the same"
        + " number of origins with names as long: " + prunedId);
    assertTrue(prunedAfterMs >= MAX_AGE_MS, "not pruned while its events may be retained: " + prunedAfterMs);

    // (3) a client resuming on gw-a with the longest id gets no reset and nothing it had
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, longest);
    SseTestClient resumed = SseTestClient.open(client, pa, "/events?topic=t", headers).await(10, TimeUnit.SECONDS);
    resumed.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS);
    assertEquals(202, (int) publish(b.readyPort(), "t", "after-prune").await(10, TimeUnit.SECONDS));
    List<SseFrame> after = resumed.await(fs -> fs.stream().anyMatch(f -> "after-prune".equals(f.data())))
        .await(20, TimeUnit.SECONDS);
    assertEquals(List.of(), after.stream().filter(f -> f.type().equals(WireNames.RESET)).toList(),
        "no reset for origins pruned from ids");
    List<String> replayed = after.stream().filter(f -> f.type().equals("message")).map(SseFrame::data).toList();
    List<String> allowed = new ArrayList<>();
    for (int i = longestAt + 1; i <= RESTARTS; i++) {
      allowed.add("ev-" + i);
    }
    allowed.add("after-prune");
    assertEquals(replayed.size(), new TreeSet<>(replayed).size(), "nothing twice: " + replayed);
    assertTrue(allowed.containsAll(replayed) && replayed.get(replayed.size() - 1).equals("after-prune"),
        "only events after the resumed id (ev-" + longestAt + "): " + replayed);

    // (4) the stream open throughout got every event exactly once, in order
    List<String> expected = new ArrayList<>();
    for (int i = 0; i <= RESTARTS; i++) {
      expected.add("ev-" + i);
    }
    expected.add("after-prune");
    stream.await(fs -> fs.stream().anyMatch(f -> "after-prune".equals(f.data()))).await(20, TimeUnit.SECONDS);
    assertFalse(stream.isEnded(), "the stream on gw-a stayed open");
    assertEquals(expected, stream.framesOf("message").stream().map(SseFrame::data).toList());
    assertEquals(List.of(), stream.framesOf(WireNames.RESET), "no reset on the open stream");

    System.out.printf("rolling restarts: id length per restart %s (first: before any restart); after pruning: %d chars after %d ms"
            + " (origins %s; longest id named %d origins; history.max_age_ms %d; %d restarts in %d s total)%n",
        lengths, prunedId.length(), prunedAfterMs, live, named(longest).size(), MAX_AGE_MS, RESTARTS,
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
  }
}
