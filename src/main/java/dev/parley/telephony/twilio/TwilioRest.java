package dev.parley.telephony.twilio;

import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Call;
import com.twilio.type.PhoneNumber;
import com.twilio.type.Twiml;
import dev.parley.number.CarrierNumber;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * Twilio's REST API through its official SDK, for one account's number at a time: create a call,
 * hang it up, fetch it, find a recent one. One {@link TwilioHttp} serves every account: it carries
 * requests, the SDK's client for each number carries the credentials.
 */
final class TwilioRest {
    private final TwilioHttp http;

    TwilioRest(URI apiBase, Duration timeout) {
        this.http = new TwilioHttp(apiBase, timeout);
    }

    /** The number's client: its API key when it has one, else its account SID and auth token. */
    private TwilioRestClient client(CarrierNumber.Twilio n) {
        TwilioRestClient.Builder b = n.apiKey()
                .map(k -> new TwilioRestClient.Builder(k.sid(), k.secret()).accountSid(n.accountSid()))
                .orElseGet(() -> new TwilioRestClient.Builder(n.accountSid(), n.authToken()));
        return b.httpClient(http).build();
    }

    /** What a new call asks of Twilio. */
    record Placement(String to, String twiml, URI statusCallback, int timeoutSeconds, int timeLimitSeconds,
                     Optional<String> machineDetection, URI amdCallback) {}

    /** @return the new call's SID */
    String create(CarrierNumber.Twilio n, Placement p) {
        var creator = Call.creator(n.accountSid(), new PhoneNumber(p.to()), new PhoneNumber(n.number()), new Twiml(p.twiml()))
                .setStatusCallback(p.statusCallback())
                .setStatusCallbackMethod(com.twilio.http.HttpMethod.POST)
                .setStatusCallbackEvent(List.of("initiated", "ringing", "answered", "completed"))
                .setTimeout(p.timeoutSeconds())
                .setTimeLimit(p.timeLimitSeconds());
        p.machineDetection().ifPresent(mode -> creator.setMachineDetection(mode).setAsyncAmd("true")
                .setAsyncAmdStatusCallback(p.amdCallback()).setAsyncAmdStatusCallbackMethod(com.twilio.http.HttpMethod.POST));
        return creator.create(client(n)).getSid();
    }

    /** Ends the call: canceled while it is queued or ringing, completed once answered. */
    void hangUp(CarrierNumber.Twilio n, String sid, boolean answered) {
        Call.updater(n.accountSid(), sid).setStatus(answered ? Call.UpdateStatus.COMPLETED : Call.UpdateStatus.CANCELED)
                .update(client(n));
    }

    /** The call as Twilio sees it now, as callback parameters ({@code CallStatus}, {@code CallSid}, ...). */
    Map<String, String> fetch(CarrierNumber.Twilio n, String sid) {
        return params(Call.fetcher(n.accountSid(), sid).fetch(client(n)));
    }

    /**
     * Calls from the number to {@code to} created since {@code since}, newest first: what a create
     * that timed out may have made.
     */
    List<Map<String, String>> recent(CarrierNumber.Twilio n, String to, Instant since) {
        var page = Call.reader(n.accountSid()).setTo(new PhoneNumber(to)).setFrom(new PhoneNumber(n.number())).setPageSize(20L)
                .firstPage(client(n));
        return StreamSupport.stream(page.getRecords().spliterator(), false)
                .filter(c -> c.getDateCreated() == null || !c.getDateCreated().toInstant().isBefore(since))
                .map(TwilioRest::params).toList();
    }

    private static Map<String, String> params(Call c) {
        return Map.of("CallSid", c.getSid(), "CallStatus", c.getStatus() == null ? "" : c.getStatus().toString());
    }
}
