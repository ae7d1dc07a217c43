package dev.parley.ai.sphinx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.media.Wav;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test speech made by another engine (espeak-ng, never the assistant's own TTS) at telephone rate,
 * with a little silence either side as a caller's utterance has.
 */
final class EspeakSpeech {
    private EspeakSpeech() {}

    /** Skips the test where espeak-ng or sox is missing, but fails on CI, which installs them. */
    static void assumePresent() {
        boolean present = Files.isExecutable(Path.of("/usr/bin/espeak-ng")) && Files.isExecutable(Path.of("/usr/bin/sox"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("espeak-ng and sox are needed (.ci/run installs them)");
        }
        org.assertj.core.api.Assumptions.assumeThat(present).isTrue();
    }

    static short[] speak(String text) throws Exception {
        Path wav = Files.createTempFile("speech", ".wav");
        try {
            Process p = new ProcessBuilder("sh", "-c", "espeak-ng -v en-us -s 140 -w /dev/stdout '" + text
                    + "' | sox -D -t wav - -r 8000 -c 1 -b 16 " + wav + " pad 0.3 0.5").inheritIO().start();
            assertThat(p.waitFor()).isZero();
            try (InputStream in = Files.newInputStream(wav)) {
                return Wav.readMono8k(in);
            }
        } finally {
            Files.deleteIfExists(wav);
        }
    }

    /** A few seconds of ordinary speech to prime a recognizer's normalization (see GrammarRecognizer). */
    static short[] primer() {
        try (var voice = new dev.parley.ai.freetts.FreeTtsVoice()) {
            return voice.pcm("Hello. This is a short sentence to set the recognizer's levels before the call.");
        }
    }
}
