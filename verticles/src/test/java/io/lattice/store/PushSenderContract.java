package io.lattice.store;

import io.lattice.store.PushSender.PushNotification;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@link PushSender} contract, for every sender that reaches a push service over HTTP: extend it with a test
 * that runs a local endpoint checking what that service checks (authentication, encryption, message shape), and
 * answers each attempt for each device as {@link #nextAnswer} says, in the service's own words (status, error
 * body).
 *
 * <p>Webhook senders address one URL, not devices: for them {@link #addressesDevices} is false, "a device" is that
 * URL, and the tests about users without devices or gone devices do not apply.
 */
public abstract class PushSenderContract {

  protected static final PushNotification NOTIFICATION =
      new PushNotification("bob", "d-1", "m-1", "alice", "see you at 8 " + "x".repeat(500));

  /** What the endpoint answers to one attempt, in terms every push service has. */
  public enum Answer {
    /** Accepted (2xx). */
    OK,
    /** A server error (5xx): worth retrying. */
    UNAVAILABLE,
    /** 429: worth retrying, after the Retry-After the answer carries (0 here). */
    TOO_MANY_REQUESTS,
    /** A final refusal (a 4xx other than 429), not about the device. */
    REFUSED,
    /** The device no longer exists (FCM UNREGISTERED, Web Push 410). */
    GONE
  }

  private final Map<String, IntFunction<Answer>> scripts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

  /** A sender on the test's Vert.x instance, to the local endpoint, retrying with short delays. */
  protected abstract PushSender createSender(int maxAttempts);

  protected abstract Vertx vertx();

  /** Registers a device of the user (for a webhook: nothing to do, the URL is the one device). */
  protected abstract void register(String userId, String device);

  /** The user's devices as the sender's device store now has them. */
  protected abstract List<String> devicesOf(String userId);

  /**
   * The endpoint's side: counts one attempt that reached it for {@code device} and says how to answer it, as
   * {@link #script}ed, else as {@code unscripted} says (the subclass's own tests' answers).
   */
  protected Answer nextAnswer(String device, IntFunction<Answer> unscripted) {
    String key = endpointKey(device);
    int attempt = attempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    return scripts.getOrDefault(key, unscripted).apply(attempt);
  }

  /** Whom attempts are counted and scripted for: the device, or for a webhook its one URL whatever the device. */
  protected String endpointKey(String device) {
    return device;
  }

  /** How the endpoint answers attempt n (1, 2, ...) for {@code device}. */
  protected void script(String device, IntFunction<Answer> answerForAttempt) {
    scripts.put(endpointKey(device), answerForAttempt);
  }

  /** Attempts that reached the endpoint for {@code device}. */
  protected int attempts(String device) {
    AtomicInteger n = attempts.get(endpointKey(device));
    return n == null ? 0 : n.get();
  }

  /** Attempts that reached the endpoint, for any device. */
  protected int totalAttempts() {
    return attempts.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /**
   * The notifications the endpoint accepted, as it read them (decrypted, where the protocol encrypts): each with
   * {@code device} (where the sender addresses devices), {@code conversationId}, {@code messageId}, {@code senderId} and {@code preview}.
   */
  protected abstract List<JsonObject> delivered();

  protected boolean addressesDevices() {
    return true;
  }

  @Test
  void aNotificationReachesEveryDeviceWithItsIdsAndATruncatedPreview() throws Exception {
    register("bob", "phone");
    register("bob", "tablet");
    await(createSender(3).send(NOTIFICATION));

    List<JsonObject> got = delivered();
    if (addressesDevices()) {
      assertThat(got).extracting(d -> d.getString("device")).containsExactlyInAnyOrder("phone", "tablet");
    } else {
      assertThat(got).hasSize(1);
    }
    for (JsonObject d : got) {
      assertThat(d.getString("conversationId")).isEqualTo("d-1");
      assertThat(d.getString("messageId")).isEqualTo("m-1");
      assertThat(d.getString("senderId")).isEqualTo("alice");
      // Push services cap payloads: the preview is a teaser, cut at 200 characters.
      assertThat(d.getString("preview")).startsWith("see you at 8 xxx").hasSizeLessThanOrEqualTo(201);
    }
  }

  @Test
  void serverErrorsAreRetriedUntilOneSucceeds() {
    register("bob", "phone");
    script("phone", n -> n <= 2 ? Answer.UNAVAILABLE : Answer.OK);
    await(createSender(5).send(NOTIFICATION));
    assertThat(attempts("phone")).isEqualTo(3);
    assertThat(delivered()).hasSize(1);
  }

  @Test
  void tooManyRequestsIsRetried() {
    register("bob", "phone");
    script("phone", n -> n == 1 ? Answer.TOO_MANY_REQUESTS : Answer.OK);
    await(createSender(3).send(NOTIFICATION));
    assertThat(attempts("phone")).isEqualTo(2);
    assertThat(delivered()).hasSize(1);
  }

  @Test
  void givesUpAfterMaxAttempts() {
    register("bob", "phone");
    script("phone", n -> Answer.UNAVAILABLE);
    awaitFailure(createSender(3).send(NOTIFICATION));
    assertThat(attempts("phone")).isEqualTo(3);
    assertThat(delivered()).isEmpty();
  }

  @Test
  void aFinalRefusalIsNotRetriedAndKeepsTheDevice() {
    register("bob", "phone");
    script("phone", n -> Answer.REFUSED);
    awaitFailure(createSender(5).send(NOTIFICATION));
    assertThat(attempts("phone")).isEqualTo(1);
    if (addressesDevices()) {
      assertThat(devicesOf("bob")).containsExactly("phone"); // the refusal is not the device's fault
    }
  }

  @Test
  void aUserWithoutDevicesIsNothingToDo() {
    assumeTrue(addressesDevices(), "a webhook has no devices to look up");
    register("bob", "phone");
    await(createSender(3).send(new PushNotification("carol", "d-1", "m-1", "alice", "hi")));
    assertThat(totalAttempts()).isZero();
  }

  @Test
  void aGoneDeviceIsRemovedWithoutRetryAndTheOthersStillGetIt() {
    assumeTrue(addressesDevices(), "a webhook has no devices to remove");
    register("bob", "old-phone");
    register("bob", "phone");
    script("old-phone", n -> Answer.GONE);
    await(createSender(3).send(NOTIFICATION));
    assertThat(attempts("old-phone")).isEqualTo(1);
    assertThat(devicesOf("bob")).containsExactly("phone");
    assertThat(delivered()).extracting(d -> d.getString("device")).containsExactly("phone");
  }

  @Test
  void theFutureCompletesOnTheCallersContext() {
    register("bob", "phone");
    script("phone", n -> n == 1 ? Answer.UNAVAILABLE : Answer.OK); // through a retry timer, too
    PushSender sender = createSender(3);
    Context context = vertx().getOrCreateContext();
    assertThat(TestVertx.completionContext(context, () -> sender.send(NOTIFICATION))).isSameAs(context);
  }
}
