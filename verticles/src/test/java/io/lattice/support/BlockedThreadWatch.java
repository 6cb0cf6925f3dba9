package io.lattice.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records Vert.x's blocked-thread warnings so a test can fail on them: the checker only logs, and a warning in a log
 * nobody reads protects nothing. Pair it with a Vert.x whose max event-loop execute time is tightened.
 */
public final class BlockedThreadWatch extends AppenderBase<ILoggingEvent> {
  private static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";
  private final List<String> warnings = new CopyOnWriteArrayList<>();

  public static BlockedThreadWatch install() {
    BlockedThreadWatch watch = new BlockedThreadWatch();
    Logger logger = (Logger) LoggerFactory.getLogger(CHECKER);
    watch.setContext(logger.getLoggerContext());
    watch.start();
    logger.addAppender(watch);
    return watch;
  }

  @Override
  protected void append(ILoggingEvent event) {
    warnings.add(event.getFormattedMessage());
  }

  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  public void uninstall() {
    ((Logger) LoggerFactory.getLogger(CHECKER)).detachAppender(this);
    stop();
  }
}
