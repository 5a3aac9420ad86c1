package dev.ssegateway.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.regex.Pattern;

/**
 * JSON exactly as RFC 8259 (and a browser's {@code JSON.parse}) defines it, for every JSON body a client
 * sends: ingest data declared {@code application/json}, {@code PUT /admin/config}, a JWT's payload. Vert.x's
 * own decoder accepts comments; this one refuses them and every other lenient form Jackson knows (single
 * quotes, unquoted names, trailing commas, {@code NaN}, leading zeros, control characters in strings,
 * anything after the value). It is Jackson's streaming parser with every leniency off, so nothing is built
 * while checking; a refusal's message never repeats the body's text (it may hold a secret).
 */
public final class StrictJson {

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
      .disable(JsonReadFeature.ALLOW_YAML_COMMENTS)
      .disable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
      .disable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
      .disable(JsonReadFeature.ALLOW_TRAILING_COMMA)
      .disable(JsonReadFeature.ALLOW_MISSING_VALUES)
      .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .disable(JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS)
      .disable(JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS)
      .disable(JsonReadFeature.ALLOW_LEADING_DECIMAL_POINT_FOR_NUMBERS)
      .disable(JsonReadFeature.ALLOW_TRAILING_DECIMAL_POINT_FOR_NUMBERS)
      .disable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
      .disable(JsonReadFeature.ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER)
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build();

  /** Jackson quotes the offending text in some messages; it is the client's (or the conf file's) own text. */
  private static final Pattern QUOTED_TOKEN = Pattern.compile("Unrecognized token '[^']*'");

  private StrictJson() {
  }

  /**
   * Checks that {@code text} is one strict JSON value and nothing else.
   *
   * @throws DecodeException naming the first problem and its line and column
   */
  public static void check(String text) {
    try (JsonParser parser = FACTORY.createParser(text)) {
      if (parser.nextToken() == null) {
        throw new DecodeException("the body is empty");
      }
      parser.skipChildren();
      JsonToken after = parser.nextToken();
      if (after != null) {
        throw new DecodeException("unexpected content after the JSON value at line "
            + parser.currentLocation().getLineNr() + " column " + parser.currentLocation().getColumnNr());
      }
    } catch (JsonProcessingException e) {
      throw new DecodeException(describe(e));
    } catch (IOException e) {
      throw new DecodeException(String.valueOf(e.getMessage()));
    }
  }

  /** {@code text} as a JSON object, checked strictly first. */
  public static JsonObject object(String text) {
    check(text);
    Object value = Json.decodeValue(text);
    if (!(value instanceof JsonObject object)) {
      throw new DecodeException("expected a JSON object");
    }
    return object;
  }

  private static String describe(JsonProcessingException e) {
    String message = QUOTED_TOKEN.matcher(String.valueOf(e.getOriginalMessage())).replaceAll("Unrecognized token");
    int nl = message.indexOf('\n');
    message = nl < 0 ? message : message.substring(0, nl);
    return e.getLocation() == null ? message
        : message + " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
  }
}
