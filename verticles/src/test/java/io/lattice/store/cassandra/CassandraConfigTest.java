package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CassandraConfigTest {

  @Test
  void theDocumentedBlockIsRead() {
    CassandraConfig config = CassandraConfig.fromJson(new JsonObject("""
        {"contactPoints": ["127.0.0.1:9042", "10.0.0.2:19042"], "localDatacenter": "eu-west", "keyspace": "lattice",
         "replication": {"us-east": 3, "eu-west": 2}, "writeConsistency": "LOCAL_QUORUM",
         "readConsistency": "local_one"}"""));

    assertThat(config.contactPoints()).containsExactly(new InetSocketAddress("127.0.0.1", 9042),
        new InetSocketAddress("10.0.0.2", 19042));
    assertThat(config.localDatacenter()).isEqualTo("eu-west");
    assertThat(config.replication()).isEqualTo(Map.of("us-east", 3, "eu-west", 2));
    assertThat(config.writeConsistency()).isEqualTo(DefaultConsistencyLevel.LOCAL_QUORUM);
    assertThat(config.readConsistency()).isEqualTo(DefaultConsistencyLevel.LOCAL_ONE);
    assertThat(config.serialConsistency()).isEqualTo(DefaultConsistencyLevel.LOCAL_SERIAL);
    assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.decisionConsistency()).isEqualTo(DefaultConsistencyLevel.LOCAL_QUORUM);
  }

  @Test
  void decisionReadsAreNeverWeakerThanWritesAndAlwaysReadable() {
    CassandraConfig each = CassandraConfig.fromJson(new JsonObject().put("writeConsistency", "EACH_QUORUM"));
    assertThat(each.decisionConsistency()).isEqualTo(DefaultConsistencyLevel.LOCAL_QUORUM);
    CassandraConfig quorum = CassandraConfig.fromJson(new JsonObject().put("writeConsistency", "QUORUM"));
    assertThat(quorum.decisionConsistency()).isEqualTo(DefaultConsistencyLevel.QUORUM);
  }

  @Test
  void badBlocksAreRejected() {
    assertThatThrownBy(() -> CassandraConfig.fromJson(new JsonObject().put("localDatacenter", "ap-south")
        .put("replication", new JsonObject().put("us-east", 3))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("local datacenter");
    assertThatThrownBy(() -> CassandraConfig.fromJson(new JsonObject().put("keyspace", "x; DROP")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CassandraConfig.fromJson(new JsonObject().put("serialConsistency", "QUORUM")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CassandraConfig.fromJson(new JsonObject().put("contactPoints", List.of())))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
