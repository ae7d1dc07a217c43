package dev.parley.dialer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.support.Http;
import dev.parley.support.Sipp;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A flow step that transfers the call (SIP REFER), placed through the API to a real SIP trunk
 * (SIPp), which checks the REFER it gets and accepts or declines it.
 */
@Tag("sip")
class TransferTest {
    static final int TRUNK = Sipp.freeUdpPort();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + Sipp.freeUdpPort(),
            ConfigLoader.SIP_TRUNK, "127.0.0.1:" + TRUNK,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.SPEECH_RECOGNIZERS, "1", // nothing here depends on what is recognized: a second one would load for nothing
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1",
            ConfigLoader.PROVIDERS_ALLOWED_HOSTS, "127.0.0.1"));

    static final WebhookReceiver receiver = new WebhookReceiver();

    @BeforeAll
    static void requirePeer() {
        Sipp.require();
        server.callAtAnyHour(); // a SIP trunk reaches real people: calling hours apply unless turned off
        Http.Response r = server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth())
                .json("{\"webhook_url\":\"" + receiver.url() + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @AfterEach
    void everyEndedCallEndedExactlyOnce() {
        DialerTest.assertEveryEndedCallEndedOnce(server);
    }

    @Test
    void aFlowStepTransfersTheCallAndItEndsTransferred() throws Exception {
        try (Sipp trunk = Sipp.uas("uas-answer-refer-accept.xml", TRUNK, 1)) {
            String id = callWith("""
                    {"name": "front desk", "config": {"flow": {"steps": [
                      {"id": "agent", "say": "Connecting you to a person.", "transfer": "+14155550100"}]}}}""");
            JsonNode done = DialerTest.await(server, id, DialerTest::isFinal, "ended");

            assertThat(done.get("status").asText()).as("%s", done).isEqualTo("completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("transferred");
            assertThat(done.get("history").findValuesAsText("reason")).contains("transferred to +14155550100");
            JsonNode said = done.get("transcript").get(0);
            assertThat(said.get("text").asText()).isEqualTo("Connecting you to a person.");
            assertThat(said.get("interrupted").asBoolean()).as("the REFER waited for the line to play").isFalse();
            assertThat(trunk.awaitExit(10)).as("SIPp got the REFER with Refer-To <sip:+14155550100@127.0.0.1:"
                    + TRUNK + ">, our BYE after its 202, and answers to its NOTIFYs").isZero();
        }
    }

    /** A language model's {@code transfer_call} tool goes out as the same REFER. */
    @Test
    void aLanguageModelsTransferCallToolSendsTheRefer() throws Exception {
        try (var llm = dev.parley.support.FakeChatCompletions.start();
             Sipp trunk = Sipp.uas("uas-answer-refer-accept.xml", TRUNK, 1)) {
            // The assistant speaks first with a line the model makes while the phone rings, then transfers.
            llm.script(new dev.parley.support.FakeChatCompletions.Script(200, java.util.Optional.empty(),
                    List.of("Let me connect you to the front desk."),
                    List.of(dev.parley.support.FakeChatCompletions.Script.call("call_1", "transfer_call",
                            "{\"destination\": ", "\"+14155550100\"}")), 0, 0, -1, java.util.Optional.empty(), "fake-model"));
            Http.Response key = server.http.request("PUT", "/v1/admin/credentials/openai").headers(server.auth())
                    .json("{\"api_key\": \"sk-transfer\", \"base_url\": \"" + llm.baseUrl() + "\"}").send();
            assertThat(key.status()).as(key.body()).isEqualTo(200);
            String id = callWith("""
                    {"name": "desk", "config": {"first_message": "",
                      "model": {"provider": "openai", "model": "gpt-4o-mini", "base_url": "%s"},
                      "tool_config": [{"type": "transfer_call", "destinations": ["+14155550100"]}]}}""".formatted(llm.baseUrl()));
            JsonNode done = DialerTest.await(server, id, DialerTest::isFinal, "ended");
            assertThat(done.get("ended_reason").asText()).as("%s", done).isEqualTo("transferred");
            assertThat(done.get("transcript").get(0).get("text").asText()).isEqualTo("Let me connect you to the front desk.");
            assertThat(llm.requests().getFirst().toolNames()).contains("transfer_call");
            assertThat(llm.requests().getFirst().header("authorization")).as("the key set for this server").contains("Bearer sk-transfer");
            assertThat(trunk.awaitExit(10)).as("SIPp got the REFER to +14155550100 and our BYE").isZero();
        }
    }

    /**
     * The far end declines: the call stays up, with a packet every 20 ms, while the flow's
     * {@code on_transfer_failed} step speaks; it ends when the callee hangs up.
     */
    @Test
    void aDeclinedTransferGoesToTheFailureStepAndTheCallGoesOn() throws Exception {
        try (RtpSink sink = new RtpSink();
             Sipp trunk = Sipp.uas("uas-answer-refer-decline.xml", TRUNK, 1, Map.of("rtp_sink", Integer.toString(sink.port())))) {
            String id = callWith("""
                    {"name": "front desk", "config": {"flow": {"steps": [
                      {"id": "agent", "say": "Connecting you.", "transfer": "sip:desk@example.com",
                       "on_transfer_failed": "sorry"},
                      {"id": "sorry", "say": "Sorry, nobody is free.",
                       "listen": {"intents": [{"name": "yes", "phrases": ["yes"], "goto": "bye"}]}},
                      {"id": "bye", "end": {}}]}}}""");
            JsonNode done = DialerTest.await(server, id, DialerTest::isFinal, "ended");

            assertThat(done.get("status").asText()).as("%s", done).isEqualTo("completed");
            assertThat(done.get("ended_reason").asText()).as("SIPp's BYE five seconds after its 603").isEqualTo("callee-ended");
            assertThat(done.get("history").findValuesAsText("reason")).noneMatch(r -> r != null && r.contains("transferred"));
            assertThat(done.get("transcript").findValuesAsText("text")).containsExactly("Connecting you.", "Sorry, nobody is free.");
            assertThat(trunk.awaitExit(10)).as("SIPp got the REFER to <sip:desk@example.com>").isZero();

            List<RtpSink.Packet> packets = sink.packets();
            long callMs = Duration.between(Instant.parse(done.get("answered_at").asText()),
                    Instant.parse(done.get("ended_at").asText())).toMillis();
            assertThat(packets.size()).as("one packet per 20 ms of a %d ms call", callMs)
                    .isBetween((int) (callMs / 20 * 0.9), (int) (callMs / 20) + 5);
            for (int i = 1; i < packets.size(); i++) {
                assertThat((packets.get(i).sequence() - packets.get(i - 1).sequence()) & 0xffff)
                        .as("sequence number after packet %d", i).isEqualTo(1);
                // A REFER waited on the wrong thread would stop media for its answer's time; a busy
                // machine delays a tick by tens of milliseconds, and the clock catches up.
                assertThat(packets.get(i).arrivedNanos() - packets.get(i - 1).arrivedNanos())
                        .as("gap before packet %d", i).isLessThan(Duration.ofMillis(500).toNanos());
            }
        }
    }

    @Test
    void aTransferStepIsCheckedWhenTheAssistantIsSaved() {
        Http.Response bad = server.createAssistant("""
                {"name": "x", "config": {"flow": {"steps": [{"id": "agent", "transfer": "4155550100"}]}}}""");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/error/field").asText()).isEqualTo("config.flow.steps[0].transfer");
        assertThat(bad.message()).contains("step 'agent'", "E.164", "sip:");
    }

    private static String callWith(String assistantJson) {
        Http.Response created = server.createAssistant(assistantJson);
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        String assistant = created.json().at("/data/assistant_id").asText();
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + assistant + "\",\"to_number\":\"+14155550123\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }
}
