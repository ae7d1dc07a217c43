package dev.parley.telephony.sip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.support.Sipp;
import dev.parley.telephony.CallEnd;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Transfers (REFER, RFC 3515) from Parley's user agent to a real SIP peer (SIPp) playing the callee. */
@Tag("sip")
class SipTransferTest {
    static SipUserAgent ua;

    @BeforeAll
    static void start() {
        Sipp.require();
        ua = new SipUserAgent(new SipUserAgent.Settings("127.0.0.1", Sipp.freeUdpPort(), "Parley-test"));
    }

    @AfterAll
    static void stop() {
        if (ua != null) {
            ua.close();
        }
    }

    private static OutboundCall dial(Sipp sipp, SipUserAgentTest.Recorder r) {
        String offer = SdpOffer.audio("127.0.0.1", Sipp.freeUdpPort(), 1);
        return ua.dial(new SipUserAgent.Invite("sip:+14155550123@127.0.0.1:" + sipp.port, "+14155550199", offer), r);
    }

    @Test
    void anAcceptedReferEndsTheCallAsTransferredWithOurBye() throws Exception {
        try (Sipp sipp = Sipp.uas("uas-answer-refer-accept.xml")) {
            var r = new SipUserAgentTest.Recorder();
            OutboundCall call = dial(sipp, r);
            r.answered.get(10, TimeUnit.SECONDS);

            assertThat(call.transfer("+14155550100")).as("SIPp answered 202").isTrue();
            CallEnd end = r.end.get(10, TimeUnit.SECONDS);
            assertThat(end).isEqualTo(CallEnd.transferred("transferred to +14155550100"));
            assertThat(r.events).containsExactly("answered", "ended transferred");
            assertThat(call.transfer("+14155550100")).as("a call that is over transfers no more").isFalse();
            assertThat(sipp.awaitExit(10))
                    .as("SIPp saw Refer-To <sip:+14155550100@127.0.0.1:port> and Referred-By, got 200 for its NOTIFY"
                            + " before the 202, our BYE after it, and 481 for its NOTIFY after the BYE")
                    .isZero();
        }
    }

    @Test
    void aDeclinedReferLeavesTheCallUpUntilTheCalleeHangsUp() throws Exception {
        try (Sipp sipp = Sipp.uas("uas-answer-refer-decline.xml", Sipp.freeUdpPort(), 1,
                Map.of("rtp_sink", Integer.toString(Sipp.freeUdpPort())))) {
            var r = new SipUserAgentTest.Recorder();
            OutboundCall call = dial(sipp, r);
            r.answered.get(10, TimeUnit.SECONDS);

            assertThat(call.transfer("sip:desk@example.com")).as("SIPp answered 603").isFalse();
            assertThat(r.end).as("the call goes on").isNotDone();
            CallEnd end = r.end.get(15, TimeUnit.SECONDS);
            assertThat(end.reason().wire()).as("SIPp's BYE, five seconds later").isEqualTo("callee-ended");
            assertThat(sipp.awaitExit(10)).isZero();
        }
    }

    @Test
    void aReferNobodyAnswersIsGivenUpAfterItsPatienceAndOneTransferRunsAtATime() throws Exception {
        try (Sipp sipp = Sipp.uas("uas-answer-refer-silent.xml")) {
            var r = new SipUserAgentTest.Recorder();
            OutboundCall call = dial(sipp, r);
            r.answered.get(10, TimeUnit.SECONDS);

            long started = System.nanoTime();
            CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> call.transfer("+14155550100"));
            Thread.sleep(500); // the REFER is out and unanswered
            assertThat(call.transfer("+14155550101")).as("a second transfer while the first waits").isFalse();
            assertThat(first.get(10, TimeUnit.SECONDS)).as("no answer is a refusal").isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isBetween(OutboundCall.REFER_PATIENCE, OutboundCall.REFER_PATIENCE.plusSeconds(2));
            assertThat(r.end).as("the call goes on").isNotDone();

            call.hangup();
            assertThat(r.end.get(10, TimeUnit.SECONDS).reason().wire()).isEqualTo("api-hangup");
            assertThat(sipp.awaitExit(10)).as("SIPp got exactly one REFER, then our BYE").isZero();
        }
    }

    @Test
    void aTransferBeforeTheAnswerOrToSomethingThatIsNotANumberOrSipUriSendsNoRefer() throws Exception {
        try (Sipp sipp = Sipp.uas("uas-ring-forever.xml")) {
            var r = new SipUserAgentTest.Recorder();
            OutboundCall call = dial(sipp, r);
            awaitEvent(r, "ringing 180");
            assertThat(call.transfer("+14155550100")).as("ringing, not answered").isFalse();
            call.hangup();
            r.end.get(10, TimeUnit.SECONDS);
            assertThat(sipp.awaitExit(10)).as("SIPp saw CANCEL, no REFER").isZero();
        }
        try (Sipp sipp = Sipp.uas("uas-answer.xml")) {
            var r = new SipUserAgentTest.Recorder();
            OutboundCall call = dial(sipp, r);
            r.answered.get(10, TimeUnit.SECONDS);
            for (String bad : new String[] {"4155550100", "tel:+14155550100", "+1415", "sip:desk@example.com?Replaces=x",
                    "sip:desk:secret@example.com", "sip:desk@example.com>;x", "sip:desk @example.com", "http://example.com"}) {
                assertThat(call.transfer(bad)).as(bad).isFalse();
            }
            call.hangup();
            r.end.get(10, TimeUnit.SECONDS);
            assertThat(sipp.awaitExit(10)).as("SIPp, expecting only our BYE, got no REFER").isZero();
        }
    }

    private static void awaitEvent(SipUserAgentTest.Recorder r, String event) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!r.events.contains(event) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(r.events).contains(event);
    }
}
