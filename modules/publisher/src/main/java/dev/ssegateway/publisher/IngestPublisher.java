package dev.ssegateway.publisher;

import dev.ssegateway.core.BadEventException;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.HttpErrors;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.StrictJson;
import dev.ssegateway.core.TokenAuth;
import dev.ssegateway.core.Topics;
import dev.ssegateway.core.WireNames;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * {@code POST /publish/{topic}[?event=TYPE]}: the HTTP ingest. The body is the event's data, sent as
 * {@code application/json} (must be strict RFC 8259 JSON: no comments, see {@link StrictJson}) or {@code text/*} in UTF-8 (must decode). It answers 202 with the
 * event's id once the event is on the bus, or a status with a JSON error: 400 bad topic, type, JSON or
 * UTF-8; 401/403 without the ingest token or a JWT granting the topic ({@link TokenAuth}); 413 over {@code limits.max_event_bytes}; 415 other content
 * types. A refused request publishes nothing. {@code Expect: 100-continue} is answered {@code 100 Continue} once
 * every check that needs no body has passed, or with the refusal (401, 403, 413 for a declared length, 415) as
 * the final answer before any body byte is sent.
 */
public final class IngestPublisher implements Handler<RoutingContext> {

  private final EventPublisher publisher;
  private final LiveSettings live;
  private final TokenAuth auth;

  private IngestPublisher(EventPublisher publisher, LiveSettings live, TokenAuth auth) {
    this.publisher = publisher;
    this.live = live;
    this.auth = java.util.Objects.requireNonNull(auth, "auth");
  }

  /** The ingest publishing through {@code publisher}, checking callers with the node's {@code auth}. */
  public static IngestPublisher create(EventPublisher publisher, LiveSettings live, TokenAuth auth) {
    return new IngestPublisher(publisher, live, auth);
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    GatewaySettings settings = live.current();
    String topic = ctx.pathParam("topic");
    // Hold the body until the caller is known: a JWT check may complete later, and body bytes that arrive
    // before the handlers below are set would otherwise be lost (accept() resumes the request).
    request.pause();
    // the ingest token, or a JWT whose sse.publish claim grants this topic
    auth.allowPublish(request, topic, settings).onComplete(allowed -> {
      if (allowed.succeeded() && allowed.result()) {
        accept(ctx, settings, topic);
      } else if (allowed.failed()) {
        HttpErrors.send(response, 500, "internal_error", "the token could not be checked");
      }
    });
  }

  private void accept(RoutingContext ctx, GatewaySettings settings, String topic) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    String problem = Topics.topicProblem(topic);
    if (problem != null) {
      HttpErrors.send(response, 400, "invalid_topic", problem);
      return;
    }
    String type = request.getParam(WireNames.EVENT_PARAM, Topics.DEFAULT_TYPE);
    problem = Topics.typeProblem(type);
    if (problem != null) {
      HttpErrors.send(response, 400, "invalid_event_type", problem);
      return;
    }
    String contentType = request.getHeader("Content-Type");
    String mime = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    boolean json = mime.equals("application/json") || mime.endsWith("+json");
    if (!json && !mime.startsWith("text/")) {
      HttpErrors.send(response, 415, "unsupported_media_type", "Content-Type '" + Topics.printable(
          contentType == null ? "" : contentType) + "' is not supported; send application/json or text/plain in UTF-8");
      return;
    }
    String charset = charsetOf(contentType);
    if (charset != null && !charset.equals("utf-8") && !charset.equals("utf8")) {
      HttpErrors.send(response, 415, "unsupported_charset", "charset '" + charset + "' is not supported; send UTF-8");
      return;
    }
    int max = settings.maxEventBytes();
    String length = request.getHeader("Content-Length");
    if (length != null && parseLong(length) > max) {
      tooLarge(response, max);
      return;
    }
    Buffer body = Buffer.buffer();
    boolean[] refused = {false};
    request.handler(chunk -> {
      if (refused[0]) {
        return;
      }
      if (body.length() + chunk.length() > max) {
        refused[0] = true;
        tooLarge(response, max);
        return;
      }
      body.appendBuffer(chunk);
    });
    request.exceptionHandler(err -> refused[0] = true);
    request.endHandler(v -> {
      if (!refused[0]) {
        publish(response, topic, type, body, json);
      }
    });
    if (expectsContinue(request)) {
      // every check that needs no body has passed: ask for it (a refusal above was the final answer instead)
      response.writeContinue();
    }
    request.resume();
  }

  private void publish(HttpServerResponse response, String topic, String type, Buffer body, boolean json) {
    String data;
    try {
      data = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body.getBytes())).toString();
    } catch (CharacterCodingException e) {
      HttpErrors.send(response, 400, "invalid_utf8", "the body is not valid UTF-8: " + e.getMessage());
      return;
    }
    if (json) {
      try {
        StrictJson.check(data);
      } catch (DecodeException e) {
        HttpErrors.send(response, 400, "invalid_json", "the body is not valid JSON: " + firstLine(e.getMessage()));
        return;
      }
    }
    publisher.publish(topic, type, data)
        .onSuccess(id -> response.setStatusCode(202)
            .putHeader("Content-Type", "application/json; charset=utf-8")
            .end(new JsonObject().put("id", id).put("topic", topic).put("event", type).encode()))
        .onFailure(err -> {
          if (err instanceof BadEventException bad && "too_large".equals(bad.reason())) {
            tooLarge(response, live.current().maxEventBytes());
          } else {
            HttpErrors.send(response, 400, err instanceof BadEventException bad ? bad.reason() : "refused",
                err.getMessage());
          }
        });
  }

  /** An HTTP/1.1 client that holds its body back until told {@code 100 Continue} (RFC 9110 10.1.1). */
  private static boolean expectsContinue(HttpServerRequest request) {
    String expect = request.getHeader("Expect");
    return expect != null && expect.trim().equalsIgnoreCase("100-continue") && request.version() == HttpVersion.HTTP_1_1;
  }

  private static void tooLarge(HttpServerResponse response, int max) {
    response.putHeader("Connection", "close");
    HttpErrors.send(response, 413, "payload_too_large", "the body is larger than limits.max_event_bytes=" + max
        + " bytes");
  }

  private static String charsetOf(String contentType) {
    if (contentType == null) {
      return null;
    }
    for (String part : contentType.split(";")) {
      String p = part.trim().toLowerCase(Locale.ROOT);
      if (p.startsWith("charset=")) {
        return p.substring(8).replace("\"", "").trim();
      }
    }
    return null;
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
