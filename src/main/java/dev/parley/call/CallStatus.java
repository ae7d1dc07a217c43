package dev.parley.call;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The one place where call status transitions are decided:
 * {@code queued -> ringing -> in-progress -> completed}, and from any status that is not final to
 * {@code busy}, {@code no-answer}, {@code failed} or {@code canceled}.
 */
public enum CallStatus {
    QUEUED("queued"), RINGING("ringing"), IN_PROGRESS("in-progress"), COMPLETED("completed"),
    BUSY("busy"), NO_ANSWER("no-answer"), FAILED("failed"), CANCELED("canceled");

    private static final Set<CallStatus> FINAL = EnumSet.of(COMPLETED, BUSY, NO_ANSWER, FAILED, CANCELED);

    private final String wire;

    CallStatus(String wire) {
        this.wire = wire;
    }

    /** The name in the API and the database. */
    public String wire() {
        return wire;
    }

    public boolean isFinal() {
        return FINAL.contains(this);
    }

    public boolean canMoveTo(CallStatus next) {
        if (isFinal() || next == this) {
            return false;
        }
        return switch (next) {
            case QUEUED -> false;
            case RINGING -> this == QUEUED;
            case IN_PROGRESS -> this == QUEUED || this == RINGING;
            case COMPLETED -> this == IN_PROGRESS;
            case BUSY, NO_ANSWER -> this == QUEUED || this == RINGING;
            case FAILED, CANCELED -> true;
        };
    }

    public static Optional<CallStatus> fromWire(String s) {
        for (CallStatus status : values()) {
            if (status.wire.equals(s)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
