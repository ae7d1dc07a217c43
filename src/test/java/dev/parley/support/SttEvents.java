package dev.parley.support;

import dev.parley.ai.SpeechToText;
import dev.parley.ai.SpeechToText.SttEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Reading a speech-to-text session's events in tests. */
public final class SttEvents {
    private SttEvents() {}

    /** Events up to and including the first that matches {@code last}; fails with what came after {@code timeout}. */
    public static List<SttEvent> until(SpeechToText.Session s, Predicate<SttEvent> last, Duration timeout)
            throws InterruptedException {
        List<SttEvent> got = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            SttEvent e = s.next(Duration.ofMillis(20));
            if (e != null) {
                got.add(e);
                if (last.test(e)) {
                    return got;
                }
            }
        }
        throw new AssertionError("no matching event within " + timeout.toMillis() + " ms; got " + got);
    }

    /** Events up to and including the {@code n}th that matches. */
    public static List<SttEvent> untilNth(SpeechToText.Session s, int n, Predicate<SttEvent> which, Duration timeout)
            throws InterruptedException {
        int[] seen = {0};
        return until(s, e -> which.test(e) && ++seen[0] == n, timeout);
    }

    /** Whatever arrives within {@code window}. */
    public static List<SttEvent> within(SpeechToText.Session s, Duration window) throws InterruptedException {
        List<SttEvent> got = new ArrayList<>();
        long deadline = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < deadline) {
            SttEvent e = s.next(Duration.ofMillis(10));
            if (e != null) {
                got.add(e);
            }
        }
        return got;
    }

    /** The events a turn-taking test cares about: interim guesses left out. */
    public static List<SttEvent> withoutInterims(List<SttEvent> events) {
        return events.stream().filter(e -> !(e instanceof SttEvent.Interim)).toList();
    }

    public static boolean ended(SttEvent e) {
        return e instanceof SttEvent.SpeechEnded;
    }

    public static boolean failed(SttEvent e) {
        return e instanceof SttEvent.Failed;
    }
}
