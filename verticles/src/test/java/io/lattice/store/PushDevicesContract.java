package io.lattice.store;

import io.lattice.notification.DeviceCodec;
import io.lattice.notification.PushDevices;
import io.lattice.notification.WebPushSubscription;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link PushDevices} contract, for every adapter: extend it and implement {@link #createDevices}. Both kinds
 * of device are exercised, FCM tokens (strings) and Web Push subscriptions (records), since what must round-trip
 * differs. User ids are fresh per test, so adapters sharing a cluster or server between tests need no cleanup.
 */
public abstract class PushDevicesContract {

  protected Vertx vertx;
  protected PushDevices<String> fcm;
  protected PushDevices<WebPushSubscription> webPush;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  /** An adapter for one kind of device; released by {@link #closeAdapters}. */
  protected abstract <D> PushDevices<D> createDevices(Vertx vertx, DeviceCodec<D> codec);

  protected void closeAdapters() {
  }

  @BeforeEach
  void open() {
    vertx = TestVertx.create();
    fcm = createDevices(vertx, DeviceCodec.FCM);
    webPush = createDevices(vertx, DeviceCodec.WEB_PUSH);
  }

  @AfterEach
  void close() {
    try {
      closeAdapters();
    } finally {
      await(vertx.close());
    }
  }

  protected String user(String name) {
    return name + "-" + run;
  }

  protected static WebPushSubscription subscription(String device) {
    return new WebPushSubscription("https://push.example.test/send/" + device, "BPk-" + device, "auth-" + device);
  }

  @Test
  void registeredDevicesAreListedAndAnUnknownUserHasNone() {
    assertThat(await(fcm.add(user("bob"), "token-phone"))).isTrue();
    assertThat(await(fcm.add(user("bob"), "token-tablet"))).isTrue();

    assertThat(await(fcm.devicesOf(user("bob")))).containsExactlyInAnyOrder("token-phone", "token-tablet");
    assertThat(await(fcm.devicesOf(user("nobody")))).isEmpty();
  }

  @Test
  void registeringAgainKeepsOneDevice() {
    assertThat(await(fcm.add(user("bob"), "token-phone"))).isTrue();
    assertThat(await(fcm.add(user("bob"), "token-phone"))).isTrue();
    assertThat(await(webPush.add(user("bob"), subscription("laptop")))).isTrue();
    assertThat(await(webPush.add(user("bob"), subscription("laptop")))).isTrue();

    assertThat(await(fcm.devicesOf(user("bob")))).containsExactly("token-phone");
    assertThat(await(webPush.devicesOf(user("bob")))).containsExactly(subscription("laptop"));
  }

  @Test
  void removeDropsThatDeviceOnlyAndRemovingAnAbsentOneIsANoOp() {
    await(fcm.add(user("bob"), "token-phone"));
    await(fcm.add(user("bob"), "token-tablet"));

    await(fcm.remove(user("bob"), "token-phone"));
    await(fcm.remove(user("bob"), "token-phone"));
    await(fcm.remove(user("bob"), "never-registered"));
    await(fcm.remove(user("nobody"), "token-tablet"));

    assertThat(await(fcm.devicesOf(user("bob")))).containsExactly("token-tablet");
  }

  @Test
  void usersAreIsolated() {
    await(fcm.add(user("alice"), "shared-token"));
    await(fcm.add(user("bob"), "shared-token"));
    await(fcm.add(user("bob"), "bobs-token"));

    await(fcm.remove(user("alice"), "shared-token"));

    assertThat(await(fcm.devicesOf(user("alice")))).isEmpty();
    assertThat(await(fcm.devicesOf(user("bob")))).containsExactlyInAnyOrder("shared-token", "bobs-token");
  }

  @Test
  void kindsAreSeparate() {
    await(fcm.add(user("bob"), "token-phone"));
    await(webPush.add(user("bob"), subscription("laptop")));

    assertThat(await(fcm.devicesOf(user("bob")))).containsExactly("token-phone");
    assertThat(await(webPush.devicesOf(user("bob")))).containsExactly(subscription("laptop"));
  }

  @Test
  void aWebPushSubscriptionRoundTripsWholeAndIsRemovedByValue() {
    WebPushSubscription laptop = subscription("laptop");
    // The same endpoint with other keys is another subscription (the browser subscribed again).
    WebPushSubscription renewed = new WebPushSubscription(laptop.endpoint(), "BPk-renewed", "auth-renewed");
    await(webPush.add(user("bob"), laptop));
    await(webPush.add(user("bob"), renewed));

    assertThat(await(webPush.devicesOf(user("bob")))).containsExactlyInAnyOrder(laptop, renewed);

    await(webPush.remove(user("bob"), subscription("laptop")));
    assertThat(await(webPush.devicesOf(user("bob")))).containsExactly(renewed);
  }

  @Test
  void aUserKeepsAtMostTheCapAndOneMoreIsRefusedWithoutDroppingAny() {
    for (int i = 0; i < PushDevices.MAX_DEVICES_PER_USER; i++) {
      assertThat(await(fcm.add(user("bob"), "token-" + i))).isTrue();
    }
    assertThat(await(fcm.add(user("bob"), "one-too-many"))).isFalse();
    assertThat(await(fcm.add(user("bob"), "token-0"))).as("re-registering at the cap").isTrue();
    assertThat(await(fcm.devicesOf(user("bob")))).hasSize(PushDevices.MAX_DEVICES_PER_USER)
        .doesNotContain("one-too-many");
    // Another user is not affected by bob's cap.
    assertThat(await(fcm.add(user("alice"), "token-0"))).isTrue();
  }

  @Test
  void futuresCompleteOnTheCallersContext() {
    Context context = vertx.getOrCreateContext();
    assertThat(TestVertx.completionContext(context, () -> fcm.add(user("bob"), "token-phone"))).isSameAs(context);
    assertThat(TestVertx.completionContext(context, () -> fcm.devicesOf(user("bob")))).isSameAs(context);
    assertThat(TestVertx.completionContext(context, () -> fcm.remove(user("bob"), "token-phone"))).isSameAs(context);
  }
}
