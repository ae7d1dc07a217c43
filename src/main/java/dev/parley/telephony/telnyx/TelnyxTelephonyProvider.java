package dev.parley.telephony.telnyx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.call.EndReason;
import dev.parley.error.Problem;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.CallListener;
import dev.parley.telephony.CarrierProvider;
import dev.parley.telephony.TelephonyProvider;
import dev.parley.number.CarrierNumber;
import dev.parley.telephony.stream.MediaStreams;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places calls through Telnyx Call Control v2: {@code POST /v2/calls} with the call's media stream
 * (bidirectional RTP, PCMU) and its own webhook URL, and learns what happens from Ed25519-signed
 * webhooks ({@link #receive}). The audio runs over {@link MediaStreams} in the Telnyx dialect.
 *
 * <p><b>Never two calls.</b> The dial's {@code command_id} is the call's id: a dial whose answer was
 * lost is sent again with it, and Telnyx ignores the repeat. If no answer comes at all, the call
 * waits for its first webhook (which names its {@code call_control_id}); with none within
 * {@code reconcileAfter} it ends {@code carrier-error}, and a webhook that still comes for it later
 * has the stray call hung up.
 *
 * <p><b>Never a lost one.</b> A live call whose webhooks have been quiet for {@code reconcileAfter}
 * is looked up ({@code GET /v2/calls/{id}}, {@code is_alive}) and ended if Telnyx says it is over.
 */
public final class TelnyxTelephonyProvider implements CarrierProvider<CarrierNumber.Telnyx>, TelnyxWebhooks {
    private static final Logger log = LoggerFactory.getLogger(TelnyxTelephonyProvider.class);
    static final String WEBHOOK_PATH = "/v1/carriers/telnyx/calls/{call_id}/events";

    /**
     * @param apiUrl {@code telnyx.api.url}: scheme, host and port of Call Control
     * @param publicUrl {@code public.url}: where Telnyx reaches this node's webhooks (asked per call: a node
     *     without the setting knows its own address only once it listens)
     * @param commandTimeout how long one command waits for Telnyx's answer before it is sent again
     * @param streamWait how long after the answer the media stream may take to start
     * @param reconcileAfter webhook silence after which a call is looked up
     */
    public record Settings(URI apiUrl, Supplier<URI> publicUrl, Duration commandTimeout, Duration streamWait,
                           Duration reconcileAfter) {
        public static Settings of(URI apiUrl, Supplier<URI> publicUrl) {
            return new Settings(apiUrl, publicUrl, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(60));
        }
    }

    private final Settings settings;
    private final TelnyxCalls calls;
    private final MediaStreams streams;
    private final ObjectMapper json;
    private final InstantSource clock;
    private final CallControl api;
    private final WebhookSignature signature;
    private final ScheduledExecutorService timers;
    private final Map<String, TelnyxCall> live = new ConcurrentHashMap<>();

    public TelnyxTelephonyProvider(Settings settings, TelnyxCalls calls, MediaStreams streams, ObjectMapper json,
                                   InstantSource clock) {
        this.settings = settings;
        this.calls = calls;
        this.streams = streams;
        this.json = json;
        this.clock = clock;
        this.api = new CallControl(settings.apiUrl(), json, settings.commandTimeout());
        this.signature = new WebhookSignature(clock);
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("telnyx-timers").factory());
        long every = Math.max(1, settings.reconcileAfter().toMillis() / 2);
        timers.scheduleWithFixedDelay(this::reconcile, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public TelephonyProvider.Active dial(TelephonyProvider.Dial dial, CarrierNumber.Telnyx number, CallListener listener) {
        TelnyxCall call = new TelnyxCall(dial.callId(), number, listener, api, clock, timers, settings.streamWait(), calls,
                () -> live.remove(dial.callId()));
        live.put(dial.callId(), call);
        calls.placed(dial.callId(), null); // before the dial: a webhook may come before its answer, to any node
        MediaStreams.Expected stream = streams.expect(dial.callId(), MediaStreams.Dialect.TELNYX, Optional.empty(), call);
        call.streamExpected(stream);
        ObjectNode request = request(dial, number, stream.url());
        try {
            call.dialed(api.dial(number.apiKey(), request));
        } catch (CallControlException e) {
            if (e.outcomeUnknown()) {
                log.warn("Telnyx did not answer the dial ({}); waiting for its webhooks", e.getMessage());
            } else {
                call.refused(e);
            }
        }
        return call;
    }

    private ObjectNode request(TelephonyProvider.Dial dial, CarrierNumber.Telnyx number, URI streamUrl) {
        ObjectNode r = json.createObjectNode()
                .put("connection_id", number.connectionId())
                .put("to", dial.toNumber())
                .put("from", number.number())
                .put("command_id", dial.callId())
                .put("client_state", clientState(dial.callId()))
                .put("webhook_url", webhookUrl(dial.callId()))
                .put("webhook_url_method", "POST")
                // Telnyx takes 5-600 s of ringing and 30-14400 s of call; Parley's own timers end the call at
                // the exact limits, these only back them up when this node is gone.
                .put("timeout_secs", clamp(dial.ringTimeout().toSeconds(), 5, 600))
                .put("time_limit_secs", clamp(dial.maxDuration().toSeconds(), 30, 14_400))
                .put("stream_url", streamUrl.toString())
                .put("stream_track", "inbound_track")
                .put("stream_bidirectional_mode", "rtp")
                .put("stream_bidirectional_codec", "PCMU");
        if (dial.detectMachines()) {
            r.put("answering_machine_detection", "detect_beep");
        }
        return r;
    }

    /** Where Telnyx sends this call's webhooks: one URL per call, so a webhook names its call before it is parsed. */
    String webhookUrl(String callId) {
        String base = settings.publicUrl().get().toString().replaceAll("/+$", "");
        return base + WEBHOOK_PATH.replace("{call_id}", callId);
    }

    @Override
    public void receive(String callId, String timestamp, String signatureHeader, byte[] body) {
        WebhookSignature.requireHeaders(timestamp, signatureHeader);
        TelnyxCall call = live.get(callId);
        CarrierNumber.Telnyx account;
        boolean over = false;
        if (call != null) {
            account = call.number();
        } else {
            TelnyxCalls.Placed placed = calls.find(callId).orElseThrow(() -> Problem.notFound("call_not_found",
                    "No call " + callId + " was placed through Telnyx; check the webhook URL"));
            account = placed.number();
            over = placed.ended();
        }
        signature.verify(account.publicKey(), timestamp, signatureHeader, body);
        TelnyxEvent event = parse(body);
        if (!event.clientState().isEmpty() && !event.clientState().equals(clientState(callId))) {
            throw Problem.forbidden("webhook_call_mismatch", "This webhook's client_state belongs to another call than "
                    + callId + "; it was not applied");
        }
        if (call != null) {
            call.on(event);
        } else if (over && !event.callControlId().isEmpty() && !(TelnyxOutcomes.of(event) instanceof TelnyxOutcomes.Step.Hangup)) {
            // The call ended here without Telnyx's confirmation, yet Telnyx has it: nobody must be left on the line.
            log.warn("A webhook came for a call that already ended; hanging the Telnyx call up");
            try {
                api.hangup(account.apiKey(), event.callControlId(), callId + ":stray");
            } catch (CallControlException e) {
                log.info("Telnyx did not take the hang-up of a stray call: {}", e.getMessage());
            }
        }
        // Not over and not here: another node holds it and reconciles it by polling.
    }

    /** A call of a node that died, found on recovery: hung up at Telnyx, which would otherwise keep it up until its time limit. */
    @Override
    public void hangUpLost(String callId) {
        calls.find(callId).ifPresent(placed -> placed.callControlId().ifPresent(id -> {
            try {
                api.hangup(placed.number().apiKey(), id, callId + ":lost");
            } catch (CallControlException e) {
                log.info("Telnyx did not take the hang-up of a lost call: {}", e.getMessage());
            }
        }));
    }

    private TelnyxEvent parse(byte[] body) {
        JsonNode tree;
        try {
            tree = json.readTree(body);
        } catch (IOException e) {
            throw Problem.invalid("body", "A Telnyx webhook body must be JSON");
        }
        if (tree == null || !tree.isObject()) {
            throw Problem.invalid("body", "A Telnyx webhook body must be a JSON object");
        }
        return TelnyxEvent.parse(tree);
    }

    private void reconcile() {
        reconcile(settings.reconcileAfter());
    }

    /** Looks up every call quiet for {@code quiet}; the timer's own pass uses {@code reconcileAfter}, tests pass theirs. */
    void reconcile(Duration quiet) {
        for (TelnyxCall call : live.values()) {
            try {
                call.reconcile(quiet);
            } catch (RuntimeException e) {
                log.warn("Reconciling a Telnyx call failed", e);
            }
        }
    }

    static String clientState(String callId) {
        return Base64.getEncoder().encodeToString(callId.getBytes(StandardCharsets.UTF_8));
    }

    private static long clamp(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }

    @Override
    public void close() {
        timers.shutdownNow();
        for (TelnyxCall call : live.values()) {
            call.hangup(); // the dialer hangs its calls up first; this only covers a provider closed alone
        }
    }
}
