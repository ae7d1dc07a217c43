package dev.parley.telephony.sip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.support.Sipp;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every RFC 4475 torture message sent to the live SIP port: the process survives, every answer is
 * a well-formed status line with a clean reason phrase (no parser text), invalid messages are never
 * accepted, and a valid OPTIONS is answered 200 afterwards.
 */
@Tag("sip")
class TortureTest {
    static final Path DATA = Path.of("../shared/testdata/sip/rfc4475");
    static final Set<String> INVALID = Set.of("badinv01", "clerr", "ncl", "scalar02", "scalarlg", "quotbal", "ltgtruri", "lwsruri",
            "lwsstart", "trws", "escruri", "baddate", "regbadct", "badaspec", "baddn", "badvers", "mismatch01", "mismatch02", "bigcode");
    static final Pattern STATUS_LINE = Pattern.compile("SIP/2\\.0 [1-6]\\d\\d [\\x20-\\x7e]*\r\n");

    @Test
    void tortureMessagesAreHandledCleanlyAndTheAgentKeepsAnswering() throws Exception {
        if (!Files.isDirectory(DATA) && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("RFC 4475 test data missing at " + DATA.toAbsolutePath());
        }
        org.assertj.core.api.Assumptions.assumeThat(Files.isDirectory(DATA)).as("shared test data present").isTrue();
        try (SipUserAgent ua = new SipUserAgent(new SipUserAgent.Settings("127.0.0.1", Sipp.freeUdpPort(), "Parley-test"));
             DatagramSocket client = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            List<String> problems = new ArrayList<>();
            int probes = 0;
            try (var files = Files.list(DATA)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".dat")).sorted().toList()) {
                    String name = f.getFileName().toString().replace(".dat", "");
                    byte[] message = loopback(Files.readAllBytes(f), client.getLocalPort());
                    client.send(new DatagramPacket(message, message.length, InetAddress.getByName("127.0.0.1"), ua.port()));
                    for (String response : responses(client, ua.port(), ++probes)) {
                        if (!STATUS_LINE.matcher(response).lookingAt()) {
                            problems.add(name + ": malformed status line: " + response.lines().findFirst().orElse(""));
                        } else if (INVALID.contains(name) && response.startsWith("SIP/2.0 2")) {
                            problems.add(name + ": an invalid message was accepted: " + response.lines().findFirst().orElse(""));
                        }
                    }
                }
            }
            // Oversize (70 KB, over the 64 KiB limit) and a flood of 2,000 headers: bounded, never accepted.
            String flood = "OPTIONS sip:parley@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + client.getLocalPort()
                    + ";branch=z9hG4bK-flood\r\n" + "X-Flood: x\r\n".repeat(2000)
                    + "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: flood\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
            String oversize = "OPTIONS sip:parley@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + client.getLocalPort()
                    + ";branch=z9hG4bK-big\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: big\r\n"
                    + "CSeq: 1 OPTIONS\r\nX-Big: " + "a".repeat(63_000) + "\r\nContent-Length: 0\r\n\r\n";
            for (String hostile : List.of(flood, oversize)) {
                byte[] b = hostile.getBytes(StandardCharsets.US_ASCII);
                client.send(new DatagramPacket(b, b.length, InetAddress.getByName("127.0.0.1"), ua.port()));
                for (String response : responses(client, ua.port(), ++probes)) {
                    if (!STATUS_LINE.matcher(response).lookingAt() || response.startsWith("SIP/2.0 2")) {
                        problems.add((hostile == flood ? "header flood" : "oversize") + ": " + response.lines().findFirst().orElse(""));
                    }
                }
            }
            assertThat(problems).isEmpty();

            byte[] b = options("after-torture", ua.port(), client.getLocalPort()).getBytes(StandardCharsets.US_ASCII);
            client.setSoTimeout(3000);
            client.send(new DatagramPacket(b, b.length, InetAddress.getByName("127.0.0.1"), ua.port()));
            String after = answerTo(client, "after-torture");
            assertThat(after).startsWith("SIP/2.0 200");
        }
    }

    /** Points the message's replies at the test socket and keeps every host on loopback (the data's README says so). */
    static byte[] loopback(byte[] raw, int port) {
        String s = new String(raw, StandardCharsets.ISO_8859_1);
        s = s.replaceFirst("(?i)(\\n(?:Via|v)\\s*:\\s*SIP\\s*/\\s*2\\.0\\s*/\\s*UDP\\s+)[^;\\s,]+", "$1127.0.0.1:" + port);
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A valid OPTIONS from the test socket, its Call-ID {@code <id>@127.0.0.1}. */
    static String options(String id, int uaPort, int clientPort) {
        return "OPTIONS sip:parley@127.0.0.1:" + uaPort + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + clientPort + ";branch=z9hG4bK-" + id + ";rport\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:tester@127.0.0.1>;tag=1\r\nTo: <sip:parley@127.0.0.1>\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    }

    /**
     * The answers to the message just sent: an OPTIONS probe follows it, and what arrives before the
     * probe's own answer belongs to the message. The agent's stack reads datagrams on one thread in
     * arrival order and answers each before reading the next (THREAD_POOL_SIZE=1, answers sent from
     * processRequest), so no answer of the message can come after the probe's; the final answer a
     * refused INVITE retransmits (no ACK comes) may land with a later message, as it could with the
     * quiet-period wait this replaced (300 ms per message, 18 s in all).
     */
    static List<String> responses(DatagramSocket client, int uaPort, int probe) throws Exception {
        byte[] b = options("probe-" + probe, uaPort, client.getLocalPort()).getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(b, b.length, InetAddress.getByName("127.0.0.1"), uaPort));
        List<String> out = new ArrayList<>();
        client.setSoTimeout(3000);
        while (true) {
            String r = receive(client, "probe-" + probe);
            if (r.contains("probe-" + probe + "@127.0.0.1")) {
                return out;
            }
            out.add(r);
        }
    }

    /** Sends an OPTIONS to the agent on {@code uaPort} and returns its answer (within 3 s). */
    static String answerTo(int uaPort, String id) throws Exception {
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            client.setSoTimeout(3000);
            byte[] b = options(id, uaPort, client.getLocalPort()).getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(b, b.length, InetAddress.getByName("127.0.0.1"), uaPort));
            return answerTo(client, id);
        }
    }

    /** The first datagram that answers the OPTIONS with Call-ID {@code <id>@127.0.0.1}. */
    static String answerTo(DatagramSocket client, String id) throws Exception {
        while (true) {
            String r = receive(client, id);
            if (r.contains(id + "@127.0.0.1")) {
                return r;
            }
        }
    }

    private static String receive(DatagramSocket client, String awaited) throws Exception {
        byte[] buf = new byte[65536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            client.receive(p);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the agent stopped answering: no answer to " + awaited + " within 3 s");
        }
        return new String(buf, 0, p.getLength(), StandardCharsets.ISO_8859_1);
    }
}
