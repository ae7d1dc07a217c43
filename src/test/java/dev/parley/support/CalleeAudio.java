package dev.parley.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a softphone callee plays into a real call: 8 kHz mono WAV made with espeak-ng and sox (never
 * FreeTTS, the assistant's own voice). Each piece is {@code "pause:<seconds>"}, {@code
 * "beep:<seconds>"} (a 1 kHz tone, a mailbox's) or words to say.
 */
public final class CalleeAudio {
    private CalleeAudio() {}

    public static Path of(String... pieces) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("callee");
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < pieces.length; i++) {
            Path part = dir.resolve(i + ".wav");
            String p = pieces[i];
            String cmd = p.startsWith("pause:") ? "sox -n -r 8000 -c 1 -b 16 " + part + " trim 0 " + p.substring(6)
                    : p.startsWith("beep:") ? "sox -n -r 8000 -c 1 -b 16 " + part + " synth " + p.substring(5) + " sine 1000 vol 0.5"
                    : "espeak-ng -v en-us -s 150 -w /dev/stdout '" + p + "' | sox -D -t wav - -r 8000 -c 1 -b 16 " + part;
            Process proc = new ProcessBuilder("sh", "-c", cmd).inheritIO().start();
            assertThat(proc.waitFor()).as("espeak-ng and sox make the callee's audio: " + cmd).isZero();
            parts.add(part.toString());
        }
        Path out = dir.resolve("callee.wav");
        Process proc = new ProcessBuilder("sh", "-c", "sox -D " + String.join(" ", parts) + " " + out).inheritIO().start();
        assertThat(proc.waitFor()).isZero();
        return out;
    }
}
