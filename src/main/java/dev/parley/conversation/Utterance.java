package dev.parley.conversation;

import dev.parley.ai.TextToSpeech;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One thing the assistant says: its text, its audio as the voice produces it, and how much of it
 * the caller actually heard. A producer thread reads the voice's frames into a queue the media clock
 * drains; {@link #cancel} closes the voice's stream, which stops its work (barge-in).
 */
final class Utterance {
    final String text;
    final boolean interruptible;
    /** Keys to send instead of speech (a reply's SendDtmf), in order with what is said. */
    final String digits;
    final long createdNanos = System.nanoTime();
    private final LinkedBlockingQueue<short[]> frames = new LinkedBlockingQueue<>();
    private volatile TextToSpeech.Speech speech;
    private volatile boolean produced;
    private volatile boolean canceled;
    volatile long firstAudioNanos;      // when the voice gave its first frame
    volatile long firstPlayedNanos;     // when the clock sent it
    volatile long firstPlayedSample = -1;
    volatile long lastPlayedSample = -1;
    volatile int framesProduced;
    volatile int framesPlayed;
    volatile String error;
    /** Set when the voice (and its fallbacks) failed for good: the call cannot go on speaking. */
    volatile dev.parley.ai.ProviderFailure failure;
    private volatile java.util.List<TextToSpeech.Word> words = java.util.List.of();

    private Utterance(String text, boolean interruptible, String digits) {
        this.text = text;
        this.interruptible = interruptible;
        this.digits = digits;
    }

    static Utterance speech(String text, boolean interruptible) {
        return new Utterance(text, interruptible, null);
    }

    static Utterance keys(String digits) {
        return new Utterance("", true, digits);
    }

    /**
     * Synthesizes on a virtual thread of its own, so a slow voice never stalls the media clock;
     * {@code done} runs once everything is produced (or it failed or was canceled).
     */
    void produce(TextToSpeech voice, Runnable done) {
        if (digits != null) {
            produced = true;
            done.run();
            return;
        }
        Thread.ofVirtual().name("tts").start(() -> {
            try (TextToSpeech.Speech s = voice.synthesize(text)) {
                speech = s;
                if (canceled) {
                    return;
                }
                short[] f;
                while (!canceled && (f = s.next()) != null) {
                    if (framesProduced % 25 == 0) {
                        words = s.words(); // timings so far: a cut keeps exactly the words heard
                    }
                    if (framesProduced == 0) {
                        firstAudioNanos = System.nanoTime();
                    }
                    frames.add(f);
                    framesProduced++;
                }
                words = s.words();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (dev.parley.ai.ProviderFailure.Exception e) {
                if (!canceled) {
                    error = "the voice failed: " + e.failure().message();
                    failure = e.failure();
                }
            } catch (RuntimeException e) {
                // Our own providers' messages say what to fix (e.g. no voice free); others are named by type only.
                error = "the voice failed: " + (e instanceof IllegalStateException ? e.getMessage() : e.getClass().getSimpleName());
            } finally {
                produced = true;
                done.run();
            }
        });
    }

    /** The next frame to play, or null when none is ready. Called by the media clock only. */
    short[] poll(long atSample) {
        short[] f = frames.poll();
        if (f != null) {
            if (framesPlayed == 0) {
                firstPlayedNanos = System.nanoTime();
                firstPlayedSample = atSample;
            }
            framesPlayed++;
            lastPlayedSample = atSample + 160;
        }
        return f;
    }

    /**
     * Takes back what was sent but never played at the far end (a media stream's buffer, dropped at
     * barge-in), so the transcript keeps what the caller heard.
     */
    void unheard(long samples) {
        int frames = (int) Math.min(framesPlayed, samples / 160);
        if (frames > 0) {
            framesPlayed -= frames;
            lastPlayedSample -= frames * 160L;
        }
    }

    /** Everything the voice produced has been played (or it was canceled). */
    boolean finished() {
        return canceled || (produced && frames.isEmpty());
    }

    void cancel() {
        canceled = true;
        frames.clear();
        TextToSpeech.Speech s = speech;
        if (s != null) {
            s.close();
        }
    }

    boolean canceled() {
        return canceled;
    }

    /**
     * The words the caller heard, when the utterance was cut short: by the voice's word timings when
     * it gives them, else the share of words matching the share of audio played (an estimate is
     * better than claiming the whole sentence was said).
     */
    String heardText() {
        if (framesPlayed == 0) {
            return "";
        }
        if (!canceled || framesProduced == 0 || framesPlayed >= framesProduced && produced) {
            return text;
        }
        java.util.List<TextToSpeech.Word> timed = words;
        if (!timed.isEmpty()) {
            // The voice said where each word lies: keep those whose audio was played to the end.
            long playedMs = framesPlayed * 20L;
            return String.join(" ", timed.stream().filter(w -> w.endMs() <= playedMs).map(TextToSpeech.Word::text).toList());
        }
        String[] words = text.strip().split("\\s+");
        int total = produced ? framesProduced : Math.max(framesProduced, framesPlayed);
        int n = (int) Math.round(words.length * (double) framesPlayed / total);
        return String.join(" ", Arrays.copyOf(words, Math.min(words.length, n)));
    }
}
