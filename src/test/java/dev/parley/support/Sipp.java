package dev.parley.support;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
            if (tcp) {
                awaitListening(port); // on a loaded machine it can take longer; TCP can be polled
            } else {
                awaitBound(port, p);
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

    /**
     * Until SIPp's UDP socket is in the kernel's table: a probe bind of our own could take the port
     * from SIPp, so the table is read instead. {@link #close} waits for a SIPp to be gone, so the
     * socket found is the new one's.
     */
    private static void awaitBound(int port, Process sipp) throws InterruptedException {
        String local = String.format("0100007F:%04X", port);
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (sipp.isAlive() && System.nanoTime() < deadline) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/net/udp"))) {
                    String[] fields = line.strip().split("\\s+");
                    if (fields.length > 1 && fields[1].equals(local)) {
                        return;
                    }
                }
            } catch (IOException e) {
                Thread.sleep(300); // no /proc: SIPp binds within a few ms
                return;
            }
            Thread.sleep(5);
        }
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

    /** A port free for UDP and for TCP: {@link TestPorts#udpAndTcp()}, named where most tests look for it. */
    public static int freeUdpPort() {
        return TestPorts.udpAndTcp();
    }

    /** Kills SIPp and waits until it is gone, so its port is free for the next one. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
