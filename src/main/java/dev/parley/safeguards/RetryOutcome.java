package dev.parley.safeguards;

import java.util.Arrays;
import java.util.Optional;

/**
 * The outcomes a call may be retried after, as {@code retry.on} names them. Which ended reasons
 * count as which is decided in one place, {@code call.EndReason#retryOutcome}.
 */
public enum RetryOutcome {
    NO_ANSWER("no-answer"), BUSY("busy"), FAILED("failed"), VOICEMAIL("voicemail");

    private final String wire;

    RetryOutcome(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<RetryOutcome> fromWire(String s) {
        return Arrays.stream(values()).filter(o -> o.wire.equals(s)).findFirst();
    }

    static String names() {
        return String.join(", ", Arrays.stream(values()).map(RetryOutcome::wire).toList());
    }
}
