package io.lattice.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code SCENARIO [--key value | --flag]...}: every option is read once through a typed getter with its default. */
final class Args {
  final String scenario;
  private final Map<String, String> values = new LinkedHashMap<>();
  private final Set<String> used = new LinkedHashSet<>();

  Args(String[] argv) {
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (a.startsWith("--")) {
        String key = a.substring(2);
        int eq = key.indexOf('=');
        if (eq > 0) {
          values.put(key.substring(0, eq), key.substring(eq + 1));
        } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
          values.put(key, argv[++i]);
        } else {
          values.put(key, "true");
        }
      } else {
        positional.add(a);
      }
    }
    scenario = positional.isEmpty() ? "help" : positional.get(0);
  }

  String string(String key, String def) {
    used.add(key);
    return values.getOrDefault(key, def);
  }

  int integer(String key, int def) {
    String v = string(key, null);
    return v == null ? def : Integer.parseInt(v.replace("_", "").replace(",", ""));
  }

  double decimal(String key, double def) {
    String v = string(key, null);
    return v == null ? def : Double.parseDouble(v.replace("_", "").replace(",", ""));
  }

  boolean flag(String key) {
    String v = string(key, null);
    return v != null && !v.equals("false");
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  /** Options given but never asked for: typos, or options of another scenario. */
  List<String> unused() {
    return values.keySet().stream().filter(k -> !used.contains(k)).toList();
  }

  Map<String, String> given() {
    return values;
  }
}
