package dev.parley.ai.sphinx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.media.Wav;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Speech made by another engine (espeak-ng, never the assistant's own TTS) at telephone rate, heard
 * through the grammar recognizer.
 */
@Tag("speech")
class GrammarRecognizerTest {
    static GrammarRecognizer recognizer;

    @BeforeAll
    static void create() {
        boolean present = Files.isExecutable(Path.of("/usr/bin/espeak-ng")) && Files.isExecutable(Path.of("/usr/bin/sox"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("espeak-ng and sox are needed (.ci/run installs them)");
        }
        org.assertj.core.api.Assumptions.assumeThat(present).isTrue();
        try (var voice = new dev.parley.ai.freetts.FreeTtsVoice()) {
            short[] primer = voice.pcm("Hello. This is a short sentence to set the recognizer's levels before the call.");
            recognizer = new GrammarRecognizer(List.of("yes", "no", "repeat", "goodbye", "talk to a person"), primer);
        }
    }

    static short[] speak(String text) throws Exception {
        Path wav = Files.createTempFile("speech", ".wav");
        Process p = new ProcessBuilder("sh", "-c", "espeak-ng -v en-us -s 140 -w /dev/stdout '" + text
                + "' | sox -t wav - -r 8000 -c 1 -b 16 " + wav + " pad 0.3 0.5").inheritIO().start();
        assertThat(p.waitFor()).isZero();
        try (InputStream in = Files.newInputStream(wav)) {
            return Wav.readMono8k(in);
        }
    }

    @Test
    void shortAnswersAreRecognizedFromTelephoneAudio() throws Exception {
        // Order matters to Sphinx4's live normalization: one-word answers first used to spoil "goodbye".
        assertThat(recognizer.recognize(speak("yes"))).hasValue("yes");
        assertThat(recognizer.recognize(speak("no"))).hasValue("no");
        assertThat(recognizer.recognize(speak("goodbye"))).hasValue("goodbye");
        assertThat(recognizer.recognize(speak("repeat"))).hasValue("repeat");
    }
}
