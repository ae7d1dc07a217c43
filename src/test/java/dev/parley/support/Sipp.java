package dev.parley.support;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A SIPp process playing one scenario from {@code src/test/resources/sipp} on 127.0.0.1, for exactly
 * one call. With CI=true a missing SIPp fails the test; elsewhere the test is skipped.
 */
public final class Sipp implements AutoCloseable {
    private final Process process;
    public final int port;
    private final Path errors;

    private Sipp(Process process, int port, Path errors) {
        this.process = process;
        this.port = port;
        this.errors = errors;
    }

    public static void require() {
        boolean present = Files.isExecutable(Path.of("/usr/bin/sipp"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("SIPp is missing: install the Debian package sip-tester (.ci/run does)");
        }
        assumeThat(present).as("SIPp (Debian package sip-tester) is installed").isTrue();
    }

    /** Starts SIPp as a callee (UAS) with the named scenario; returns once it listens. */
    public static Sipp uas(String scenario) {
        return uas(scenario, freeUdpPort(), 1);
    }

    /** On a given port (a configured trunk's), for {@code calls} calls. */
    public static Sipp uas(String scenario, int port, int calls) {
        return uas(scenario, port, calls, false);
    }

    /** @param echo SIPp sends every RTP packet it receives back to its sender */
    public static Sipp uas(String scenario, int port, int calls, boolean echo) {
        return uas(scenario, port, calls, echo, false);
    }

    /** @param tcp SIPp listens on TCP (one socket) instead of UDP */
    public static Sipp uas(String scenario, int port, int calls, boolean echo, boolean tcp) {
        return uas(scenario, port, calls, echo, tcp, Map.of());
    }

    /** @param keys values for the scenario's {@code [keyword]}s (SIPp's {@code -key}) */
    public static Sipp uas(String scenario, int port, int calls, Map<String, String> keys) {
        return uas(scenario, port, calls, false, false, keys);
    }

    private static Sipp uas(String scenario, int port, int calls, boolean echo, boolean tcp, Map<String, String> keys) {
        require();
        try (InputStream in = Sipp.class.getResourceAsStream("/sipp/" + scenario)) {
            Path file = Files.createTempFile("sipp-", ".xml");
            Files.write(file, in.readAllBytes());
            int mediaPort = freeUdpPort();
            Path errors = Files.createTempFile("sipp-errors-", ".log");
            List<String> cmd = new java.util.ArrayList<>(List.of("sipp", "-sf", file.toString(), "-i", "127.0.0.1",
                    "-p", Integer.toString(port), "-mp", Integer.toString(mediaPort), "-m", Integer.toString(calls), "-nostdin",
                    "-timeout", "30s", "-timeout_error", "-trace_err", "-error_file", errors.toString()));
            if (echo) {
                cmd.add("-rtp_echo");
            }
            if (tcp) {
                cmd.addAll(List.of("-t", "t1"));
            }
            keys.forEach((k, v) -> cmd.addAll(List.of("-key", k, v)));
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Thread.sleep(300); // SIPp binds its socket within a few ms; nothing to poll on UDP
            if (tcp) {
                awaitListening(port); // on a loaded machine it can take longer; TCP can be polled
            }
            return new Sipp(p, port, errors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIPp's exit code once its one call is done: 0 means the scenario ran to its end. */
    public int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        if (process.exitValue() != 0 && errors != null) {
            try {
                // What SIPp found wrong, for the failing test's output: the exit code alone says nothing.
                System.err.println("SIPp on port " + port + " exited " + process.exitValue() + ":\n" + Files.readString(errors));
            } catch (IOException e) {
                System.err.println("SIPp exited " + process.exitValue() + "; its error file is unreadable: " + e);
            }
        }
        return process.exitValue();
    }

    private static void awaitListening(int port) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("SIPp did not listen on TCP port " + port + " within 10 s");
    }

    /**
     * A port free for UDP and for TCP on 127.0.0.1: a SIP agent listens on both. A UDP port alone
     * was not enough: its TCP twin can be some connection's ephemeral port (the suite opens many),
     * and the agent then failed to start.
     */
    public static int freeUdpPort() {
        try {
            for (int i = 0; i < 50; i++) {
                try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getByName("127.0.0.1"))) {
                    int port = s.getLocalPort();
                    try (java.net.ServerSocket tcp = new java.net.ServerSocket()) {
                        tcp.setReuseAddress(false);
                        tcp.bind(new java.net.InetSocketAddress("127.0.0.1", port));
                        return port;
                    } catch (IOException taken) {
                        // its TCP twin is in use: try another
                    }
                }
            }
            throw new IllegalStateException("no port free for both UDP and TCP in 50 tries");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
