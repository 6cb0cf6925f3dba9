package io.lattice.gateway;

import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * Query parameters of a WebSocket upgrade, read from its URI. Not with {@code request.getParam}: that makes the request
 * keep a decoded map of all its parameters for as long as it lives, and an upgraded request lives as long as its
 * WebSocket (a JWT in the query: ~0.4 KB per idle connection, docs/performance.md).
 */
final class UpgradeQuery {

  private UpgradeQuery() {
  }

  /** A malformed escape (a hostile or broken client) stays as sent: it then fails verification as any bad token. */
  private static String decoded(String value) {
    try {
      return QueryStringDecoder.decodeComponent(value);
    } catch (IllegalArgumentException malformed) {
      return value;
    }
  }

  /** The first value of the URI's query parameter {@code name}, decoded; "" when it has no value; null when absent. */
  static String param(String uri, String name) {
    int query = uri.indexOf('?');
    if (query < 0) {
      return null;
    }
    int end = uri.indexOf('#', query);
    end = end < 0 ? uri.length() : end;
    int start = query + 1;
    while (start < end) {
      int amp = uri.indexOf('&', start);
      int stop = amp < 0 || amp > end ? end : amp;
      int eq = uri.indexOf('=', start);
      boolean hasValue = eq >= 0 && eq < stop;
      int nameEnd = hasValue ? eq : stop;
      if (nameEnd - start == name.length() && uri.startsWith(name, start)) {
        return hasValue ? decoded(uri.substring(eq + 1, stop)) : "";
      }
      start = stop + 1;
    }
    return null;
  }
}
