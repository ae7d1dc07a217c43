package dev.parley.telephony.telnyx;

import dev.parley.amd.AnsweredBy;
import dev.parley.call.EndReason;
import dev.parley.media.MediaTransport;
import dev.parley.number.CarrierNumber;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.CallListener;
import dev.parley.telephony.TelephonyProvider;
import dev.parley.telephony.stream.MediaStreams;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call Parley placed through Telnyx, as its two halves report it: the webhooks (initiated,
 * answered, machine verdicts, hangup) and the media stream (started with its transport, digits,
 * stopped). Both arrive on threads of their own and in any order, and webhooks come again: every
 * change happens under this object's lock, each event id counts once, and nothing moves a call
 * backwards or after its end.
 *
 * <p>The answer is handed to the owner once both halves are there ({@code call.answered} and the
 * stream's transport); a stream that does not start within {@code streamWait} of the answer, or
 * fails, is an answer without audio ({@code answered(null)}: the owner hangs up).
 *
 * <p>The {@code call_control_id} comes with the dial's answer or, when that answer was lost, with
 * the first webhook; a hang-up asked for before it is known is sent as soon as it is.
 */
final class TelnyxCall implements TelephonyProvider.Active, MediaStreams.Events {
    private static final Logger log = LoggerFactory.getLogger(TelnyxCall.class);
    private static final int EVENTS_REMEMBERED = 256;

    private final String callId;
    private final CarrierNumber.Telnyx account;
    private final CallListener listener;
    private final CallControl api;
    private final InstantSource clock;
    private final ScheduledExecutorService timers;
    private final Duration streamWait;
    private final Runnable forget;
    private final TelnyxCalls calls;

    private MediaStreams.Expected stream;
    private String callControlId;
    private boolean ringing;
    private boolean answered;
    private boolean answerDelivered;
    private boolean mediaHandedOver;
    private boolean streamFailed;
    private MediaTransport transport;
    private boolean hangupWanted;
    private boolean hangupSent;
    private int hangups; // each hang-up command its own command_id: Telnyx ignores a repeated one
    private boolean ended;
    private Instant answeredAt;
    private Instant lastHeard;
    private ScheduledFuture<?> streamTimer;
    private final Set<String> seen = new HashSet<>();

    TelnyxCall(String callId, CarrierNumber.Telnyx account, CallListener listener, CallControl api, InstantSource clock,
               ScheduledExecutorService timers, Duration streamWait, TelnyxCalls calls, Runnable forget) {
        this.calls = calls;
        this.callId = callId;
        this.account = account;
        this.listener = listener;
        this.api = api;
        this.clock = clock;
        this.timers = timers;
        this.streamWait = streamWait;
        this.forget = forget;
        this.lastHeard = clock.instant();
    }

    CarrierNumber.Telnyx number() {
        return account;
    }

    synchronized void streamExpected(MediaStreams.Expected expected) {
        this.stream = expected;
    }

    /** Telnyx answered the dial with the call's id. */
    void dialed(String id) {
        boolean hangUpNow;
        synchronized (this) {
            hangUpNow = learn(id);
        }
        if (hangUpNow) {
            sendHangup();
        }
    }

    /** Telnyx refused the dial: the call never existed. */
    void refused(CallControlException e) {
        finish(CallEnd.remote(EndReason.CARRIER_ERROR, null, e.getMessage()));
    }

    /** A verified webhook of this call. */
    void on(TelnyxEvent event) {
        boolean hangUpNow;
        synchronized (this) {
            if (ended || (!event.id().isEmpty() && !remember(event.id()))) {
                return; // over, or a webhook Telnyx sent again
            }
            lastHeard = clock.instant();
            hangUpNow = learn(event.callControlId());
            switch (TelnyxOutcomes.of(event)) {
                case TelnyxOutcomes.Step.Ringing r -> {
                    if (!ringing && !answered) {
                        ringing = true;
                        listener.ringing(180);
                    }
                }
                case TelnyxOutcomes.Step.Answered a -> {
                    if (!answered) {
                        answered = true;
                        answeredAt = clock.instant();
                        streamTimer = timers.schedule(this::streamLate, streamWait.toMillis(), TimeUnit.MILLISECONDS);
                        deliverAnswer();
                    }
                }
                case TelnyxOutcomes.Step.StreamStarted s -> { }
                case TelnyxOutcomes.Step.StreamEnded s -> {
                    if (s.failed() && transport == null) {
                        streamFailed = true;
                        deliverAnswer();
                    }
                }
                case TelnyxOutcomes.Step.Machine m -> {
                    long after = answeredAt == null ? 0 : Duration.between(answeredAt, clock.instant()).toMillis();
                    // Telnyx states no confidence; its verdict wins over the detector's like any carrier's.
                    listener.answeredBy(new AnsweredBy(m.who(), m.beep(), 0.9, (int) Math.min(after, Integer.MAX_VALUE)));
                }
                case TelnyxOutcomes.Step.Hangup h -> {
                    calls.hungUp(callId, h.cause());
                    finishLocked(TelnyxOutcomes.ended(h.cause(), h.sipCode(), answered, hangupWanted));
                    return;
                }
                case TelnyxOutcomes.Step.Ignored i -> { }
            }
        }
        if (hangUpNow) {
            sendHangup();
        }
    }

    // MediaStreams.Events: the stream's own thread.

    @Override
    public synchronized void started(MediaTransport media) {
        if (ended || transport != null) {
            media.close();
            return;
        }
        transport = media;
        if (!answered) {
            mediaHandedOver = true;
            listener.earlyMedia(media); // audio before the answer: heard and recorded, as over SIP
        }
        deliverAnswer();
    }

    @Override
    public void dtmf(char digit) {
        listener.dtmf(digit);
    }

    @Override
    public void stopped(String why) {
        log.debug("Telnyx media stream stopped: {}", why);
    }

    // TelephonyProvider.Active

    @Override
    public void hangup() {
        synchronized (this) {
            if (ended || hangupWanted) {
                return;
            }
            hangupWanted = true;
            if (callControlId == null) {
                return; // sent once Telnyx tells the id
            }
        }
        sendHangup();
    }

    /**
     * Webhooks have been quiet for a while: asks Telnyx whether the call is still up, and ends it if
     * not (its {@code call.hangup} was lost), or hangs it up again if a hang-up of ours did not take.
     */
    void reconcile(Duration quiet) {
        String id;
        boolean again;
        synchronized (this) {
            if (ended || Duration.between(lastHeard, clock.instant()).compareTo(quiet) < 0) {
                return;
            }
            lastHeard = clock.instant();
            id = callControlId;
            if (id == null) {
                finishLocked(CallEnd.remote(EndReason.CARRIER_ERROR, null, "Telnyx did not confirm the call: no answer"
                        + " to the dial and no webhook within " + quiet.toSeconds() + " s"));
                return;
            }
            again = hangupWanted;
        }
        boolean alive;
        try {
            alive = api.alive(account.apiKey(), id);
        } catch (CallControlException e) {
            log.warn("Could not look the Telnyx call up: {}", e.getMessage());
            return;
        }
        if (!alive) {
            synchronized (this) {
                if (!ended) {
                    EndReason reason = answered ? EndReason.CALLEE_ENDED : EndReason.CARRIER_ERROR;
                    String detail = "telnyx reports the call over; its call.hangup webhook never arrived";
                    finishLocked(hangupWanted ? CallEnd.hungUpHere(reason, null, detail) : CallEnd.remote(reason, null, detail));
                }
            }
        } else if (again) {
            sendHangup();
        }
    }

    /** The node stops or the call is abandoned: its end as the owner will hear it. */
    void finish(CallEnd end) {
        synchronized (this) {
            finishLocked(end);
        }
    }

    private void finishLocked(CallEnd end) {
        if (ended) {
            return;
        }
        ended = true;
        if (streamTimer != null) {
            streamTimer.cancel(false);
        }
        if (transport != null && !mediaHandedOver) {
            transport.close(); // never handed over: ours to close
        }
        if (stream != null) {
            stream.close();
        }
        forget.run();
        listener.ended(end);
    }

    /** @return whether a hang-up waits for this id */
    private boolean learn(String id) {
        if (callControlId != null || id == null || id.isEmpty()) {
            return false;
        }
        callControlId = id;
        calls.placed(callId, id);
        return hangupWanted && !hangupSent;
    }

    private void deliverAnswer() {
        if (answerDelivered || !answered || (transport == null && !streamFailed)) {
            return;
        }
        answerDelivered = true;
        if (streamTimer != null) {
            streamTimer.cancel(false);
        }
        if (transport != null) {
            mediaHandedOver = true;
            listener.answered(transport);
        } else {
            listener.answered(null); // the owner hangs up: no audio to talk over
        }
    }

    private synchronized void streamLate() {
        if (!ended && !answerDelivered) {
            log.warn("Telnyx answered but its media stream did not start within {} ms; hanging up", streamWait.toMillis());
            streamFailed = true;
            deliverAnswer();
        }
    }

    private void sendHangup() {
        String id;
        synchronized (this) {
            if (ended && !hangupWanted) {
                return;
            }
            hangupSent = true;
            id = callControlId;
            hangups++;
        }
        try {
            api.hangup(account.apiKey(), id, callId + ":hangup:" + hangups);
        } catch (CallControlException e) {
            // 422 when it already ended: the call.hangup webhook (or reconciliation) brings the end either way.
            log.info("Telnyx did not take the hang-up: {}", e.getMessage());
        }
    }

    private boolean remember(String eventId) {
        if (seen.size() >= EVENTS_REMEMBERED) {
            seen.clear(); // a call sees a handful of events; this bounds a flood of made-up ids
        }
        return seen.add(eventId);
    }
}
