package dev.parley.ai.freetts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.ai.TextToSpeech;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FreeTtsVoiceTest {
    static FreeTtsVoice tts;
    static FreeTtsVoices voices;

    @BeforeAll
    static void allocate() {
        tts = new FreeTtsVoice();
        voices = new FreeTtsVoices(1);
    }

    @AfterAll
    static void release() {
        tts.close();
        voices.close();
    }

    @Test
    void speaksTelephoneRateAudioThatIsNotSilence() {
        short[] pcm = tts.pcm("Hello, this is Parley. Your appointment is tomorrow at nine.");
        assertThat(tts.sampleRate()).isEqualTo(8000f);
        double seconds = pcm.length / 8000.0;
        assertThat(seconds).isBetween(2.0, 8.0);
        double sum = 0;
        for (short s : pcm) {
            sum += (double) s * s;
        }
        assertThat(Math.sqrt(sum / pcm.length)).as("speech, not silence").isGreaterThan(300);
    }

    @Test
    void comesOutIn20MillisecondFramesAndStopsWhenClosed() throws InterruptedException {
        int frames = 0;
        try (TextToSpeech.Speech speech = voices.synthesize("One two three four five.")) {
            short[] f;
            while ((f = speech.next()) != null) {
                assertThat(f).hasSize(160);
                frames++;
            }
        }
        assertThat(frames).isGreaterThan(25);
        TextToSpeech.Speech interrupted = voices.synthesize("One two three four five.");
        interrupted.next();
        interrupted.close();
        assertThat(interrupted.next()).as("closed speech yields nothing more").isNull();
    }

    @Test
    void repeatedTextComesFromTheCache() throws InterruptedException {
        short[] first = voices.pcm("Thank you for your time. Goodbye!");
        assertThat(voices.pcm("Thank you for your time. Goodbye!")).isSameAs(first);
    }
}
