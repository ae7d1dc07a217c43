package dev.parley.logging;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends java.util.logging (Sphinx4, FreeTTS, the PostgreSQL driver) to SLF4J, so Parley has one log
 * format and one level setting. JUL's INFO is library chatter here (Sphinx4 prints about a hundred
 * lines per recognizer it creates: phone units, timers, memory) and becomes DEBUG; WARNING and
 * SEVERE stay warnings and errors. JUL itself is set to pass INFO only when DEBUG is on, so the
 * drivers' fine-grained checks stay cheap.
 */
public final class JulToSlf4j extends Handler {
    private static final String CONFIG_CLASS = "java.util.logging.config.class";
    private static boolean installed;

    /** Also JUL's configuration class (see {@link #install}): constructing it must do nothing. */
    public JulToSlf4j() {}

    /**
     * Replaces JUL's root handlers with this one. Idempotent. The {@code java.util.logging.config.class}
     * property is set to this class because Sphinx4 reconfigures JUL's root logger (level and a
     * console handler of its own) for every recognizer it creates, unless that property is set.
     */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        if (System.getProperty(CONFIG_CLASS) == null && System.getProperty("java.util.logging.config.file") == null) {
            System.setProperty(CONFIG_CLASS, JulToSlf4j.class.getName());
        }
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(new JulToSlf4j());
        root.setLevel(LoggerFactory.getLogger("jul").isDebugEnabled() ? Level.INFO : Level.WARNING);
    }

    @Override
    public void publish(LogRecord r) {
        Logger log = LoggerFactory.getLogger(r.getLoggerName() == null || r.getLoggerName().isEmpty() ? "jul" : r.getLoggerName());
        int level = r.getLevel().intValue();
        org.slf4j.event.Level to = level >= Level.SEVERE.intValue() ? org.slf4j.event.Level.ERROR
                : level >= Level.WARNING.intValue() ? org.slf4j.event.Level.WARN
                : level >= Level.INFO.intValue() ? org.slf4j.event.Level.DEBUG
                : org.slf4j.event.Level.TRACE;
        if (!log.isEnabledForLevel(to)) {
            return; // before formatting: Sphinx4 logs timers and memory on every utterance
        }
        String message = r.getParameters() == null || r.getParameters().length == 0 ? r.getMessage()
                : java.text.MessageFormat.format(r.getMessage(), r.getParameters());
        log.atLevel(to).setCause(r.getThrown()).log(message);
    }

    @Override
    public void flush() {
        // SLF4J's appenders flush themselves
    }

    @Override
    public void close() {
        // nothing held
    }
}
