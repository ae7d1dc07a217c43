package dev.parley.telephony.sip;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.parley.support.Await;
import dev.parley.support.CapturedLog;
import dev.parley.support.Sipp;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A softphone's keep-alive pings over TCP (RFC 5626's double CRLF) as a running node sees them. */
@Tag("sip")
class SipKeepAliveTest {

    @Test
    void pingsAreAnsweredAfterARequestAndNeverLoggedAsErrors() throws Exception {
        int port = Sipp.freeUdpPort();
        // DEBUG: so the complaint is seen, at the level it is logged
        try (CapturedLog log = CapturedLog.of("dev.parley.sip.stack", Level.DEBUG);
                SipUserAgent ua = new SipUserAgent(new SipUserAgent.Settings("127.0.0.1", port, "Parley-test"))) {
            // A ping before any request: the stack cannot answer it (its own null transport), and says so.
            try (Socket early = new Socket()) {
                early.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                early.getOutputStream().write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                early.setSoTimeout(1_000);
                try {
                    early.getInputStream().read();
                } catch (java.net.SocketTimeoutException expected) {
                    // no pong: see Slf4jSipLogger.aboutKeepAlivePong
                }
            }
            // A phone that registered (any request) first gets its pong, then leaves.
            try (Socket phone = new Socket()) {
                phone.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                phone.setSoTimeout(3_000);
                phone.getOutputStream().write(("OPTIONS sip:127.0.0.1:" + port + " SIP/2.0\r\n"
                        + "Via: SIP/2.0/TCP 127.0.0.1:40000;branch=z9hG4bK-keepalive-1\r\nMax-Forwards: 70\r\n"
                        + "From: <sip:phone@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1:" + port + ">\r\nCall-ID: keepalive-1\r\n"
                        + "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                InputStream in = phone.getInputStream();
                assertThat(readHead(in)).startsWith("SIP/2.0 200");
                phone.getOutputStream().write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(in.readNBytes(2), StandardCharsets.US_ASCII)).isEqualTo("\r\n");
            }
            // The stack's complaint about the first ping is logged on the connection's own thread, in its own time.
            Await.until("the stack's complaint about the early ping", Duration.ofSeconds(2), () -> log.contains("single CLRF"));
            assertThat(log.lines()).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
        }
    }

    private static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
