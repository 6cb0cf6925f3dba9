package io.lattice;

import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LatticeApplicationTest {

  @Test
  void should_expand_member_port_ranges_that_hazelcast_does_not_take() {
    assertThat(LatticeApplication.expandPortRanges(new JsonArray().add("127.0.0.1:5701-5703").add("10.0.0.1:5701")
        .add("host")))
        .containsExactly("127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703", "10.0.0.1:5701", "host");
  }
}
