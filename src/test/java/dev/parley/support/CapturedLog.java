package dev.parley.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Log lines captured from a running server for a test to read. Lines arrive on the server's own
 * threads while the test reads them, so the list is safe to read at any time (logback's ListAppender
 * is a plain ArrayList: reading it while a SIP connection thread logs threw
 * ConcurrentModificationException in CI).
 */
public final class CapturedLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final Logger logger;
    private final Level levelBefore;

    private CapturedLog(Logger logger, Level level) {
        this.logger = logger;
        this.levelBefore = logger.getLevel();
        if (level != null) {
            logger.setLevel(level);
        }
        setContext(logger.getLoggerContext());
        start();
        logger.addAppender(this);
    }

    /** Everything logged anywhere, at the configured levels. */
    public static CapturedLog everything() {
        return new CapturedLog((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME), null);
    }

    /** One logger, lowered to {@code level} while captured so lines below its usual level are seen too. */
    public static CapturedLog of(String loggerName, Level level) {
        return new CapturedLog((Logger) LoggerFactory.getLogger(loggerName), level);
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        events.add(event);
    }

    /** The lines so far, in the order they were logged. */
    public List<ILoggingEvent> lines() {
        return List.copyOf(events);
    }

    /** Whether any line so far contains {@code text} in its message or its exception. */
    public boolean contains(String text) {
        return events.stream().anyMatch(e -> full(e).contains(text));
    }

    /** A line's message, its MDC and its exception with the stack trace, as one string to search for secrets. */
    public static String full(ILoggingEvent e) {
        return e.getFormattedMessage() + " " + e.getMDCPropertyMap()
                + (e.getThrowableProxy() == null ? "" : " " + ThrowableProxyUtil.asString(e.getThrowableProxy()));
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        logger.setLevel(levelBefore);
        stop();
    }
}
