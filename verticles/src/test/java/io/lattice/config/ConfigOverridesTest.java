package io.lattice.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigOverridesTest {
  private final JsonObject base = new JsonObject()
      .put("node", "n1")
      .put("gateway", new JsonObject().put("port", 8081).put("heartbeatSeconds", 30)
          .put("rateLimit", new JsonObject().put("perSecond", 20)));

  @Test
  void should_match_camel_case_keys_from_env_names_and_parse_json_values() {
    JsonObject conf = ConfigOverrides.apply(base, Map.of(
        "LATTICE_GATEWAY__HEARTBEAT_SECONDS", "5",
        "LATTICE_GATEWAY__RATE_LIMIT__PER_SECOND", "2.5",
        "LATTICE_CLUSTER__MEMBERS", "[\"127.0.0.1:5701\"]",
        "LATTICE_AUTH__HS256_SECRET", "plain text"), Map.of());
    assertThat(conf.getJsonObject("gateway").getInteger("heartbeatSeconds")).isEqualTo(5);
    assertThat(conf.getJsonObject("gateway").getJsonObject("rateLimit").getDouble("perSecond")).isEqualTo(2.5);
    assertThat(conf.getJsonObject("cluster").getJsonArray("members")).isEqualTo(new JsonArray().add("127.0.0.1:5701"));
    assertThat(conf.getJsonObject("auth").getString("hs256Secret")).isEqualTo("plain text");
  }

  @Test
  void should_let_the_command_line_win_and_leave_the_input_untouched() {
    JsonObject conf = ConfigOverrides.apply(base, Map.of("LATTICE_NODE", "n7"),
        Map.of("lattice.node", "n2", "lattice.port", "8082"));
    assertThat(conf.getString("node")).isEqualTo("n2");
    assertThat(conf.getJsonObject("gateway").getInteger("port")).isEqualTo(8082);
    assertThat(base.getJsonObject("gateway").getInteger("port")).isEqualTo(8081);
  }

  @Test
  void should_ignore_variables_without_the_prefix() {
    JsonObject conf = ConfigOverrides.apply(base, Map.of("PATH", "/bin", "LATTICE_", "x"), Map.of());
    assertThat(conf).isEqualTo(base);
  }
}
