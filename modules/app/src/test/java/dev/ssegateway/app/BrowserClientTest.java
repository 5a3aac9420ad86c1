package dev.ssegateway.app;

import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.SettingsValidator;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.publisher.IngestPublisher;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo page and {@code /sse-client.js} in a real headless Chromium: events show up once, a hot-reloaded
 * heartbeat is seen without a reconnect, a gateway restart is ridden out with resume, and a stream that
 * goes silent is detected and reopened from the last event id; a plain EventSource refused for too many streams
 * comes back by itself, and one page's 12 EventSources over HTTPS (HTTP/2) all open. Each test leaves a screenshot in
 * {@code target/screenshots/}.
 */
class BrowserClientTest {

  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  private static final String INSTALL = "apt-get update && apt-get install -y chromium chromium-driver";
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private static ChromeDriver driver;
  private static Path profile;

  private Vertx vertx;
  private Gateway gateway;
  private EventPublisher publisher;

  @BeforeAll
  static void startBrowser() throws IOException {
    boolean present = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
    String missing = "Chromium and its driver are needed at " + CHROMIUM + " and " + CHROMEDRIVER + ": " + INSTALL;
    if ("true".equals(System.getenv("CI"))) {
      assertTrue(present, missing);
    } else {
      Assumptions.assumeTrue(present, missing);
    }
    profile = Files.createTempDirectory("sse-gateway-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-quic", "--window-size=1280,900", "--user-data-dir=" + profile,
        "--ignore-certificate-errors"); // the HTTPS test's certificate is made by the test
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .build();
    driver = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stopBrowser() throws IOException {
    if (driver != null) {
      driver.quit();
    }
    if (profile != null) {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stopVertx(TestInfo test) throws Exception {
    if (driver != null) {
      screenshot(test.getTestMethod().map(m -> m.getName()).orElse("test"));
      driver.get("about:blank"); // closes the page's stream before its server goes
    }
    await(vertx.close());
  }

  // ---- tests --------------------------------------------------------------------------------------------

  @Test
  void publishedEventsAppearOnThePageOnceAndThePublishFormShowsTheIdOrTheError() throws Exception {
    deployGateway(0);
    openPage("/?topic=demo&topic=other");
    waitForState("open");
    assertEquals("1000", text("heartbeat"));

    await(publisher.publish("demo", "message", "first"));
    await(publisher.publish("other", "greeting", "{\"hello\":2}"));
    await(publisher.publish("demo", "custom", "not listened to"));
    await(publisher.publish("demo", "message", "third"));
    waitUntil("the events on the page", d -> shown("third") == 1);
    assertEquals(1, shown("first"));
    assertEquals(1, shown("{\"hello\":2}"));
    assertEquals(0, shown("not listened to"), "a type the page did not ask for is not delivered");
    assertEquals("greeting", driver.findElement(By.xpath(logLine("{\"hello\":2}"))).getAttribute("data-type"));

    driver.findElement(By.id("pubType")).clear();
    driver.findElement(By.id("pubType")).sendKeys("greeting");
    WebElement body = driver.findElement(By.id("pubBody"));
    body.clear();
    body.sendKeys("{\"from\":\"the form\"}");
    driver.findElement(By.id("publish")).click();
    waitUntil("the 202 answer", d -> text("pubResult").startsWith("202"));
    String id = driver.findElement(By.id("pubResult")).getAttribute("data-id");
    assertTrue(id != null && id.startsWith("node1."), text("pubResult"));
    assertTrue(text("pubResult").contains(id), text("pubResult"));
    waitUntil("the form's event on the page", d -> shown("{\"from\":\"the form\"}") == 1);
    assertEquals(id, text("lastId"), "the last event id is the form's event");

    driver.findElement(By.id("pubType")).clear();
    driver.findElement(By.id("pubType")).sendKeys("heartbeat");
    driver.findElement(By.id("publish")).click();
    waitUntil("the JSON error", d -> text("pubResult").startsWith("400 invalid_event_type: "));
    assertEquals("0", text("reconnects"));
  }

  @Test
  void aHotReloadedHeartbeatIntervalShowsOnThePageWithoutAReconnect() throws Exception {
    deployGateway(0);
    openPage("/?topic=demo");
    waitForState("open");
    waitUntil("heartbeats of 1000 ms", d -> Integer.parseInt(text("heartbeats")) >= 1);
    assertEquals("1000", text("heartbeat"));

    LiveSettings live = gateway.settings();
    live.apply(vertx, SettingsValidator.apply(live.current(), new JsonObject().put("heartbeat_ms", 2000)));
    waitUntil("the page to show heartbeat 2000", d -> text("heartbeat").equals("2000"));
    int seen = Integer.parseInt(text("heartbeats"));
    waitUntil("a heartbeat at the new interval", d -> Integer.parseInt(text("heartbeats")) > seen);
    assertEquals("open", text("state"));
    assertEquals("0", text("reconnects"), "the new interval arrives on the open stream");
    assertEquals(2000L, number("return window.sseStream.heartbeatMs"), "the stall detector follows it");
  }

  @Test
  void aRestartedGatewayIsRejoinedByItselfAndTheGapsEventsShowExactlyOnce() throws Exception {
    int port = deployGateway(0);
    openPage("/?topic=restart");
    waitForState("open");
    await(publisher.publish("restart", "message", "before-1"));
    await(publisher.publish("restart", "message", "before-2"));
    waitUntil("the events before the restart", d -> shown("before-2") == 1);

    await(vertx.close());
    waitForState("reconnecting");
    // Five failed attempts (the stream's end, then four refused connections): the next one waits
    // 8 s +/- 25 %, time enough to start the new gateway and publish while the page is still away, also on a loaded
    // machine where this test sees the fifth attempt late (after the fourth the page came back 3 s later at the
    // earliest, which a slow start of the new gateway could miss: its events then came live, not by resume).
    waitUntil("five failed attempts", d -> number("return window.sseStream.attempt") >= 5);
    assertEquals("reconnecting", text("state"));

    vertx = Vertx.vertx();
    deployGateway(port);
    for (int i = 1; i <= 3; i++) {
      await(publisher.publish("restart", "message", "gap-" + i));
    }
    waitUntil("the page to come back and show the gap's events",
        d -> text("state").equals("open") && shown("gap-3") == 1);
    for (String data : List.of("before-1", "before-2", "gap-1", "gap-2", "gap-3")) {
      assertEquals(1, shown(data), data + " is shown exactly once");
    }
    assertTrue(text("resumed").startsWith("yes, 3 replayed"), "the gap came by resume: " + text("resumed"));
    assertEquals(1, driver.findElements(By.cssSelector("#log li.reset")).size(),
        "the restarted node cannot replay what it never saw, and says so: " + logText());
    assertTrue(number("return window.sseStream.reconnects") >= 4);
    assertEquals(text("reconnects"), String.valueOf(number("return window.sseStream.reconnects")));

    await(publisher.publish("restart", "message", "after-1"));
    waitUntil("a live event after the restart", d -> shown("after-1") == 1);
    assertEquals(1, shown("gap-1"));
  }

  @Test
  void aStreamThatGoesSilentIsDetectedAndReopenedWithTheLastEventId() throws Exception {
    List<String> lastEventIds = new CopyOnWriteArrayList<>();
    Router router = Router.router(vertx);
    router.get("/events").handler(ctx -> {
      String lastEventId = ctx.request().getParam("lastEventId");
      lastEventIds.add(lastEventId == null ? "(none)" : lastEventId);
      var response = ctx.response().setChunked(true)
          .putHeader("Content-Type", "text/event-stream; charset=utf-8")
          .putHeader("Cache-Control", "no-cache");
      if (lastEventIds.size() == 1) {
        // Headers, hello, one heartbeat, then silence without closing: what a dead NAT entry looks like.
        response.write("retry: 500\n\nid: stall:7\nevent: hello\ndata: {\"node\":\"stalling\",\"heartbeat_ms\":1000,"
            + "\"topics\":[\"demo\"],\"resumed\":false,\"replayed\":0}\n\n"
            + "event: heartbeat\ndata: {\"heartbeat_ms\":1000}\n\n");
      } else {
        response.write("retry: 500\n\nid: stall:7\nevent: hello\ndata: {\"node\":\"healthy\",\"heartbeat_ms\":1000,"
            + "\"topics\":[\"demo\"],\"resumed\":true,\"replayed\":0}\n\n");
        long timer = vertx.setPeriodic(1000, t -> response.write("event: heartbeat\ndata: {\"heartbeat_ms\":1000}\n\n"));
        response.closeHandler(v -> vertx.cancelTimer(timer));
      }
    });
    router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    HttpServer server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    driver.get("http://127.0.0.1:" + server.actualPort() + "/?topic=demo");

    waitUntil("the stall to be detected and the stream reopened",
        d -> lastEventIds.size() >= 2 && text("state").equals("open") && text("node").equals("healthy"));
    assertEquals(List.of("(none)", "stall:7"), lastEventIds.subList(0, 2));
    assertEquals("1", text("reconnects"));
    assertTrue(logText().contains("stalled: no event for"), logText());
  }

  @Test
  void aStreamTheGatewayRefusesEndsInFailedWithTheGatewaysJsonError() throws Exception {
    deployGateway(0);
    openPage("/?topic=.bad");
    waitForState("failed");
    assertTrue(text("reason").startsWith("HTTP 400 invalid_topic: topic '.bad' is invalid"), text("reason"));
    assertEquals("0", text("reconnects"));
  }

  @Test
  void aPlainEventSourceRefusedForTooManyStreamsComesBackByItselfOnceASlotIsFree() throws Exception {
    deployGateway(0, new JsonObject().put("limits.max_connections", 1));
    driver.get("http://127.0.0.1:" + gateway.port() + "/health/live"); // a page of the origin without a stream
    JavascriptExecutor js = (JavascriptExecutor) driver;
    js.executeScript("window.seen = [];"
        + "window.track = (name, es) => {"
        + "  ['hello', 'refused'].forEach(t => es.addEventListener(t, e => seen.push(name + ' ' + t + ' ' + e.data)));"
        + "  es.addEventListener('error', () => seen.push(name + ' error readyState=' + es.readyState));"
        + "};"
        + "window.first = new EventSource('/events?topic=demo'); track('first', first);");
    waitUntil("the first stream's hello", d -> seen().stream().anyMatch(l -> l.startsWith("first hello")));
    js.executeScript("window.second = new EventSource('/events?topic=demo'); track('second', second);");
    waitUntil("the second stream's refusal", d -> seen().stream().anyMatch(l -> l.startsWith("second refused")));
    String refusal = seen().stream().filter(l -> l.startsWith("second refused")).findFirst().orElseThrow();
    JsonObject notice = new JsonObject(refusal.substring("second refused ".length()));
    assertEquals("too_many_streams", notice.getString("error"), refusal);
    assertTrue(notice.getString("message").contains("limits.max_connections=1"), refusal);

    js.executeScript("first.close();");
    waitUntil("the second EventSource to come back and open", d -> seen().stream()
        .anyMatch(l -> l.startsWith("second hello")) && number("return second.readyState") == 1);
    assertTrue(seen().stream().noneMatch(l -> l.endsWith("readyState=2")),
        "no EventSource was told to give up: " + seen());
    assertEquals(1, gateway.stats().openStreams());
  }

  @Test
  void twelveEventSourcesOfOnePageOverHttpsAllOpenAndReceiveEveryEventAndHeartbeat() throws Exception {
    Path dir = Files.createTempDirectory("sse-gateway-cert");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
        key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost").redirectErrorStream(true).start();
    String output = new String(openssl.getInputStream().readAllBytes());
    assertTrue(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0, "openssl: " + output);
    deployGateway(0, new JsonObject().put("tls.cert_file", cert.toString()).put("tls.key_file", key.toString()));
    driver.get("https://127.0.0.1:" + gateway.port() + "/health/live"); // the browser ignores the test's cert
    JavascriptExecutor js = (JavascriptExecutor) driver;
    js.executeScript("window.streams = [];"
        + "for (let i = 0; i < 12; i++) {"
        + "  const s = { hello: 0, data: [], heartbeats: 0, es: new EventSource('/events?topic=tabs') };"
        + "  s.es.addEventListener('hello', () => s.hello++);"
        + "  s.es.addEventListener('heartbeat', () => s.heartbeats++);"
        + "  s.es.addEventListener('message', e => s.data.push(e.data));"
        + "  streams.push(s);"
        + "}");
    waitUntil("12 hellos", d -> number("return streams.filter(s => s.hello === 1).length") == 12);
    assertEquals(12L, gateway.stats().http2Streams.sum(), "every stream is an HTTP/2 stream");
    for (int i = 1; i <= 3; i++) {
      await(publisher.publish("tabs", "message", "tab-event-" + i));
    }
    waitUntil("every event and a heartbeat on all 12", d -> number("return streams.filter(s => s.data.join() === "
        + "'tab-event-1,tab-event-2,tab-event-3' && s.heartbeats > 0).length") == 12);
    assertEquals(12L, number("return streams.filter(s => s.es.readyState === 1).length"));
    js.executeScript("streams.forEach(s => s.es.close());");
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(p -> p.toFile().delete());
    }
    dir.toFile().delete();
  }

  // ---- support ------------------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private List<String> seen() {
    return (List<String>) ((JavascriptExecutor) driver).executeScript("return window.seen || [];");
  }

  private int deployGateway(int port) throws Exception {
    return deployGateway(port, new JsonObject());
  }

  private int deployGateway(int port, JsonObject extra) throws Exception {
    var settings = TestSettings.of(new JsonObject().put("heartbeat_ms", 1000).put("http.port", port).mergeIn(extra));
    publisher = EventPublisher.install(vertx, "node1");
    LiveSettings live = LiveSettings.create(settings);
    IngestPublisher ingest = IngestPublisher.create(publisher, live, dev.ssegateway.core.TokenAuth.load(vertx, settings).await());
    gateway = await(Gateway.deploy(vertx, live, publisher.origin(),
        List.of(r -> r.post("/publish/:topic").handler(ingest)), new dev.ssegateway.gateway.HealthOptions()));
    return gateway.port();
  }

  private void openPage(String pathAndQuery) {
    driver.get("http://127.0.0.1:" + gateway.port() + pathAndQuery);
  }

  private void waitForState(String state) {
    waitUntil("state " + state, d -> text("state").equals(state));
  }

  private void waitUntil(String what, ExpectedCondition<Boolean> condition) {
    new WebDriverWait(driver, DEADLINE, Duration.ofMillis(50))
        .withMessage(() -> what + "; state=" + text("state") + " reason=" + text("reason") + " log:\n" + logText())
        .until(condition);
  }

  private String text(String id) {
    return driver.findElement(By.id(id)).getText();
  }

  private String logText() {
    return driver.findElement(By.id("log")).getText();
  }

  private long number(String script) {
    return ((Number) ((JavascriptExecutor) driver).executeScript(script)).longValue();
  }

  private static String logLine(String data) {
    return "//ol[@id='log']/li[span[@class='data' and text()=" + xpathLiteral(data) + "]]";
  }

  /** How many times the page's log shows an event whose data is exactly {@code data}. */
  private int shown(String data) {
    return driver.findElements(By.xpath(logLine(data))).size();
  }

  private static String xpathLiteral(String s) {
    return s.contains("'") ? "\"" + s + "\"" : "'" + s + "'";
  }

  private void screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Assertions.fail("could not save the screenshot of " + name, e);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
