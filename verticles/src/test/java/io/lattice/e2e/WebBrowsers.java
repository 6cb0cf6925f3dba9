package io.lattice.e2e;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Headless Chromium driving the demo web app (webroot, served at / by every gateway) for the browser tests
 * ({@link WebClientBrowserIT}, {@link WebClientRegionFailoverIT}): one {@link Browser} per user, through the stable ids
 * and data attributes documented at the top of webroot/app.js.
 */
final class WebBrowsers {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Duration WAIT = Duration.ofSeconds(20);

  /** Selenium logs a warning per session when it has no CDP bindings for this Chromium version; not needed here. */
  private static final java.util.logging.Logger SELENIUM_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium");

  private WebBrowsers() {
  }

  /** Skips the test class without Chromium; fails it when Chromium is there but its driver is not. */
  static void assumeChromium() {
    SELENIUM_LOG.setLevel(Level.SEVERE);
    assumeTrue(Files.isExecutable(CHROMIUM), "/usr/bin/chromium is absent, so the browser test is skipped: "
        + "install it with `apt-get install -y chromium chromium-driver` (.ci/run does)");
    assertThat(CHROMEDRIVER).as("/usr/bin/chromium is installed but /usr/bin/chromedriver is not: "
        + "apt-get install -y chromium-driver").isExecutable();
  }

  /** Quits every browser; returns the pages' uncaught script errors. */
  static List<String> closeAll(List<Browser> browsers) {
    List<String> uncaught = new ArrayList<>();
    for (Browser b : browsers) {
      uncaught.addAll(b.closeAndCollectUncaughtErrors());
    }
    browsers.clear();
    return uncaught;
  }

  /** One headless Chromium with its own profile, signed in as one user. */
  static final class Browser {
    final String user;
    final Path profile;
    final ChromeDriver driver;
    private final Supplier<String> describe;

    /** {@code describe}: the cluster's state, for the message of a wait that timed out. */
    Browser(String user, Supplier<String> describe) {
      this.user = user;
      this.describe = describe;
      try {
        this.profile = Files.createTempDirectory("lattice-chromium-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM.toFile());
      options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
          "--user-data-dir=" + profile, "--window-size=1280,800");
      LoggingPreferences logs = new LoggingPreferences();
      logs.enable(LogType.BROWSER, Level.ALL);
      options.setCapability("goog:loggingPrefs", logs);
      ChromeDriverService service = new ChromeDriverService.Builder()
          .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
      this.driver = new ChromeDriver(service, options);
    }

    <T> T await(Function<WebDriver, T> condition) {
      return new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class)
          .withMessage(() -> user + "'s page: conn-state=" + safeConnState() + ", messages=" + safeMessages()
              + "; cluster: " + describe.get())
          .until(condition);
    }

    void signIn() {
      await(d -> d.findElement(By.id("login-user")).isDisplayed());
      driver.findElement(By.id("login-user")).sendKeys(user);
      driver.findElement(By.id("login-button")).click();
      await(d -> "connected".equals(connState()));
      assertThat(driver.findElement(By.id("me")).getText()).isEqualTo(user);
    }

    void assertConnectedTo(String region, String node, String transport) {
      WebElement state = driver.findElement(By.id("conn-state"));
      assertThat(state.getAttribute("data-region")).isEqualTo(region);
      assertThat(state.getAttribute("data-node")).isEqualTo(node);
      assertThat(state.getAttribute("data-transport")).isEqualTo(transport);
      assertThat(state.getText()).contains("connected to").contains(region).contains(node);
    }

