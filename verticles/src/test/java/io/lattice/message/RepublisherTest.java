package io.lattice.message;

import io.lattice.model.Addresses;
import io.lattice.model.Message;
import io.lattice.store.MessageStore;
import io.lattice.store.MutableClock;
import io.lattice.store.TestVertx;
import io.lattice.store.embedded.SqliteDatabase;
import io.lattice.store.embedded.SqliteMessageStore;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A message stored here whose publication failed (node died, log unreachable) is published by a later sweep. */
class RepublisherTest {

  @TempDir
  Path dir;
  private Vertx vertx;
  private io.vertx.core.Context context;
  private MessageStore store;
  private final MutableClock clock = MutableClock.startingNow();
  private final List<String> published = new CopyOnWriteArrayList<>();
  private final AtomicBoolean logUp = new AtomicBoolean();

  @BeforeEach
  void setUp() {
    vertx = TestVertx.create();
    context = vertx.getOrCreateContext();
    SqliteDatabase db = await(SqliteDatabase.open(vertx, dir.resolve("region.db")));
    store = new SqliteMessageStore(db);
    db.close();
    vertx.eventBus().<JsonObject>localConsumer(Addresses.REPLICATE_MESSAGE, m -> {
      if (logUp.get()) {
        published.add(m.body().getString("messageId"));
        m.reply(new JsonObject());
      } else {
        m.fail(503, "log unreachable");
      }
    });
  }

  @AfterEach
  void tearDown() {
    await(store.close());
    await(vertx.close());
  }

  private Message append(String id) {
    return await(store.append(new MessageStore.NewMessage(id, "c-1", "alice", "hi", null, clock.millis(), 1,
        "us-east"))).message();
  }

  private Republisher republisher() {
    return new Republisher(vertx, store, "us-east", clock, 10_000, 3_600_000);
  }

  /** The republisher lives on one event loop, like in its verticle. */
  private <T> T onContext(java.util.function.Supplier<io.vertx.core.Future<T>> op) {
    return await(io.vertx.core.Future.<T>future(p -> context.runOnContext(x -> op.get().onComplete(p))));
  }

  private int sweep(Republisher republisher) {
    return onContext(republisher::sweep);
  }

  @Test
  void aMessageWhosePublicationFailedIsPublishedByALaterSweep() {
    Message stuck = append("m-stuck");
    Republisher republisher = republisher();

    assertThat(sweep(republisher)).as("too recent: its publication may still be in flight").isZero();
    clock.advance(Duration.ofSeconds(11));
    assertThat(sweep(republisher)).as("the log is down").isZero();
    assertThat(published).isEmpty();

    logUp.set(true);
    assertThat(sweep(republisher)).isEqualTo(1);
    assertThat(published).containsExactly(stuck.messageId());
    assertThat(await(store.unpublished("us-east", 0, clock.millis() + 1, 10))).isEmpty();
    assertThat(sweep(republisher)).as("nothing left").isZero();
  }

  @Test
  void confirmedMessagesAreNotPublishedAgain() {
    Message ok = append("m-ok");
    Message stuck = append("m-lost");
    Republisher republisher = republisher();
    logUp.set(true);
    onContext(() -> {
      republisher.confirmed(ok);
      republisher.start(60_000, 10);
      return io.vertx.core.Future.succeededFuture();
    });
    TestVertx.eventually("the confirmation stored", () -> await(store.unpublished("us-east", 0,
        clock.millis() + 1, 10)).equals(List.of(stuck)));

    clock.advance(Duration.ofSeconds(11));
    sweep(republisher);

    assertThat(published).containsExactly(stuck.messageId());
  }
}
