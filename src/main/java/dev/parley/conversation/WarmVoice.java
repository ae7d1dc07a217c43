package dev.parley.conversation;

import dev.parley.ai.ProviderFailure;
import dev.parley.ai.TextToSpeech;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A call's voice, with lines synthesized ahead: the greeting is made while the phone rings
 * ({@link #prefetch}), and the utterance that says it later plays what was made, from its first
 * frame on the first tick after the answer. A network voice has no cache of its own (FreeTTS has),
 * and synthesizing the greeting twice would pay the provider twice and still wait at the answer.
 */
final class WarmVoice implements TextToSpeech {
    private static final short[] END = new short[0];

    private final TextToSpeech voice;
    private final Map<String, Ahead> ahead = new ConcurrentHashMap<>();

    WarmVoice(TextToSpeech voice) {
        this.voice = voice;
    }

    /** Starts synthesizing {@code text} now, on a thread of its own; the next {@link #synthesize} of it plays this. */
    void prefetch(String text) {
        ahead.computeIfAbsent(text, t -> new Ahead(voice, t));
    }

    @Override
    public Speech synthesize(String text) {
        Ahead a = ahead.remove(text);
        return a != null ? a : voice.synthesize(text);
    }

    @Override
    public int sampleRate() {
        return voice.sampleRate();
    }

    /** Drops what was made ahead and never said; the voice itself belongs to whoever made it. */
    @Override
    public void close() {
        ahead.values().forEach(Ahead::close);
        ahead.clear();
    }

    /** One line being made ahead: frames kept as they come, handed out as a {@link Speech}. */
    private static final class Ahead implements Speech {
        private final LinkedBlockingQueue<short[]> frames = new LinkedBlockingQueue<>();
        private volatile Speech speech;
        private volatile boolean closed;
        private volatile RuntimeException failure;
        private volatile boolean ended;

        Ahead(TextToSpeech voice, String text) {
            Thread.ofVirtual().name("voice-ahead").start(() -> {
                try (Speech s = voice.synthesize(text)) {
                    speech = s;
                    short[] f;
                    while (!closed && (f = s.next()) != null) {
                        frames.add(f);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ProviderFailure.Exception | IllegalStateException e) {
                    failure = e;
                } catch (RuntimeException e) {
                    failure = new IllegalStateException("the voice failed ahead of time: " + e.getClass().getSimpleName());
                } finally {
                    frames.add(END);
                }
            });
        }

        @Override
        public short[] next() throws InterruptedException {
            if (ended || closed) {
                return null;
            }
            short[] f = frames.take();
            if (f == END) {
                ended = true;
                if (failure != null) {
                    throw failure;
                }
                return null;
            }
            return f;
        }

        @Override
        public List<Word> words() {
            Speech s = speech;
            return s == null ? List.of() : s.words();
        }

        @Override
        public void close() {
            closed = true;
            Speech s = speech;
            if (s != null) {
                s.close();
            }
        }
    }
}
