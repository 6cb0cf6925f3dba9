package io.lattice.e2e;

import io.lattice.e2e.WebBrowsers.Browser;
import io.lattice.e2e.support.Checks;
import io.lattice.e2e.support.RegionCluster;
import io.lattice.e2e.support.TestClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lattice.e2e.support.TestClient.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web client (verticles/src/main/resources/webroot, served at /) in a real headless Chromium against a real
 * region of two nodes: sign-in, conversations, messages across nodes, checkmarks from receipts, typing, presence,
 * image upload, SockJS, and reconnect with resync and resend. Every test uses fresh user ids.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver} ({@code /usr/bin/chromium},
 * {@code /usr/bin/chromedriver}); skipped when {@code /usr/bin/chromium} is absent. Selenium Manager is never
 * used: the driver executable and the browser binary are given explicitly.
 *
 * <p>The page is driven through the stable ids and data attributes documented at the top of webroot/app.js.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebClientBrowserIT {
  private static final Path SCREENSHOT = Path.of("/tmp/lattice-chat.png");
  private static final int TOKEN_TTL_SECONDS = 60;
  private static final int N1 = 0;
  private static final int N2 = 1;

  private static RegionCluster region;
  private final List<Browser> browsers = new ArrayList<>();
  private final List<TestClient> clients = new ArrayList<>();

  @BeforeAll
  static void startRegion() {
    WebBrowsers.assumeChromium();
    // Short-lived tokens, so that the page's proactive refresh (at ~80% of the lifetime) happens within a test.
    // /api/regions lists this region with both nodes (what the JavaScript library fails over between), and the API
    // answers cross-origin calls (a page served by one node talks to the other).
    region = RegionCluster.builder().name("WebClientBrowserIT").nodes(2).listNodesInRegions("us-east")
        .env("AUTH__TOKEN_TTL_SECONDS", TOKEN_TTL_SECONDS).env("GATEWAY__CORS_ORIGINS", "[\"*\"]").start();
  }

  @AfterAll
  static void stopRegion() {
    if (region != null) {
      region.close();
    }
  }

  @AfterEach
  void closeBrowsers() {
    clients.forEach(TestClient::close);
    List<String> uncaught = WebBrowsers.closeAll(browsers);
    // Network errors are expected (reconnect tests kill a node); script errors never are.
    assertThat(uncaught).as("uncaught JavaScript errors in the page").isEmpty();
  }

  // ------------------------------------------------------------------------------------------------------ tests

  @Test
  @Order(1)
  void twoUsersChatAcrossNodesWithReceiptsTypingAndPresence() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    Browser a = open(alice, N1, "");
    Browser b = open(bob, N2, "");
    a.signIn();
    b.signIn();
    assertConnectedTo(a, N1, "websocket");
    assertConnectedTo(b, N2, "websocket");

    String conversationId = a.startDirect(bob);
    assertThat(conversationId).startsWith("d-");

    // Markup in a message must stay text (the page never uses innerHTML for user content).
    String hello = "hello " + bob + " <b>not bold</b> <img src=x onerror=alert(1)>";
    a.send(hello);
    WebElement sent = a.awaitOwnMessage(hello, "sent", "delivered", "read");
    assertThat(sent.getAttribute("data-message-id")).startsWith("m-");
    assertThat(sent.getAttribute("data-client-msg-id")).isNotEmpty();

    // Bob's page has the conversation in its list (not open): the message counts as delivered, not read.
    b.await(d -> "1".equals(b.conversationItem(conversationId).map(e -> e.getAttribute("data-unread")).orElse(null)));
    a.awaitOwnMessage(hello, "delivered");

    // Bob opens it: he sees alice's text as text, and alice's checkmarks turn read (blue).
    b.openConversation(conversationId);
    WebElement received = b.awaitMessage(hello);
    assertThat(received.getAttribute("data-sender")).isEqualTo(alice);
    assertThat(received.findElement(By.cssSelector(".message-content")).getText()).isEqualTo(hello);
    assertThat(b.driver.findElements(By.cssSelector("#messages b, #messages img"))).isEmpty();
    WebElement read = a.awaitOwnMessage(hello, "read");
    assertThat(read.findElement(By.cssSelector(".message-status")).getAttribute("class")).contains("status-read");
    assertThat(read.findElement(By.cssSelector(".message-status")).getText()).isEqualTo("✓✓");

    // Presence: bob is online on alice's page (header and list).
    a.await(d -> "true".equals(a.presenceOf("#conversation-participants", bob)));
    a.await(d -> "true".equals(a.presenceOf("#conversation-list", bob)));

    // Typing: shown on alice's page while bob types, gone ~3 s after he stops.
    b.driver.findElement(By.id("composer")).sendKeys("typing a reply");
    a.await(d -> d.findElement(By.id("typing-indicator")).getText().equals(bob + " is typing…"));
    assertThat(a.driver.findElement(By.id("typing-indicator")).getAttribute("data-users")).isEqualTo(bob);
    a.await(d -> d.findElement(By.id("typing-indicator")).getText().isEmpty());

    // Bob answers; both pages show the same messages in the same (canonical) order.
    b.driver.findElement(By.id("composer")).sendKeys(Keys.ENTER);
    a.awaitMessage("typing a reply");
    b.awaitOwnMessage("typing a reply", "read");
    a.send("and a third one");
    b.awaitMessage("and a third one");
    a.awaitOwnMessage("and a third one", "read");
    List<String> onAlice = a.messageIds();
    List<String> onBob = b.messageIds();
    assertThat(onAlice).hasSize(3).isEqualTo(onBob);
    TestClient aliceDevice = client(N1, alice); // a second device of alice's asks the server for the canonical order
    List<JsonObject> synced = aliceDevice.syncAll(conversationId, null, 100).messages();
    Checks.assertStrictlyCanonical("sync", synced);
    assertThat(onAlice).isEqualTo(Checks.ids(synced));

    // The page as a user sees it: three messages with checkmarks, bob online and typing.
    b.keepTypingUntil(a, d -> d.findElement(By.id("typing-indicator")).getText().equals(bob + " is typing…"));
    a.screenshot(SCREENSHOT);

    // Bob reloads the page (with no conversation open): the session resumes from sessionStorage, the history he
    // already read is not counted unread again, and his own message gets its read checkmarks back from the server.
    ((JavascriptExecutor) b.driver).executeScript("sessionStorage.removeItem(arguments[0]);", "lattice.open." + bob);
    b.driver.navigate().refresh();
    b.await(d -> "connected".equals(b.connState()));
    b.await(d -> b.conversationItem(conversationId)
        .filter(e -> e.findElement(By.cssSelector(".conversation-preview")).getText().startsWith(alice + ": and a"))
        .filter(e -> "0".equals(e.getAttribute("data-unread"))).isPresent());
    b.openConversation(conversationId);
    b.awaitOwnMessage("typing a reply", "read");
    assertThat(b.messageIds()).isEqualTo(onAlice);

    // Bob signs out: his presence dot on alice's page goes offline.
    b.driver.findElement(By.id("logout-button")).click();
    b.await(d -> d.findElement(By.id("login-view")).isDisplayed());
    a.await(d -> "false".equals(a.presenceOf("#conversation-participants", bob)));
  }

  @Test
  @Order(2)
  void sockJsTransportDeliversMessagesBothWays() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    Browser a = open(alice, N1, "?transport=sockjs");
    Browser b = open(bob, N2, "");
    a.signIn();
    b.signIn();
    assertConnectedTo(a, N1, "sockjs");
    assertConnectedTo(b, N2, "websocket");

    String conversationId = a.startDirect(bob);
    a.send("over sockjs");
    a.awaitOwnMessage("over sockjs", "sent", "delivered", "read");
    b.await(d -> b.conversationItem(conversationId).isPresent());
    b.openConversation(conversationId);
    b.awaitMessage("over sockjs");
    a.awaitOwnMessage("over sockjs", "read");

    b.send("back to sockjs");
    a.awaitMessage("back to sockjs");
    b.awaitOwnMessage("back to sockjs", "read");
    b.keepTypingUntil(a, d -> d.findElement(By.id("typing-indicator")).getText().equals(bob + " is typing…"));
  }

  /**
   * SockJS without its websocket transport (xhr-streaming / xhr-polling), as a browser behind a proxy that blocks
   * WebSocket would use it: docs/protocol.md says such browsers use SockJS "with the same frames".
   */
  @Test
  @Order(3)
  void sockJsOverXhrDeliversMessages() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    Browser a = open(alice, N1, "?transport=sockjs-xhr");
    Browser b = open(bob, N2, "");
    a.signIn();
    b.signIn();
    assertConnectedTo(a, N1, "sockjs");

    String conversationId = a.startDirect(bob);
    a.send("over xhr");
    a.awaitOwnMessage("over xhr", "sent", "delivered", "read");
    b.await(d -> b.conversationItem(conversationId).isPresent());
    b.openConversation(conversationId);
    b.awaitMessage("over xhr");
    b.send("answer over xhr");
    a.awaitMessage("answer over xhr");
  }

  /**
   * A network that blocks WebSocket (simulated in the page: WebSocket to /ws never opens, other WebSockets work):
   * after two failed attempts the page falls back to SockJS by itself.
   */
  @Test
  @Order(4)
  void blockedWebSocketFallsBackToSockJs() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    Browser a = new Browser(alice, region::describe);
    browsers.add(a);
    a.driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", BLOCK_WS));
    a.driver.get(region.httpUrl(N1) + "/");
    Browser b = open(bob, N2, "");
    a.signIn();
    b.signIn();
    assertConnectedTo(a, N1, "sockjs");
    assertThat(((Number) ((JavascriptExecutor) a.driver).executeScript("return window.__blockedWs;")).intValue())
        .as("WebSocket attempts to /ws before the fallback").isGreaterThanOrEqualTo(2);

    String conversationId = a.startDirect(bob);
    a.send("through the fallback");
    b.await(d -> b.conversationItem(conversationId).isPresent());
    b.openConversation(conversationId);
    b.awaitMessage("through the fallback");
    a.awaitOwnMessage("through the fallback", "read");
    b.send("and back");
    a.awaitMessage("and back");
  }

  /** Installed before any page script: a WebSocket to /ws fails like a blocking proxy; others are real. */
  private static final String BLOCK_WS = """
      (() => {
        const Real = window.WebSocket;
        window.__blockedWs = 0;
        function Blocking(url, protocols) {
          if (new URL(url, location.href).pathname !== '/ws') {
            return protocols === undefined ? new Real(url) : new Real(url, protocols);
          }
          window.__blockedWs++;
          const fake = { readyState: 0, url: String(url), send() { throw new Error('not open'); }, close() {} };
          setTimeout(() => {
            fake.readyState = 3;
            if (fake.onerror) fake.onerror(new Event('error'));
            if (fake.onclose) fake.onclose({ code: 1006, reason: '', wasClean: false });
          }, 20);
          return fake;
        }
        Blocking.prototype = Real.prototype;
        Object.assign(Blocking, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
        window.WebSocket = Blocking;
      })();
      """;

  /** A group: the checkmarks show the minimum over the recipients, and "read by N" while only some have read. */
  @Test
  @Order(5)
  void groupStatusIsTheMinimumOverRecipients() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    String carol = uniqueUser("carol");
    Browser a = open(alice, N1, "");
    Browser b = open(bob, N2, "");
    a.signIn();
    b.signIn();
    TestClient carolDevice = client(N2, carol);

    a.driver.findElement(By.cssSelector("#new-group summary")).click();
    a.driver.findElement(By.id("new-group-title")).sendKeys("Launch <i>plan</i>");
    a.driver.findElement(By.id("new-group-users")).sendKeys(bob + ", " + carol);
    a.driver.findElement(By.id("new-group-button")).click();
    String conversationId = a.await(d -> {
      String open = d.findElement(By.id("conversation")).getAttribute("data-conversation-id");
      return open == null || open.isEmpty() ? null : open;
    });
    assertThat(conversationId).startsWith("g-");
    a.await(d -> d.findElement(By.id("conversation-title")).getText().equals("Launch <i>plan</i>"));
    a.await(d -> "true".equals(a.presenceOf("#conversation-participants", bob)));
    a.await(d -> "true".equals(a.presenceOf("#conversation-participants", carol)));

    a.send("hello group");
    WebElement mine = a.awaitOwnMessage("hello group", "sent", "delivered");
    String messageId = a.await(d -> {
      String id = a.awaitOwnMessage("hello group", "sent", "delivered").getAttribute("data-message-id");
      return id == null || id.isEmpty() ? null : id;
    });
    assertThat(mine.getAttribute("data-recipients")).isEqualTo("2");
    carolDevice.awaitFrom(0, f -> "message".equals(f.getString("type")));

    // Bob reads it; carol has not even confirmed delivery: the minimum is "sent", with "read by 1".
    b.openConversation(conversationId);
    b.awaitMessage("hello group");
    WebElement readByOne = a.await(d -> withAttribute(a.ownMessages(), "data-read-by", "1"));
    assertThat(readByOne.getAttribute("data-status")).isEqualTo("sent");
    assertThat(readByOne.findElement(By.cssSelector(".message-status")).getText()).isEqualTo("✓ read by 1");

    // Carol's device marks it delivered, then read: the minimum moves to delivered, then read.
    carolDevice.receipt(conversationId, "delivered", messageId);
    a.awaitOwnMessage("hello group", "delivered");
    carolDevice.receipt(conversationId, "read", messageId);
    WebElement read = a.awaitOwnMessage("hello group", "read");
    assertThat(read.getAttribute("data-read-by")).isEqualTo("2");
    // On bob's page, alice's message shows who sent it (a group).
    assertThat(b.awaitMessage("hello group").findElement(By.cssSelector(".message-sender")).getText())
        .isEqualTo(alice);
  }

  private static WebElement withAttribute(List<WebElement> elements, String attribute, String value) {
    return elements.stream().filter(e -> value.equals(e.getAttribute(attribute))).findFirst().orElse(null);
  }

  @Test
  @Order(6)
  void imageUploadIsShownToTheOtherUser() throws IOException {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    Browser a = open(alice, N1, "");
    Browser b = open(bob, N2, "");
    a.signIn();
    b.signIn();
    String conversationId = a.startDirect(bob);

    Path png = Files.createTempFile("lattice-browser-", ".png");
    try {
      BufferedImage image = new BufferedImage(120, 80, BufferedImage.TYPE_INT_RGB);
      for (int x = 0; x < 120; x++) {
        for (int y = 0; y < 80; y++) {
          image.setRGB(x, y, (x * 2) << 16 | (y * 3) << 8 | 200);
        }
      }
      ImageIO.write(image, "png", png.toFile());
      a.driver.findElement(By.id("media-input")).sendKeys(png.toAbsolutePath().toString());
      a.await(d -> a.ownMessages().stream().anyMatch(e -> e.findElements(By.cssSelector(".message-media img")).size() == 1
          && List.of("sent", "delivered", "read").contains(e.getAttribute("data-status"))));
      b.await(d -> b.conversationItem(conversationId).isPresent());
      b.openConversation(conversationId);
      // The image really loads from the other node (GET /media/{key}?token=...), at its real size.
      b.await(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
          "const i = document.querySelector('#messages li.message .message-media img');"
              + "return !!i && i.complete && i.naturalWidth === 120 && i.naturalHeight === 80;")));
      String src = b.driver.findElement(By.cssSelector("#messages .message-media img")).getAttribute("src");
      assertThat(src).startsWith(region.httpUrl(N2) + "/media/").contains("token=");
    } finally {
      Files.deleteIfExists(png);
    }
  }

  /**
   * Bob's node dies: his page shows reconnecting; a message alice sends meanwhile and one bob writes while offline
   * (pending) both arrive once the node is back: bob's page re-syncs from its cursor and resends the un-acked send.
   */
  @Test
  @Order(7)
  void reconnectResyncsMissedMessagesAndResendsPendingOnes() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    Browser a = open(alice, N1, "");
    Browser b = open(bob, N2, "");
    a.signIn();
    b.signIn();
    String conversationId = a.startDirect(bob);
    a.send("before the crash");
    b.await(d -> b.conversationItem(conversationId).isPresent());
    b.openConversation(conversationId);
    b.awaitMessage("before the crash");

    region.kill(N2);
    b.await(d -> List.of("reconnecting", "offline").contains(b.connState()));
    a.send("while bob is away");
    b.send("written while offline");
    WebElement pending = b.awaitOwnMessage("written while offline", "pending");
    assertThat(pending.getAttribute("data-message-id")).isEmpty();

    region.restart(N2);
    new WebDriverWait(b.driver, Duration.ofSeconds(60)).until(d -> "connected".equals(b.connState()));
    b.awaitMessage("while bob is away");
    b.awaitOwnMessage("written while offline", "sent", "delivered", "read");
    a.awaitMessage("written while offline");
    a.awaitOwnMessage("while bob is away", "read");
    a.await(d -> "true".equals(a.presenceOf("#conversation-participants", bob)));
    // Exactly once on both pages, in the same order.
    assertThat(a.messageIds()).hasSize(3).doesNotHaveDuplicates().isEqualTo(b.messageIds());
  }

  /**
   * A graceful stop drains the node: the page gets a `reconnect` frame, closes, and comes back once the node is up
   * again, re-syncing what it missed.
   */
  @Test
  @Order(9)
  void drainingNodeMakesThePageReconnect() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    Browser a = open(alice, N1, "");
    Browser b = open(bob, N2, "");
    a.signIn();
    b.signIn();
    String conversationId = a.startDirect(bob);
    a.send("before the drain");
    b.openConversation(conversationId);
    b.awaitMessage("before the drain");

    region.stop(N2, Duration.ofSeconds(20));
    b.await(d -> !"connected".equals(b.connState()));
    assertThat(b.driver.findElement(By.id("conn-state")).getAttribute("data-reconnects-requested")).isEqualTo("1");
    a.send("during the drain");
    region.restart(N2);
    new WebDriverWait(b.driver, Duration.ofSeconds(60)).until(d -> "connected".equals(b.connState()));
    assertConnectedTo(b, N2, "websocket");
    b.awaitMessage("during the drain");
    a.awaitOwnMessage("during the drain", "read");
  }

  /** The page refreshes its token (POST /api/token/refresh) before it expires, and keeps working with the new one. */
  @Test
  @Order(8)
  void tokenIsRefreshedBeforeItExpires() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    Browser a = open(alice, N1, "");
    a.signIn();
    String first = a.session("lattice.token");
    long expiresAt = Long.parseLong(a.session("lattice.expiresAt"));
    assertThat(expiresAt - System.currentTimeMillis()).isBetween(10_000L, TOKEN_TTL_SECONDS * 1000L + 5_000L);

    new WebDriverWait(a.driver, Duration.ofSeconds(TOKEN_TTL_SECONDS + 10))
        .until(d -> !first.equals(a.session("lattice.token")));
    assertThat(System.currentTimeMillis()).as("refreshed before the old token expired").isLessThan(expiresAt);
    assertThat(Long.parseLong(a.session("lattice.expiresAt"))).isGreaterThan(expiresAt);
    assertThat(a.connState()).isEqualTo("connected");

    // A reload resumes the session from sessionStorage with the new token: connect, create, send.
    a.driver.navigate().refresh();
    a.await(d -> "connected".equals(a.connState()));
    assertThat(a.driver.findElement(By.id("me")).getText()).isEqualTo(alice);
    a.startDirect(bob);
    a.send("after a refresh");
    a.awaitOwnMessage("after a refresh", "sent", "delivered", "read");
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  private TestClient client(int node, String user) {
    TestClient c = TestClient.connect(region, node, user);
    clients.add(c);
    return c;
  }

  /**
   * The JavaScript library (/lattice.js) in a page, two clients in it: a node is killed while they chat; both move to
   * the other node (region list with nodes, backoff), resend what was not acknowledged, resync, and end with the same
   * timeline, every message once. The page's own origin is the killed node: the library reaches the other across
   * origins (CORS).
   */
  @Test
  @Order(10)
  void theJavaScriptLibraryFailsOverToTheOtherNodeAndLosesNothing() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    Browser page = open(alice, N1, "");
    page.driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(90));
    JavascriptExecutor js = page.driver;
    Object setUp = js.executeAsyncScript("""
        const [alice, bob, seeds, done] = arguments;
        const s = document.createElement('script');
        s.src = '/lattice.js';
        s.onerror = () => done('no /lattice.js');
        s.onload = async () => {
          try {
            const token = user => async endpoint => (await (await fetch(endpoint.httpUrl + '/api/dev/token', {
              method: 'POST', headers: {'content-type': 'application/json'},
              body: JSON.stringify({userId: user})})).json()).token;
            const first = await token(alice)({httpUrl: seeds[0]});
            const created = await (await fetch(seeds[0] + '/api/conversations', {method: 'POST',
              headers: {'content-type': 'application/json', authorization: 'Bearer ' + first},
              body: JSON.stringify({type: 'direct', participants: [bob]})})).json();
            const t = window.__lattice = {conversationId: created.conversationId, handed: {}, states: []};
            const client = user => new Lattice.Client({seeds, getToken: token(user), backoffCapMs: 2000,
              onState: st => t.states.push(user + ' ' + st.state + ' ' + (st.reason || '')),
              onMessage: m => { t.handed[user] = (t.handed[user] || 0) + 1; }});
            t.alice = client(alice);
            t.bob = client(bob);
            t.alice.connect();
            t.bob.connect();
            await Promise.all([t.alice.follow(t.conversationId), t.bob.follow(t.conversationId)]);
            done('ok');
          } catch (e) { done('setup failed: ' + e); }
        };
        document.head.append(s);
        """, alice, bob, List.of(region.httpUrl(N1), region.httpUrl(N2)));
    assertThat(setUp).isEqualTo("ok");

    region.kill(N1);
    Object result = js.executeAsyncScript("""
        const done = arguments[0];
        const t = window.__lattice;
        const sendAll = async (client, who) => {
          for (let i = 0; i < 15; i++) await client.send(t.conversationId, who + ' ' + i);
        };
        (async () => {
          try {
            await Promise.all([sendAll(t.alice, 'alice'), sendAll(t.bob, 'bob')]);
            const deadline = Date.now() + 60000;
            const size = c => c.timeline(t.conversationId).messages.length;
            while ((size(t.alice) < 30 || size(t.bob) < 30) && Date.now() < deadline) {
              await new Promise(r => setTimeout(r, 100));
            }
            const ids = c => c.timeline(t.conversationId).messages.map(m => m.messageId);
            done({alice: ids(t.alice), bob: ids(t.bob), handed: t.handed,
              endpoints: [t.alice.endpoint.httpUrl, t.bob.endpoint.httpUrl], states: t.states});
          } catch (e) { done({error: String(e), states: t.states}); }
        })();
        """);
    @SuppressWarnings("unchecked")
    Map<String, Object> r = (Map<String, Object>) result;
    assertThat(r).as("%s", r).doesNotContainKey("error");
    @SuppressWarnings("unchecked")
    List<String> aliceIds = (List<String>) r.get("alice");
    assertThat(aliceIds).as("%s", r).hasSize(30).doesNotHaveDuplicates().isEqualTo(r.get("bob"));
    @SuppressWarnings("unchecked")
    Map<String, Object> handed = (Map<String, Object>) r.get("handed");
    assertThat(((Number) handed.get(alice)).intValue()).as("handed to alice's application").isEqualTo(30);
    assertThat(((Number) handed.get(bob)).intValue()).as("handed to bob's application").isEqualTo(30);
    @SuppressWarnings("unchecked")
    List<String> endpoints = (List<String>) r.get("endpoints");
    assertThat(endpoints).as("both on the surviving node").containsOnly(region.httpUrl(N2));
    region.restart(N1);
  }

  private static void assertConnectedTo(Browser b, int node, String transport) {
    b.assertConnectedTo(region.region(), region.nodeId(node), transport);
  }

  private Browser open(String user, int node, String query) {
    Browser b = new Browser(user, region::describe);
    browsers.add(b);
    b.driver.get(region.httpUrl(node) + "/" + query);
    return b;
  }

}
