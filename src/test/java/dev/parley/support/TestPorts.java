package dev.parley.support;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the servers and peers a test starts, from a block of its own for each surefire fork
 * (the suite runs test classes in two JVMs at once, see the pom). The blocks lie below the
 * kernel's ephemeral range (32768-60999 on Linux), so neither a connection's port nor another
 * fork's peer lands in them; a port is handed out only if it is free for UDP and for TCP at that
 * moment (other programs on a shared machine), and each fork walks its block round-robin from a
 * random start, so a port is not handed out again before the block has been walked.
 *
 * <p>Fork {@code n} owns {@code 8000 + 6000 (n - 1)} to {@code 8000 + 6000 n - 1}: the first 2,000
 * for signalling and fixed small ranges ({@link #udpAndTcp}, {@link #range}), the next 3,000 for the
 * RTP of the servers it starts ({@link #rtpPorts}), the last 1,000 for softphones' RTP
 * ({@link #softphoneRtpPorts}). Four forks fit below 32768.
 */
public final class TestPorts {
    /** surefire's {@code ${surefire.forkNumber}}, passed by the pom; 1 when run otherwise. */
    public static final int FORK = fork();
    private static final int BASE = 8_000 + 6_000 * (FORK - 1);
    private static final int SIGNALLING = 2_000;
    private static final int RTP_FIRST = BASE + SIGNALLING;
    private static final int RTP_LAST = RTP_FIRST + 2_999;
    private static final int SOFTPHONE_RTP_FIRST = RTP_LAST + 1;
    /** Ports come in steps of 4: a peer may also use the port 2 above the one it was given (SIPp's echo, RTCP). */
    private static final int STEP = 4;
    private static int cursor = ThreadLocalRandom.current().nextInt(SIGNALLING / STEP) * STEP;

    private TestPorts() {}

    private static int fork() {
        String value = System.getProperty("parley.test.fork", "1");
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("parley.test.fork is '" + value + "', not a fork number (the pom passes ${surefire.forkNumber})");
        }
        if (n < 1 || n > 4) {
            throw new IllegalStateException("parley.test.fork is " + n + ": the port plan has blocks for forks 1 to 4;"
                    + " run the tests with -Dtest.forks=4 or fewer");
        }
        return n;
    }

    /**
     * A port free for UDP and for TCP on 127.0.0.1: a SIP agent listens on both. A UDP port alone
     * was not enough: its TCP twin could be taken, and the agent then failed to start.
     */
    public static int udpAndTcp() {
        return range(1);
    }

    /**
     * The first of {@code count} consecutive ports, all free for UDP and TCP now and handed to no
     * other caller of this fork until its block has been walked: a server's own RTP range, when a
     * test needs to know exactly which ports it has.
     */
    public static synchronized int range(int count) {
        int span = (count + STEP - 1) / STEP * STEP;
        if (span > SIGNALLING / 4) {
            throw new IllegalArgumentException(count + " ports are more than a test's range may hold");
        }
        for (int tries = 0; tries < SIGNALLING / span; tries++) {
            if (cursor + span > SIGNALLING) {
                cursor = 0;
            }
            int first = BASE + cursor;
            cursor += span;
            if (allFree(first, count)) {
                return first;
            }
        }
        throw new IllegalStateException("no " + count + " free ports in fork " + FORK + "'s block from " + BASE);
    }

    /** The RTP range ({@code rtp.ports}) of the servers this fork starts: theirs alone among the forks. */
    public static String rtpPorts() {
        return rtpPorts(0, 1);
    }

    /** Part {@code part} (from 0) of {@link #rtpPorts()} cut in {@code parts}: for nodes that must not reuse each other's ports. */
    public static String rtpPorts(int part, int parts) {
        int size = (RTP_LAST - RTP_FIRST + 1) / parts / 2 * 2;
        int first = RTP_FIRST + part * size;
        return first + "-" + (first + size - 1);
    }

    /** The RTP range of this fork's softphones (baresip picks free ones in it). */
    public static String softphoneRtpPorts() {
        return SOFTPHONE_RTP_FIRST + "-" + (SOFTPHONE_RTP_FIRST + 999);
    }

    private static boolean allFree(int first, int count) {
        for (int port = first; port < first + count; port++) {
            if (!free(port)) {
                return false;
            }
        }
        return true;
    }

    private static boolean free(int port) {
        try {
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port));
                 ServerSocket tcp = new ServerSocket()) {
                tcp.setReuseAddress(false);
                tcp.bind(new InetSocketAddress(loopback, port));
                return true;
            }
        } catch (IOException taken) {
            return false;
        }
    }
}
