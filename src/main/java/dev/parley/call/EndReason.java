package dev.parley.call;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How a call ended: DESIGN.md's small vocabulary, and the one place where a reason decides the
 * call's final status. Every way a call ends names one of these; the API and the webhooks show
 * {@link #wire()} as {@code ended_reason}.
 */
public enum EndReason {
    ASSISTANT_ENDED("assistant-ended", CallStatus.COMPLETED),
    CALLEE_ENDED("callee-ended", CallStatus.COMPLETED),
    API_HANGUP("api-hangup", CallStatus.COMPLETED),
    CANCELED("canceled", CallStatus.CANCELED),
    MAX_DURATION("max-duration", CallStatus.COMPLETED),
    SILENCE_TIMEOUT("silence-timeout", CallStatus.COMPLETED),
    BUSY("busy", CallStatus.BUSY),
    NO_ANSWER("no-answer", CallStatus.NO_ANSWER),
    DECLINED("declined", CallStatus.FAILED),
    UNREACHABLE("unreachable", CallStatus.FAILED),
    CARRIER_ERROR("carrier-error", CallStatus.FAILED),
    CAPACITY("capacity", CallStatus.FAILED),
    BLOCKED("blocked", CallStatus.FAILED),
    OPTED_OUT("opted-out", CallStatus.COMPLETED),
    VOICEMAIL("voicemail", CallStatus.COMPLETED),
    TRANSFERRED("transferred", CallStatus.COMPLETED),
    PROVIDER_ERROR("provider-error", CallStatus.FAILED),
    NODE_LOST("node-lost", CallStatus.FAILED);

    private static final Map<String, EndReason> BY_WIRE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(EndReason::wire, Function.identity()));

    private final String wire;
    private final CallStatus status;

    EndReason(String wire, CallStatus status) {
        this.wire = wire;
        this.status = status;
    }

    public String wire() {
        return wire;
    }

    /** The final status a call ending this way takes. */
    public CallStatus status() {
        return status;
    }

    /**
     * Why we hung up, as it is recorded: a hang-up asked for before anyone answered cancels the
     * call, whatever asked for it (the API, a node stopping); every other reason stays.
     */
    public EndReason beforeAnswer() {
        return this == API_HANGUP ? CANCELED : this;
    }

    public static Optional<EndReason> fromWire(String wire) {
        return Optional.ofNullable(BY_WIRE.get(wire));
    }

    @Override
    public String toString() {
        return wire;
    }
}