    String session(String key) {
      return (String) ((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem(arguments[0]);", key);
    }

    String connState() {
      return driver.findElement(By.id("conn-state")).getAttribute("data-state");
    }

    /** Creates (or reopens) the direct conversation with {@code other}; returns its id once it is open. */
    String startDirect(String other) {
      driver.findElement(By.id("new-direct-user")).sendKeys(other);
      driver.findElement(By.id("new-direct-button")).click();
      String id = await(d -> {
        String open = d.findElement(By.id("conversation")).getAttribute("data-conversation-id");
        return open == null || open.isEmpty() ? null : open;
      });
      await(d -> d.findElement(By.id("conversation-title")).getText().equals(other));
      return id;
    }

    Optional<WebElement> conversationItem(String conversationId) {
      return driver.findElements(By.cssSelector("#conversation-list li.conversation")).stream()
          .filter(e -> conversationId.equals(e.getAttribute("data-conversation-id"))).findFirst();
    }

    void openConversation(String conversationId) {
      // The list is re-rendered on every message and typing frame: find and click in one retried step.
      await(d -> {
        Optional<WebElement> item = conversationItem(conversationId);
        if (item.isEmpty()) {
          return false;
        }
        item.get().findElement(By.cssSelector("button")).click();
        return true;
      });
      await(d -> conversationId.equals(d.findElement(By.id("conversation")).getAttribute("data-conversation-id")));
    }

    void send(String text) {
      WebElement composer = driver.findElement(By.id("composer"));
      composer.sendKeys(text);
      driver.findElement(By.id("send-button")).click();
      await(d -> d.findElement(By.id("composer")).getAttribute("value").isEmpty());
    }

    /**
     * Types into the composer, a key per poll, until {@code condition} holds on {@code other}'s page: the page sends
     * `typing` at most every 2 s while the user types, so a single key right after a send may not be signalled.
     */
    void keepTypingUntil(Browser other, Function<WebDriver, Boolean> condition) {
      other.await(d -> {
        driver.findElement(By.id("composer")).sendKeys(".");
        return condition.apply(d);
      });
    }

    List<WebElement> messages() {
      return driver.findElements(By.cssSelector("#messages li.message"));
    }

    List<WebElement> ownMessages() {
      return driver.findElements(By.cssSelector("#messages li.message[data-own='true']"));
    }

    List<String> messageIds() {
      return messages().stream().map(e -> e.getAttribute("data-message-id")).toList();
    }

    /** The text of every message on screen, top to bottom ("" for an image without text). */
    List<String> messageTexts() {
      return messages().stream().map(e -> e.findElements(By.cssSelector(".message-content")).stream().findFirst()
          .map(WebElement::getText).orElse("")).toList();
    }

    /** An attribute of the connection state in the header (#conn-state), e.g. data-region. */
    String connAttribute(String name) {
      return driver.findElement(By.id("conn-state")).getAttribute(name);
    }

    private static Optional<WebElement> withText(List<WebElement> items, String text) {
      return items.stream().filter(e -> {
        List<WebElement> content = e.findElements(By.cssSelector(".message-content"));
        return !content.isEmpty() && text.equals(content.get(0).getText());
      }).findFirst();
    }

    /** Waits for a message by its text (from anyone). */
    WebElement awaitMessage(String text) {
      return await(d -> withText(messages(), text).orElse(null));
    }

    /** Waits for one of my messages, by its text, with one of the given data-status values. */
    WebElement awaitOwnMessage(String text, String... statuses) {
      List<String> wanted = List.of(statuses);
      return await(d -> withText(ownMessages(), text)
          .filter(e -> wanted.contains(e.getAttribute("data-status"))).orElse(null));
    }

    /** data-online of the presence dot of {@code userId} inside {@code container}, or null. */
    String presenceOf(String container, String userId) {
      return driver.findElements(By.cssSelector(container + " .presence-dot")).stream()
          .filter(e -> userId.equals(e.getAttribute("data-user"))).findFirst()
          .map(e -> e.getAttribute("data-online")).orElse(null);
    }

    void screenshot(Path target) {
      try {
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private String safeConnState() {
      try {
        return connState() + " (" + driver.findElement(By.id("conn-state")).getText().replace('\n', ' ') + ")";
      } catch (RuntimeException e) {
        return "?";
      }
    }

    private String safeMessages() {
      try {
        return messages().stream().map(e -> e.getAttribute("data-sender") + ":" + e.getAttribute("data-status")
            + ":" + e.getText().replace('\n', ' ')).toList().toString();
      } catch (RuntimeException e) {
        return "?";
      }
    }

    /** Quits the browser; returns the page's uncaught script errors (console SEVERE entries that are not network). */
    List<String> closeAndCollectUncaughtErrors() {
      List<String> errors = new ArrayList<>();
      try {
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
          String message = entry.getMessage();
          if (entry.getLevel().intValue() >= Level.SEVERE.intValue() && message.contains("Uncaught")) {
            errors.add(user + ": " + message);
          }
        }
      } catch (RuntimeException e) {
        // the logs are diagnostics only
      } finally {
        driver.quit();
        deleteTree(profile);
      }
      return errors;
    }
  }
  

  static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException ignored) {
      // a temp dir: best effort
    }
  }
}
