package dev.parley.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.logging.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

@Tag("unit")
class JulToSlf4jTest {

    @Test
    void libraryWarningsReachParleysLogAndTheirChatterDoesNotAtInfo() {
        JulToSlf4j.install();
        JulToSlf4j.install(); // idempotent
        Logger target = (Logger) LoggerFactory.getLogger("unitManager");
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        target.addAppender(seen);
        try {
            java.util.logging.Logger jul = java.util.logging.Logger.getLogger("unitManager");
            jul.info("CI Unit: AA");
            jul.log(Level.WARNING, "model {0} is missing", "en-us");
            jul.log(Level.SEVERE, "cannot allocate", new IllegalStateException("out of memory"));

            assertThat(seen.list).extracting(e -> e.getLevel().toString() + " " + e.getFormattedMessage())
                    .containsExactly("WARN model en-us is missing", "ERROR cannot allocate");
            assertThat(seen.list.get(1).getThrowableProxy().getMessage()).isEqualTo("out of memory");
            assertThat(java.util.logging.Logger.getLogger("").getHandlers()).hasSize(1).allMatch(h -> h instanceof JulToSlf4j);
            assertThat(System.getProperty("java.util.logging.config.class"))
                    .as("set, so that Sphinx4 leaves JUL's configuration alone").isNotNull();
        } finally {
            target.detachAppender(seen);
        }
    }
}
