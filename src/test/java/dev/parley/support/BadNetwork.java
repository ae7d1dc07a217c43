package dev.parley.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Parley node behind an {@link ImpairmentProxy}, and one spoken call through it to a baresip
 * softphone: the node listens on 127.0.0.1 and advertises 127.0.0.2 (the proxy, as a NAT would be),
 * so the callee's RTP into Parley, Parley's RTP to the callee and the callee's in-dialog requests
 * all cross the bad network (Parley's first packets go straight to the callee's SDP address, until
 * the callee's first packet through the proxy latches its symmetric RTP). Used by the suite (BadNetworkConversationTest) and by
 * bench/faults/net.sh, so both measure the same way.
 */
public final class BadNetwork implements AutoCloseable {
    public static final InetAddress PARLEY = address("127.0.0.1");
    public static final InetAddress OUTSIDE = address("127.0.0.2");

    /** A yes/no question, a reply and a goodbye: the offline assistant hears the callee's answer. */
    public static final String ASSISTANT = """
            {"name": "bad-network", "config": {"max_duration_seconds": 60, "flow": {"steps": [
              {"id": "ask", "say": "Can you make it tomorrow?", "listen": {
                 "intents": [{"name": "yes", "phrases": ["yes", "yeah"], "goto": "confirmed"},
                             {"name": "no", "phrases": ["no", "nope"], "goto": "declined"}],
                 "no_match": {"say": "Sorry, please say yes or no.", "retries": 1},
                 "no_input": {"say": "Are you still there?", "retries": 1, "timeout_seconds": 3}}},
              {"id": "confirmed", "say": "Great, see you then.", "goto": "bye"},
              {"id": "declined", "say": "Okay, we will call you back.", "goto": "bye"},
              {"id": "bye", "end": {"say": "Goodbye."}}]}}}""";

    public final int sipPort;
    public final int rtpFirst;
    public final int rtpLast;
    public final ImpairmentProxy proxy;

    private BadNetwork(int sipPort, int rtpFirst, int rtpLast, ImpairmentProxy proxy) {
        this.sipPort = sipPort;
        this.rtpFirst = rtpFirst;
        this.rtpLast = rtpLast;
        this.proxy = proxy;
    }

    /** Picks ports free on both addresses and starts the proxy on them. */
    public static BadNetwork open(ImpairmentProxy.Impairment toParley, ImpairmentProxy.Impairment toCallee) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            int sip = Sipp.freeUdpPort();
            int first = 41000 + 20 * ThreadLocalRandom.current().nextInt(400);
            try {
                return new BadNetwork(sip, first, first + 19,
                        ImpairmentProxy.start(OUTSIDE, PARLEY, List.of(sip), first, first + 19, toParley, toCallee));
            } catch (RuntimeException e) {
                last = e; // a port taken on 127.0.0.2: another range
            }
        }
        throw last;
    }

    /** The node's settings: SIP and RTP on 127.0.0.1, the proxy's address in SDP and Contact. */
    public Map<String, String> nodeSettings() {
        return Map.of(ConfigLoader.SIP_LISTEN, PARLEY.getHostAddress() + ":" + sipPort,
                ConfigLoader.SIP_EXTERNAL_ADDRESS, OUTSIDE.getHostAddress(),
                ConfigLoader.RTP_PORTS, rtpFirst + "-" + rtpLast,
                ConfigLoader.DIALER_ENABLED, "true",
                ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "10",
                ConfigLoader.SPEECH_RECOGNIZERS, "1");
    }

    /** Parley's RTP counters from /metrics (node-wide). */
    public record RtpCounts(long in, long lost, long late, long duplicate) {
        RtpCounts minus(RtpCounts o) {
            return new RtpCounts(in - o.in, lost - o.lost, late - o.late, duplicate - o.duplicate);
        }
    }

    /**
     * One call's outcome: the call as the API shows it at its end, Parley's RTP counters over the
     * call, what they should be by the proxy's record ({@code expected}, over the packets Parley
     * read: {@code parley.in()} of them), and the two streams as the proxy saw them.
     */
    public record Conversation(JsonNode call, RtpCounts parley, ImpairmentProxy.Expected expected,
                               ImpairmentProxy.Stream toParley, ImpairmentProxy.Stream toCallee) {
        public List<String> said(String speaker) {
            List<String> out = new java.util.ArrayList<>();
            call.get("transcript").forEach(t -> {
                if (t.get("speaker").asText().equals(speaker)) {
                    out.add(t.get("text").asText());
                }
            });
            return out;
        }
    }

    /**
     * Registers a softphone as {@code number} playing {@code microphone}, places one call to it with
     * {@code assistantId}, waits for its end (bounded) and collects the counts. The node must run
     * no other call meanwhile (its counters are node-wide).
     */
    public Conversation converse(TestServer server, String assistantId, String number, Path microphone) throws Exception {
        server.awaitSpeechEngines(); // a call placed while they load tests the machine's load, not the network
        proxy.reset();
        RtpCounts before = rtp(server);
        JsonNode done;
        try (Baresip phone = server.softphone(number, sipPort, microphone)) {
            Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + assistantId + "\",\"to_number\":\"" + number + "\"}").send();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            String id = r.json().at("/data/call_id").asText();
            done = awaitEnd(server, id, Duration.ofSeconds(60), phone);
        }
        // The transport counts what never came when it closes, just before the final status.
        RtpCounts parley = rtp(server).minus(before);
        List<ImpairmentProxy.Stream> in = proxy.streams(true);
        List<ImpairmentProxy.Stream> out = proxy.streams(false);
        assertThat(in).as("one RTP stream into Parley through the proxy").hasSize(1);
        assertThat(out).as("one RTP stream to the callee through the proxy").hasSize(1);
        return new Conversation(done, parley, in.getFirst().expected(parley.in()), in.getFirst(), out.getFirst());
    }

    private static JsonNode awaitEnd(TestServer server, String id, Duration bound, Baresip phone) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            JsonNode c = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
            if (!c.get("ended_at").isNull()) {
                return c;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the call did not end within " + bound + ": " + c + "\nbaresip:\n" + phone.log());
            }
            Thread.sleep(100); // a real call over UDP: nothing to advance but the clock
        }
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "^(parley_rtp_packets_(?:lost_|late_|duplicate_)?total)(\\{direction=\"(in|out)\"})? ([0-9.eE+-]+)$", Pattern.MULTILINE);

    public static RtpCounts rtp(TestServer server) {
        String metrics = server.http.request("GET", "/metrics").send().body();
        long in = -1, lost = -1, late = -1, duplicate = -1;
        Matcher m = SAMPLE.matcher(metrics);
        while (m.find()) {
            long v = (long) Double.parseDouble(m.group(4));
            switch (m.group(1)) {
                case "parley_rtp_packets_total" -> in = "in".equals(m.group(3)) ? v : in;
                case "parley_rtp_packets_lost_total" -> lost = v;
                case "parley_rtp_packets_late_total" -> late = v;
                default -> duplicate = v;
            }
        }
        assertThat(List.of(in, lost, late, duplicate)).as("the RTP counters are in /metrics").doesNotContain(-1L);
        return new RtpCounts(in, lost, late, duplicate);
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        proxy.close();
    }
}
