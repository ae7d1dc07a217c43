package dev.parley.telephony.twilio;

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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call placed through Twilio, from the create request to its final status: what Twilio's status
 * callbacks, its machine-detection verdict and the call's media stream report, turned into the
 * listener's events once each, whatever order and however often they arrive.
 *
 * <p>The answer is the media stream's start, not the {@code in-progress} callback: the conversation
 * needs the audio, and the two arrive in either order. A call answered at Twilio whose stream never
 * starts (public.url does not reach this node) is hung up after {@link #STREAM_PATIENCE}.
 *
 * <p>Our own hang-up is a REST update (canceled before the answer, completed after); Twilio's final
 * callback then reports the end, counted as ours ({@link CallEnd#hungUpHere}). A call Twilio answers
 * just as we cancel it would go on, so the answer re-sends the hang-up as completed.
 */
final class TwilioCall implements TelephonyProvider.Active, MediaStreams.Events {
    private static final Logger log = LoggerFactory.getLogger(TwilioCall.class);
    static final Duration STREAM_PATIENCE = Duration.ofSeconds(15);

    private final String callId;
    final CarrierNumber.Twilio number;
    private final CallListener listener;
    private final TwilioRest rest;
    private final TwilioCallStore store;
    private final InstantSource clock;
    private final Runnable over;
    private MediaStreams.Expected stream;
    private String sid;
    private boolean ringing;
    private boolean carrierAnswered;
    private Instant carrierAnsweredAt;
    private boolean answered; // the media stream started: the listener has the call's audio
    private boolean hangUpAsked;
    private boolean ended;
    private Instant lastHeard;
    private final CompletableFuture<String> sidKnown = new CompletableFuture<>();

    TwilioCall(String callId, CarrierNumber.Twilio number, CallListener listener, TwilioRest rest, TwilioCallStore store,
               InstantSource clock, Runnable over) {
        this.callId = callId;
        this.number = number;
        this.listener = listener;
        this.rest = rest;
        this.store = store;
        this.clock = clock;
        this.over = over;
        this.lastHeard = clock.instant();
    }

    synchronized void expecting(MediaStreams.Expected stream) {
        this.stream = stream;
    }

    synchronized Optional<String> sid() {
        return Optional.ofNullable(sid);
    }

    /** Twilio gave the call's SID (the create's answer, a callback, or a lookup after an uncertain create). */
    void adopt(String callSid) {
        boolean hangUpNow;
        synchronized (this) {
            if (sid != null || callSid == null || callSid.isBlank()) {
                return;
            }
            sid = callSid;
            hangUpNow = hangUpAsked && !ended;
        }
        sidKnown.complete(callSid);
        store.recordSid(callId, callSid);
        if (hangUpNow) {
            sendHangUp(); // asked for while the create was on its way
        }
    }

    /** Waits at most {@code wait} for Twilio to name the call; whether it did. */
    boolean awaitSid(Duration wait) {
        try {
            sidKnown.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A status callback, or a fetched status: applied once, in any order. */
    void status(Map<String, String> params) {
        adopt(params.get("CallSid"));
        TwilioOutcomes.Step step;
        boolean resendHangUp = false;
        synchronized (this) {
            lastHeard = clock.instant();
            if (ended) {
                return;
            }
            step = TwilioOutcomes.of(params, hangUpAsked);
            switch (step) {
                case TwilioOutcomes.Step.Ringing r -> {
                    if (ringing || carrierAnswered) {
                        return;
                    }
                    ringing = true;
                }
                case TwilioOutcomes.Step.Answered a -> {
                    if (carrierAnswered) {
                        return;
                    }
                    carrierAnswered = true;
                    carrierAnsweredAt = clock.instant();
                    resendHangUp = hangUpAsked;
                }
                case TwilioOutcomes.Step.Ended e -> ended = true;
                case TwilioOutcomes.Step.Nothing n -> {
                    return;
                }
            }
        }
        switch (step) {
            case TwilioOutcomes.Step.Ringing r -> listener.ringing(180);
            case TwilioOutcomes.Step.Answered a -> {
                if (resendHangUp) {
                    sendHangUp(); // our cancel crossed Twilio's answer: it left the call up
                }
            }
            case TwilioOutcomes.Step.Ended e -> finish(e.end(), e.carrierCode());
            case TwilioOutcomes.Step.Nothing n -> { }
        }
    }

    /** Twilio's asynchronous machine detection decided. */
    void amd(Map<String, String> params) {
        synchronized (this) {
            lastHeard = clock.instant();
            if (ended) {
                return;
            }
        }
        TwilioOutcomes.answeredBy(params).ifPresent(listener::answeredBy);
    }

    /** The create failed for certain, or its outcome could not be learnt: the call ends here. */
    void failed(String carrierCode, String detail) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        finish(CallEnd.remote(EndReason.CARRIER_ERROR, null, detail), Optional.ofNullable(carrierCode));
    }

    @Override
    public void started(MediaTransport transport) {
        synchronized (this) {
            if (ended || answered) {
                transport.close();
                return;
            }
            answered = true;
            carrierAnswered = true;
        }
        listener.answered(transport);
    }

    @Override
    public void dtmf(char digit) {
        listener.dtmf(digit);
    }

    @Override
    public void stopped(String why) {
        log.debug("The call's media stream stopped: {}", why);
    }

    @Override
    public void hangup() {
        synchronized (this) {
            if (ended || hangUpAsked) {
                return;
            }
            hangUpAsked = true;
            if (sid == null) {
                return; // the create is on its way: adopt() sends it
            }
        }
        sendHangUp();
    }

    private void sendHangUp() {
        String s;
        boolean up;
        synchronized (this) {
            s = sid;
            up = carrierAnswered;
        }
        try {
            rest.hangUp(number, s, up);
        } catch (RuntimeException e) {
            // Twilio's final callback, or reconciliation, still ends the call.
            log.warn("Twilio refused or did not answer the hang-up ({}); the call is reconciled", e.getClass().getSimpleName());
        }
    }

    /**
     * Called every few seconds: a call whose callbacks stopped coming is fetched from Twilio and its
     * status applied; one answered at Twilio whose stream never came is hung up.
     */
    void check(Duration quiet) {
        String s;
        boolean streamMissing;
        synchronized (this) {
            if (ended || sid == null) {
                return;
            }
            Instant now = clock.instant();
            streamMissing = carrierAnswered && !answered && carrierAnsweredAt != null
                    && now.isAfter(carrierAnsweredAt.plus(STREAM_PATIENCE));
            if (!streamMissing && now.isBefore(lastHeard.plus(quiet))) {
                return;
            }
            lastHeard = now;
            s = sid;
        }
        if (streamMissing) {
            log.warn("Twilio answered the call but its media stream never reached this node; hanging up");
            try {
                rest.hangUp(number, s, true);
            } catch (RuntimeException e) {
                log.warn("Twilio refused or did not answer the hang-up ({})", e.getClass().getSimpleName());
            }
            failed(null, "Twilio answered, but its media stream did not reach " + "this node within "
                    + STREAM_PATIENCE.toSeconds() + " s: check that public.url reaches Parley");
            return;
        }
        try {
            status(rest.fetch(number, s));
        } catch (RuntimeException e) {
            log.warn("Could not fetch the call from Twilio to reconcile it ({})", e.getClass().getSimpleName());
        }
    }

    private void finish(CallEnd end, Optional<String> carrierCode) {
        MediaStreams.Expected s;
        synchronized (this) {
            s = stream;
        }
        if (s != null) {
            s.close();
        }
        carrierCode.ifPresent(code -> {
            try {
                store.recordCode(callId, code);
            } catch (RuntimeException e) {
                log.warn("Could not store Twilio's code of the call's end", e);
            }
        });
        over.run();
        listener.ended(end);
    }
}
