package dev.parley.telephony.twilio;

import dev.parley.number.PhoneNumberService;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Twilio's requests to this node: a call's status callbacks and its machine-detection verdict, at
 * {@code {public.url}/v1/carriers/twilio/calls/{call_id}/status} (and {@code /amd}), open routes
 * that only Twilio can use: each request must carry the {@code X-Twilio-Signature} of that URL and
 * its parameters under the auth token of the number that placed the call.
 *
 * <p>A verified callback goes to the call when this node holds it. A callback for a call that has
 * already ended here (a create that timed out and that Twilio carried out after all, a call whose
 * node died) while Twilio still has it up is an orphan: it is hung up, so nobody is left on a line
 * without an assistant. A call another node holds is left to that node, which reconciles by polling
 * when its callbacks land elsewhere.
 */
public final class TwilioCallbacks {
    private static final Logger log = LoggerFactory.getLogger(TwilioCallbacks.class);
    private static final Pattern CALL_ID = Pattern.compile("c_[0-9a-f]{24}");

    public enum Kind {
        STATUS("status"), AMD("amd");

        final String path;

        Kind(String path) {
            this.path = path;
        }
    }

    /** What the route answers: accepted (2xx), or refused (403: unsigned, wrongly signed, or no such call). */
    public enum Outcome { ACCEPTED, FORBIDDEN }

    private final Optional<URI> publicUrl;
    final TwilioRest rest;
    final TwilioCallStore store;
    private final Map<String, TwilioCall> live = new ConcurrentHashMap<>();

    /**
     * @param publicUrl {@code public.url}: callbacks are signed over the URL under it
     * @param api {@code twilio.api.url}
     * @param timeout how long a request to Twilio may take before its outcome is in doubt
     */
    public TwilioCallbacks(Optional<URI> publicUrl, URI api, Duration timeout, Jdbi jdbi, PhoneNumberService numbers) {
        this.publicUrl = publicUrl;
        this.rest = new TwilioRest(api, timeout);
        this.store = new TwilioCallStore(jdbi, numbers);
    }

    Optional<URI> publicUrl() {
        return publicUrl;
    }

    /** The URL Twilio calls back for this call, exactly as it signs it. */
    static URI url(URI publicUrl, String callId, Kind kind) {
        return URI.create(publicUrl + "/v1/carriers/twilio/calls/" + callId + "/" + kind.path);
    }

    void register(String callId, TwilioCall call) {
        live.put(callId, call);
    }

    void forget(String callId) {
        live.remove(callId);
    }

    Iterable<TwilioCall> live() {
        return live.values();
    }

    boolean isLiveSid(String sid) {
        return live.values().stream().anyMatch(c -> c.sid().filter(sid::equals).isPresent());
    }

    public Outcome receive(String callId, Kind kind, Map<String, String> params, String signature) {
        if (publicUrl.isEmpty() || !CALL_ID.matcher(callId).matches()) {
            return Outcome.FORBIDDEN;
        }
        String url = url(publicUrl.get(), callId, kind).toString();
        TwilioCall call = live.get(callId);
        var number = call != null ? Optional.of(call.number) : store.numberOf(callId);
        if (number.isEmpty() || !TwilioSignature.valid(number.get().authToken(), url, params, signature)) {
            return Outcome.FORBIDDEN;
        }
        if (call != null) {
            switch (kind) {
                case STATUS -> call.status(params);
                case AMD -> call.amd(params);
            }
            return Outcome.ACCEPTED;
        }
        String status = params.getOrDefault("CallStatus", "");
        String sid = params.get("CallSid");
        if (kind == Kind.STATUS && sid != null && !status.isEmpty() && !TwilioOutcomes.isFinal(status) && store.isOver(callId)) {
            var n = number.get();
            Thread.ofVirtual().name("twilio-orphan-" + callId).start(() -> {
                log.warn("Twilio reports a call that already ended here as {}; hanging it up", status);
                try {
                    rest.hangUp(n, sid, status.equals("in-progress"));
                } catch (RuntimeException e) {
                    log.warn("Could not hang up the orphaned Twilio call ({})", e.getClass().getSimpleName());
                }
            });
        }
        return Outcome.ACCEPTED;
    }
}
