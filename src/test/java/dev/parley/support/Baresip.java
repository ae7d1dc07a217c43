package dev.parley.support;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A baresip softphone (Debian's baresip-core) as the callee: registers to Parley's sandbox with a
 * number and password, answers automatically, plays a WAV as its microphone and dumps what it hears
 * and sends as WAV files (sndfile). With CI=true a missing baresip fails the test.
 */
public final class Baresip implements AutoCloseable {
    private final Process process;
    public final Path dir;

    private Baresip(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    public static void require() {
        boolean present = Files.isExecutable(Path.of("/usr/bin/baresip"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("baresip is missing: install the Debian package baresip-core (.ci/run does)");
        }
        assumeThat(present).as("baresip (Debian package baresip-core) is installed").isTrue();
    }

    /** Registers {@code number} at the registrar with {@code password}; speaks {@code microphone} when answered. */
    public static Baresip register(String number, String password, String registrarHost, int registrarPort, Path microphone) {
        require();
        // A free UDP port may still be taken for TCP, which baresip also listens on: try another one.
        for (int attempt = 1; ; attempt++) {
            Baresip phone = start(number, password, registrarHost, registrarPort, microphone);
            try {
                // It says it is ready once its transports listen; a port taken makes it say so and exit.
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (System.nanoTime() < deadline && phone.process.isAlive()
                        && !phone.log().contains("baresip is ready.") && !phone.log().contains("Address already in use")) {
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!phone.log().contains("Address already in use") || attempt == 5) {
                return phone;
            }
            phone.close();
        }
    }

    private static Baresip start(String number, String password, String registrarHost, int registrarPort, Path microphone) {
        try {
            Path dir = Files.createTempDirectory("baresip");
            Path dumps = Files.createDirectories(dir.resolve("dumps"));
            int port = Sipp.freeUdpPort();
            Files.writeString(dir.resolve("config"), String.join("\n",
                    "sip_listen 127.0.0.1:" + port,
                    "net_interface 127.0.0.1",
                    "module_path /usr/lib/baresip/modules",
                    "module g711.so",
                    "module aufile.so",
                    "module sndfile.so",
                    "module_app account.so",
                    "module_app menu.so",
                    "audio_source aufile," + microphone,
                    "audio_player aufile," + dir.resolve("heard.wav"),
                    "snd_path " + dumps,
                    "rtp_ports " + TestPorts.softphoneRtpPorts(),
                    "") );
            Files.writeString(dir.resolve("accounts"), "<sip:" + number + "@" + registrarHost + ":" + registrarPort
                    + ";transport=udp>;auth_user=" + number + ";auth_pass=" + password
                    + ";regint=60;answermode=auto;audio_codecs=PCMU,PCMA\n");
            Files.writeString(dir.resolve("contacts"), "");
            Process p = new ProcessBuilder(List.of("baresip", "-4", "-f", dir.toString(), "-t", "60"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("baresip.log").toFile()).start();
            return new Baresip(p, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("baresip.log"));
        } catch (IOException e) {
            return "";
        }
    }

    /** The WAV files sndfile wrote: what baresip decoded (heard) and encoded (sent). */
    public List<Path> dumps() {
        try (var files = Files.list(dir.resolve("dumps"))) {
            return files.filter(f -> f.toString().endsWith(".wav")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
