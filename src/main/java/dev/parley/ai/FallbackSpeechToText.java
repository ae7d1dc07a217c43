package dev.parley.ai;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transcriber and its fallbacks ({@code transcriber.fallbacks}): a session runs on the first
 * provider and, when that one reports {@link SttEvent.Failed}, opens the next provider's session
 * and goes on there; {@code Failed} reaches the conversation only when the last one fails.
 *
 * <p>What the failed session had not recognized yet is not lost: the session keeps the audio sent
 * after the last recognized point (the end of the last {@link SttEvent.Final} with a position, or,
 * for an utterance recognizer, the last answered {@code finish()}), at most 15 s of it, and replays
 * it into the next session, followed by the {@code finish()} calls still unanswered. Positions of
 * the next session's finals are moved onto this session's timeline. Its capabilities are the
 * current provider's, so they may change at a switch (a streaming primary, an utterance fallback).
 * Each provider is tried once per session.
 */
public final class FallbackSpeechToText implements SpeechToText {
    private static final Logger log = LoggerFactory.getLogger(FallbackSpeechToText.class);
    static final long MAX_REPLAY_MS = 15_000;

    private final List<SpeechToText> providers;

    /** @param providers the primary first, then its fallbacks in order */
    public FallbackSpeechToText(List<SpeechToText> providers) {
        if (providers.isEmpty()) {
            throw new IllegalArgumentException("a transcriber is needed");
        }
        this.providers = List.copyOf(providers);
    }

    @Override
    public Session start() {
        return new Chain();
    }

    @Override
    public void close() {
        providers.forEach(SpeechToText::close);
    }

    private record Held(short[] pcm, long atMs) {
        long endMs() {
            return atMs + pcm.length / 8;
        }
    }

    private final class Chain implements Session {
        private final ArrayDeque<Held> unrecognized = new ArrayDeque<>(); // all state guarded by this
        private final ArrayDeque<Long> finishes = new ArrayDeque<>();      // sent ms at each unanswered finish()
        private Session current;
        private int index;
        private long offsetMs;   // where the current session's timeline starts on this one
        private long sentMs;
        private long recognizedMs;
        private List<String> expected = List.of();
        private volatile boolean closed;

        Chain() {
            current = providers.getFirst().start();
        }

        @Override
        public synchronized Capabilities capabilities() {
            return current.capabilities();
        }

        @Override
        public synchronized void expect(List<String> phrases) {
            expected = List.copyOf(phrases);
            current.expect(expected);
        }

        @Override
        public synchronized void send(short[] frame) {
            Held h = new Held(frame, sentMs);
            sentMs = h.endMs();
            unrecognized.addLast(h);
            while (unrecognized.getLast().endMs() - unrecognized.getFirst().atMs() > MAX_REPLAY_MS) {
                unrecognized.removeFirst();
            }
            current.send(frame);
        }

        @Override
        public synchronized void finish() {
            finishes.addLast(sentMs);
            current.finish();
        }

        @Override
        public SttEvent next(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!closed) {
                Session s;
                synchronized (this) {
                    s = current;
                }
                SttEvent e = s.next(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                if (e != null) {
                    SttEvent out = handle(s, e);
                    if (out != null) {
                        return out;
                    }
                } else if (System.nanoTime() >= deadline) {
                    return null;
                } else {
                    synchronized (this) {
                        if (s == current) {
                            return null; // closed under us
                        }
                    }
                }
            }
            return null;
        }

        /** The event as this session reports it, or null when it was handled here (a failure with a fallback left). */
        private synchronized SttEvent handle(Session from, SttEvent e) {
            if (from != current || closed) {
                return null;
            }
            return switch (e) {
                case SttEvent.Failed f when index + 1 < providers.size() -> {
                    fallBack(f.failure());
                    yield null;
                }
                case SttEvent.Final f when f.endMs() >= 0 -> {
                    recognized(offsetMs + f.endMs());
                    yield new SttEvent.Final(f.text(), f.error(), offsetMs + f.endMs());
                }
                case SttEvent.SpeechEnded ended -> {
                    Long mark = finishes.pollFirst();
                    if (mark != null && !current.capabilities().streaming()) {
                        recognized(mark);
                    }
                    yield ended;
                }
                default -> e;
            };
        }

        private void recognized(long ms) {
            recognizedMs = Math.max(recognizedMs, ms);
            while (!unrecognized.isEmpty() && unrecognized.getFirst().endMs() <= recognizedMs) {
                unrecognized.removeFirst();
            }
        }

        private void fallBack(ProviderFailure failure) {
            log.warn("Speech to text failed ({}); its fallback takes over", failure.message());
            current.close();
            index++;
            current = providers.get(index).start();
            offsetMs = unrecognized.isEmpty() ? sentMs : unrecognized.getFirst().atMs();
            if (!expected.isEmpty()) {
                current.expect(expected);
            }
            for (Held h : unrecognized) {
                current.send(h.pcm());
            }
            for (int i = 0; i < finishes.size(); i++) {
                current.finish();
            }
        }

        @Override
        public void close() {
            closed = true;
            synchronized (this) {
                current.close();
            }
        }
    }
}
