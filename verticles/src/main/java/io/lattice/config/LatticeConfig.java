package io.lattice.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the node's configuration comes from: the conf file named by {@code --conf} (system property
 * {@code lattice.conf}), then environment overrides ({@link ConfigOverrides}). Each verticle reads its own block.
 */
public final class LatticeConfig {
  public static final String CONF_PROPERTY = "lattice.conf";
  public static final String DEFAULT_CONF = "conf/demo/us-east.json";

  private LatticeConfig() {
  }

  public static String confPath() {
    return System.getProperty(CONF_PROPERTY, DEFAULT_CONF);
  }

  /** Through vertx-config, for the running node. */
  public static Future<JsonObject> load(Vertx vertx) {
    ConfigStoreOptions file = new ConfigStoreOptions().setType("file").setFormat("json")
        .setConfig(new JsonObject().put("path", confPath()));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions().addStore(file)
        .setScanPeriod(-1));
    retriever.setConfigurationProcessor(LatticeConfig::withOverrides);
    return retriever.getConfig().andThen(ar -> retriever.close());
  }

  /** Synchronously, for the launcher, which needs the cluster block before Vert.x exists. */
  public static JsonObject loadSync() {
    try {
      return withOverrides(new JsonObject(Files.readString(Path.of(confPath()))));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read configuration " + confPath(), e);
    }
  }

  private static JsonObject withOverrides(JsonObject conf) {
    return ConfigOverrides.apply(conf, System.getenv(), System.getProperties());
  }
}
