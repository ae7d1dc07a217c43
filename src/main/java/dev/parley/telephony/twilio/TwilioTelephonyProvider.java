package dev.parley.telephony.twilio;

import com.twilio.exception.ApiConnectionException;
import com.twilio.exception.ApiException;
import dev.parley.number.CarrierNumber;
import dev.parley.telephony.CallListener;
import dev.parley.telephony.CarrierProvider;
import dev.parley.telephony.TelephonyProvider;
import dev.parley.telephony.stream.MediaStreams;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places calls from Twilio numbers with Twilio's official SDK: a create with TwiML that connects the
 * answered call to this node's media stream ({@code <Connect><Stream>}, with the call's token as a
 * custom parameter), status callbacks for every event, the ring timeout, a time limit just past the
 * assistant's {@code max_duration_seconds} (our own timer hangs up first; Twilio's is the backstop
 * if this node dies) and asynchronous machine detection when the assistant detects machines.
 *
 * <p><b>Never two calls, never a lost one.</b> A create is sent once. One whose answer does not come
 * in time may have been carried out: the call waits for a callback naming it (its URL carries our
 * call id), then asks Twilio for the calls from the number to the callee since the create; found,
 * the call goes on with it; not found, it ends {@code carrier-error} without a second create (and if
 * Twilio places it after all, its callbacks find it ended here and hang it up). A live call is
 * fetched from Twilio whenever its callbacks have been quiet for a while, and a call of a node that
 * died is hung up at Twilio by the node that finds it lost.
 */
public final class TwilioTelephonyProvider implements CarrierProvider<CarrierNumber.Twilio> {
    private static final Logger log = LoggerFactory.getLogger(TwilioTelephonyProvider.class);
    /** Past max_duration_seconds: our timer hangs up first and the end reads max-duration. */
    private static final int TIME_LIMIT_MARGIN_SECONDS = 10;

    private final TwilioCallbacks callbacks;
    private final MediaStreams streams;
    private final Duration quiet;
    private final Duration inDoubtWait;
    private final InstantSource clock;
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("twilio-reconcile").factory());

    /**
     * @param quiet how long a live call's callbacks may be silent before the call is fetched from Twilio
     * @param inDoubtWait how long a create whose answer did not come waits for a callback naming the call
     */
    public TwilioTelephonyProvider(TwilioCallbacks callbacks, MediaStreams streams, Duration quiet, Duration inDoubtWait,
                                   InstantSource clock) {
        this.callbacks = callbacks;
        this.streams = streams;
        this.quiet = quiet;
        this.inDoubtWait = inDoubtWait;
        this.clock = clock;
        long every = Math.max(100, Math.min(1_000, quiet.toMillis() / 4));
        checks.scheduleWithFixedDelay(this::checkAll, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public TelephonyProvider.Active dial(TelephonyProvider.Dial dial, CarrierNumber.Twilio number, CallListener listener) {
        String callId = dial.callId();
        TwilioCall call = new TwilioCall(callId, number, listener, callbacks.rest, callbacks.store, clock,
                () -> callbacks.forget(callId));
        Optional<URI> publicUrl = callbacks.publicUrl();
        if (publicUrl.isEmpty()) {
            call.failed(null, "public.url is not set, so Twilio could not reach this node: set it (PARLEY_PUBLIC_URL) and restart");
            return call;
        }
        callbacks.register(callId, call);
        MediaStreams.Expected stream;
        try {
            stream = streams.expect(callId, MediaStreams.Dialect.TWILIO, Optional.of(number.authToken()), call);
        } catch (RuntimeException e) {
            call.failed(null, "this node cannot take the call's media stream: " + e.getMessage());
            return call;
        }
        call.expecting(stream);
        TwilioCallStore.Options options = callbacks.store.options(callId);
        var placement = new TwilioRest.Placement(dial.toNumber(), Twiml.connectStream(stream.url(), stream.token()),
                TwilioCallbacks.url(publicUrl.get(), callId, TwilioCallbacks.Kind.STATUS),
                (int) Math.clamp(dial.ringTimeout().toSeconds(), 5, 600),
                options.maxDurationSeconds() + TIME_LIMIT_MARGIN_SECONDS, options.machineDetection(),
                TwilioCallbacks.url(publicUrl.get(), callId, TwilioCallbacks.Kind.AMD));
        Instant sent = clock.instant();
        try {
            call.adopt(callbacks.rest.create(number, placement));
        } catch (TwilioHttp.InDoubt e) {
            log.warn("Twilio did not confirm the create in time; looking the call up instead of creating it again");
            Thread.ofVirtual().name("twilio-in-doubt-" + callId).start(() -> settleInDoubt(call, number, dial.toNumber(), sent));
        } catch (ApiException e) {
            log.warn("Twilio refused the call: HTTP {}, error {}", e.getStatusCode(), e.getCode());
            call.failed(e.getCode() == null ? null : String.valueOf(e.getCode()),
                    "Twilio refused the call (error " + e.getCode() + "): " + e.getMessage());
        } catch (ApiConnectionException e) {
            log.warn("Twilio could not be reached: {}", e.getMessage());
            call.failed(null, "could not reach Twilio's API; the call was not placed (" + e.getMessage() + ")");
        }
        return call;
    }

    /** A create whose answer did not come: find the call it made, or end without making another. */
    private void settleInDoubt(TwilioCall call, CarrierNumber.Twilio number, String to, Instant sent) {
        if (call.awaitSid(inDoubtWait)) {
            return; // a callback named it
        }
        try {
            List<Map<String, String>> found = callbacks.rest.recent(number, to, sent.minusSeconds(60)).stream()
                    .filter(c -> !callbacks.isLiveSid(c.get("CallSid"))).toList();
            if (!found.isEmpty()) {
                call.status(found.getFirst());
                return;
            }
            call.failed(null, "Twilio did not confirm the call in time and lists no such call; it was not created again,"
                    + " so the callee is never called twice");
        } catch (RuntimeException e) {
            call.failed(null, "Twilio did not confirm the call in time and could not be asked whether it exists; it was not"
                    + " created again, so the callee is never called twice");
        }
    }

    private void checkAll() {
        for (TwilioCall c : callbacks.live()) {
            Thread.ofVirtual().start(() -> c.check(quiet));
        }
    }

    @Override
    public void hangUpLost(String callId) {
        try {
            Optional<String> sid = callbacks.store.sidOf(callId);
            Optional<CarrierNumber.Twilio> number = callbacks.store.numberOf(callId);
            if (sid.isEmpty() || number.isEmpty()) {
                return;
            }
            String status = callbacks.rest.fetch(number.get(), sid.get()).getOrDefault("CallStatus", "");
            if (!TwilioOutcomes.isFinal(status)) {
                callbacks.rest.hangUp(number.get(), sid.get(), status.equals("in-progress"));
                log.info("Hung up at Twilio a call whose node was lost");
            }
        } catch (RuntimeException e) {
            log.warn("Could not hang up a lost call at Twilio ({})", e.getClass().getSimpleName());
        }
    }

    @Override
    public void close() {
        checks.shutdownNow();
    }
}
