package dev.parley.conversation;

import dev.parley.amd.AnsweredBy;
import dev.parley.amd.Detector;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a call does about answering machines (issue 13), owned by the conversation's thread: it
 * feeds the {@link Detector} every callee frame from the answer and the recognizer's words, records
 * {@code answered_by} through the call's line whenever the verdict changes, and tells the
 * conversation what to do, one {@link Act} per frame. The conversation only acts.
 *
 * <p><b>The greeting is never held.</b> It starts on the first tick as on any call; detection runs
 * under it, so a person hears no extra silence (the budget the issue allows is spent at zero). The
 * price is that a mailbox may record the greeting's first words; it is cut at the verdict.
 *
 * <p><b>A machine</b> (at any time, also when the detector first said {@code human} and changes
 * its mind mid-greeting): {@link Plan.HangUp} hangs up at once; {@link Plan.Leave} cuts what is
 * playing, stops answering the callee (a mailbox's greeting is no one to reply to), and waits for
 * the beep's end; with no beep, for the callee's audio to be quiet for {@link #QUIET_MS} (the
 * greeting is over and the mailbox records); at most {@code beepWaitMs} from the verdict. Then the
 * message is spoken whole, uninterruptibly, and the call hangs up. At the deadline the message is
 * spoken anyway: a mailbox that never beeps (or a greeting that keeps talking) still records, and a
 * message partly over a greeting is worth more than none; an assistant that prefers nothing asks
 * for {@code hangup}.
 *
 * <p><b>A fax</b> hangs up at once whatever the action: nothing can be left on it. The reason is
 * {@code voicemail} (the design's one reason for "a machine answered"); {@code answered_by.who}
 * tells which machine, and the call's history says "a fax machine answered".
 *
 * <p><b>Once acted on</b>, a machine stays a machine for this call: the greeting was cut and the
 * callee is no longer answered, so a later change back to {@code human} is not recorded, and
 * {@code answered_by} agrees with what the call did. A beep heard later is still recorded.
 *
 * <p><b>A carrier's verdict</b> ({@link #carrier}, such as Twilio's {@code AnsweredBy}) wins over
 * the detector's whenever it comes, and the latest of the carrier's own counts: the carrier hears
 * signalling and tones the detector may not. The detector's beep still times the message.
 */
final class Voicemail {
    private static final Logger log = LoggerFactory.getLogger(Voicemail.class);
    /** Callee silence that ends a mailbox's greeting when no beep is heard. */
    static final int QUIET_MS = 1_500;

    /** What the assistant does with a machine. */
    sealed interface Plan {
        record HangUp() implements Plan {}

        /** @param message rendered with the call's variables */
        record Leave(String message, int beepWaitMs) implements Plan {}
    }

    /** What the conversation does now. */
    sealed interface Act {
        record Nothing() implements Act {}

        /** A machine: stop speaking, stop answering the callee, and wait for the next act. */
        record Wait() implements Act {}

        /** Stop speaking and hang up, {@code voicemail}. */
        record HangUp(String detail) implements Act {}

        /** Speak {@code message} whole, then hang up, {@code voicemail}. */
        record Leave(String message) implements Act {}
    }

    private static final Act NOTHING = new Act.Nothing();

    private enum State { LISTENING, WAITING, DONE }

    private final Detector detector;
    private final Plan plan;
    private final Consumer<AnsweredBy> record;
    private final VoiceActivity vad;
    private State state = State.LISTENING;
    private AnsweredBy recorded;
    private AnsweredBy carrier;
    private int carrierBeepMs = -1;
    private int lastVoicedMs = -1;
    private int machineAtMs;
    private int nowMs;

    /** @param record where {@code answered_by} goes (the call's line: stored off this thread) */
    Voicemail(Detector detector, Plan plan, double vadThresholdDb, Consumer<AnsweredBy> record) {
        this.detector = detector;
        this.plan = plan;
        this.record = record;
        this.vad = new VoiceActivity(vadThresholdDb);
    }

    /** Whether a machine answered and the call acted on it: the callee is not answered any more. */
    boolean machine() {
        return state != State.LISTENING;
    }

    /**
     * The callee's frame {@code atMs} after the answer.
     *
     * @param mayAct false once the call is ending for another reason: the verdict is recorded, not acted on
     */
    Act frame(short[] pcm, int atMs, boolean mayAct) {
        nowMs = atMs;
        if (vad.classify(pcm) != VoiceActivity.Level.SILENT) {
            lastVoicedMs = atMs;
        }
        if (state == State.WAITING || (state == State.LISTENING && !detector.settled())) {
            detector.frame(pcm, atMs);
        }
        AnsweredBy v = verdict();
        if (v != null) {
            recordIfChanged(v);
        }
        return switch (state) {
            case LISTENING -> mayAct && v != null ? decide(v, atMs) : NOTHING;
            case WAITING -> waited(atMs);
            case DONE -> NOTHING;
        };
    }

    /** Words the recognizer heard from the callee; weighed with the next frame. */
    void words(String text, int atMs) {
        if (state != State.DONE && text != null && !text.isBlank()) {
            detector.words(text, atMs);
        }
    }

    /** The carrier's verdict; acted on with the next frame. */
    void carrier(AnsweredBy v) {
        carrier = v;
        if (v.who() == AnsweredBy.Who.machine && v.beep() && carrierBeepMs < 0) {
            carrierBeepMs = nowMs; // a carrier reports the beep once it is over
        }
    }

    /** The call is over: an answered call with detection on always says who answered, {@code unknown} if nothing could tell. */
    void ended(int atMs) {
        if (recorded == null) {
            AnsweredBy v = verdict();
            recordIfChanged(v != null ? v : new AnsweredBy(AnsweredBy.Who.unknown, false, 0, atMs));
        }
    }

    private AnsweredBy verdict() {
        return carrier != null ? carrier : detector.verdict().orElse(null);
    }

    private Act decide(AnsweredBy v, int atMs) {
        return switch (v.who()) {
            case human, unknown -> NOTHING;
            case fax -> {
                state = State.DONE;
                yield new Act.HangUp("a fax machine answered");
            }
            case machine -> switch (plan) {
                case Plan.HangUp h -> {
                    state = State.DONE;
                    yield new Act.HangUp("an answering machine answered");
                }
                case Plan.Leave l -> {
                    state = State.WAITING;
                    machineAtMs = atMs;
                    yield waited(atMs) instanceof Act.Leave now ? now : new Act.Wait();
                }
            };
        };
    }

    private Act waited(int atMs) {
        Plan.Leave leave = (Plan.Leave) plan;
        int beepEnd = detector.beepAt().orElse(carrierBeepMs);
        boolean beepOver = beepEnd >= 0 && atMs >= beepEnd;
        boolean quiet = beepEnd < 0 && atMs - Math.max(lastVoicedMs, 0) >= QUIET_MS;
        boolean late = atMs - machineAtMs >= leave.beepWaitMs();
        if (!beepOver && !quiet && !late) {
            return NOTHING;
        }
        if (!beepOver && !quiet) {
            log.info("No beep and no end of the mailbox's greeting within beep_wait_seconds; leaving the message anyway");
        }
        state = State.DONE;
        return new Act.Leave(leave.message());
    }

    /**
     * Written when the verdict is first known and again when who answered or the beep changes
     * (confidence refinements alone are not worth a write); after a machine was acted on, only
     * machine verdicts (a beep heard later).
     */
    private void recordIfChanged(AnsweredBy v) {
        if (recorded != null && recorded.who() == v.who() && recorded.beep() == v.beep()) {
            return;
        }
        if (machine() && recorded != null && v.who() != recorded.who()) {
            return;
        }
        recorded = v;
        log.info("Answered by: {}{} (confidence {}) {} ms after the answer", v.who().wire(), v.beep() ? ", beep heard" : "",
                String.format("%.2f", v.confidence()), v.decidedAfterMs());
        record.accept(v);
    }
}
