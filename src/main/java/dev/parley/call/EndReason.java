package dev.parley.call;

import dev.parley.amd.AnsweredBy;
import dev.parley.safeguards.RetryOutcome;
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
     * Which {@code retry.on} outcome a call that ended this way counts as, if any: the one
     * classification of ended reasons for retries. Busy and no-answer are themselves; failures before
     * anyone answered (unreachable, carrier-error, capacity, provider-error, node-lost) are
     * {@code failed}; {@code voicemail} is a machine that answered. Never retried: a call a person
     * answered (answered at all and not a machine's, or recorded {@code human}), a person's own no
     * ({@code declined}: 603, the callee rejected it), and every ending someone chose (canceled,
     * api-hangup, opted-out, blocked by a guardrail, transferred, ended by the assistant or the callee).
     *
     * @param answered whether the call was answered ({@code answered_at} set)
     * @param who who answered as recorded, or null when undecided or not detected
     */
    public Optional<RetryOutcome> retryOutcome(boolean answered, AnsweredBy.Who who) {
        if (who == AnsweredBy.Who.human) {
            return Optional.empty();
        }
        if (this == VOICEMAIL) {
            return Optional.of(RetryOutcome.VOICEMAIL);
        }
        if (answered) {
            return Optional.empty();
        }
        return switch (this) {
            case BUSY -> Optional.of(RetryOutcome.BUSY);
            case NO_ANSWER -> Optional.of(RetryOutcome.NO_ANSWER);
            case UNREACHABLE, CARRIER_ERROR, CAPACITY, PROVIDER_ERROR, NODE_LOST -> Optional.of(RetryOutcome.FAILED);
            case ASSISTANT_ENDED, CALLEE_ENDED, API_HANGUP, CANCELED, MAX_DURATION, SILENCE_TIMEOUT, DECLINED, BLOCKED,
                 OPTED_OUT, VOICEMAIL, TRANSFERRED -> Optional.empty();
        };
    }

    /**
     * Why we hung up, as it is recorded: a hang-up asked for before anyone answered cancels the
     * call, whatever asked for it (the API, a node stopping); every other reason stays.
     */
    public EndReason beforeAnswer() {
        return this == API_HANGUP ? CANCELED : this;
    }

    /**
     * The far end's reason for a call that was never answered here, as it is recorded. A carrier's
     * media stream comes on a connection of its own after the answer, so Twilio or Telnyx may report
     * the callee's hang-up ({@code completed}) before the call's audio reached Parley: no conversation
     * took place, and a completed call needs an answer, so it failed ({@code carrier-error}).
     */
    public EndReason unanswered() {
        return status == CallStatus.COMPLETED ? CARRIER_ERROR : this;
    }

    public static Optional<EndReason> fromWire(String wire) {
        return Optional.ofNullable(BY_WIRE.get(wire));
    }

    @Override
    public String toString() {
        return wire;
    }
}
