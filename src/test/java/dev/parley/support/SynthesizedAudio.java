package dev.parley.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the provider fakes "synthesize": real speech from espeak-ng, resampled by sox to the rate
 * the provider's wire carries, cached by text (a process per new text, about 50 ms). Where espeak-ng
 * or sox is missing (CI installs them) it is a deterministic tone instead, 200 ms per word, so the
 * fakes still stream audio of a length that grows with the text.
 */
public final class SynthesizedAudio {
    private static final boolean ESPEAK = Files.isExecutable(Path.of("/usr/bin/espeak-ng")) && Files.isExecutable(Path.of("/usr/bin/sox"));
    private static final Map<String, byte[]> ULAW = new ConcurrentHashMap<>();
    private static final Map<String, short[]> PCM24K = new ConcurrentHashMap<>();

    private SynthesizedAudio() {}

    /** {@code text} spoken as 8 kHz G.711 μ-law, one byte a sample (ElevenLabs' {@code ulaw_8000}). */
    public static byte[] ulaw8k(String text) {
        return ULAW.computeIfAbsent(text.strip(), t -> ESPEAK ? espeak(t, "-r", "8000", "-t", "ul") : toneUlaw(t));
    }

    /** {@code text} spoken as 24 kHz 16-bit mono PCM (OpenAI's {@code pcm}). */
    public static short[] pcm24k(String text) {
        return PCM24K.computeIfAbsent(text.strip(), t -> {
            if (!ESPEAK) {
                return tone(t, 24000);
            }
            byte[] le = espeak(t, "-r", "24000", "-t", "raw", "-e", "signed", "-b", "16", "-L");
            short[] pcm = new short[le.length / 2];
            for (int i = 0; i < pcm.length; i++) {
                pcm[i] = (short) ((le[2 * i] & 0xff) | (le[2 * i + 1] << 8));
            }
            return pcm;
        });
    }

    private static byte[] espeak(String text, String... soxOut) {
        List<String> sox = new java.util.ArrayList<>(List.of("sox", "-D", "-t", "wav", "-", "-c", "1"));
        sox.addAll(List.of(soxOut));
        sox.add("-");
        try {
            List<Process> pipe = ProcessBuilder.startPipeline(List.of(
                    new ProcessBuilder("espeak-ng", "-v", "en-us", "--stdout", text).redirectError(ProcessBuilder.Redirect.DISCARD),
                    new ProcessBuilder(sox).redirectError(ProcessBuilder.Redirect.DISCARD)));
            byte[] out;
            try (InputStream in = pipe.getLast().getInputStream()) {
                out = in.readAllBytes();
            }
            for (Process p : pipe) {
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("espeak-ng | sox failed for a test phrase");
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] toneUlaw(String text) {
        short[] pcm = tone(text, 8000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (short s : pcm) {
            out.write(dev.parley.media.G711.encodeUlaw(s));
        }
        return out.toByteArray();
    }

    /** 200 ms a word, each word its own pitch (300 to 1000 Hz, from its letters). */
    private static short[] tone(String text, int rate) {
        String[] words = text.split("\\s+");
        int per = rate / 5;
        short[] pcm = new short[words.length * per];
        for (int w = 0; w < words.length; w++) {
            double hz = 300 + Math.floorMod(words[w].hashCode(), 700);
            for (int i = 0; i < per; i++) {
                pcm[w * per + i] = (short) (8000 * Math.sin(2 * Math.PI * hz * i / rate));
            }
        }
        return pcm;
    }
}
