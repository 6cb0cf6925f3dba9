package io.lattice.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Map;

/**
 * Environment overrides of the JSON configuration: {@code LATTICE_GATEWAY__HEARTBEAT_SECONDS=5} sets
 * {@code gateway.heartbeatSeconds}. Segments are separated by a double underscore and matched against existing keys
 * ignoring case and single underscores, so the camelCase keys of conf/*.json need no second naming scheme. Values
 * are parsed as JSON when they parse ({@code 5}, {@code true}, {@code ["a"]}), otherwise taken as strings.
 *
 * <p>Also applies the command line's {@code --node} and {@code --port} (system properties {@code lattice.node} and
 * {@code lattice.port}), which win over both.
 */
public final class ConfigOverrides {
  public static final String ENV_PREFIX = "LATTICE_";

  private ConfigOverrides() {
  }

  public static JsonObject apply(JsonObject conf, Map<String, String> env, Map<?, ?> systemProperties) {
    JsonObject result = conf.copy();
    env.forEach((name, value) -> {
      if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
        set(result, name.substring(ENV_PREFIX.length()).split("__"), parse(value));
      }
    });
    Object node = systemProperties.get("lattice.node");
    if (node != null) {
      result.put("node", node.toString());
    }
    Object port = systemProperties.get("lattice.port");
    if (port != null) {
      result.put("gateway", result.getJsonObject("gateway", new JsonObject()).put("port", Integer.parseInt(
          port.toString())));
    }
    return result;
  }

  private static void set(JsonObject root, String[] path, Object value) {
    JsonObject target = root;
    for (int i = 0; i < path.length - 1; i++) {
      String key = match(target, path[i]);
      Object child = target.getValue(key);
      if (!(child instanceof JsonObject)) {
        child = new JsonObject();
        target.put(key, child);
      }
      target = (JsonObject) child;
    }
    target.put(match(target, path[path.length - 1]), value);
  }

  /** The existing key that the env segment names, or a camelCase key made from it. */
  private static String match(JsonObject object, String segment) {
    String wanted = normalize(segment);
    for (String key : object.fieldNames()) {
      if (normalize(key).equals(wanted)) {
        return key;
      }
    }
    StringBuilder camel = new StringBuilder();
    boolean upper = false;
    for (char c : segment.toLowerCase(Locale.ROOT).toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        camel.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return camel.toString();
  }

  private static String normalize(String key) {
    return key.replace("_", "").toLowerCase(Locale.ROOT);
  }

  private static Object parse(String value) {
    try {
      return Json.decodeValue(value);
    } catch (DecodeException e) {
      return value;
    }
  }
}
