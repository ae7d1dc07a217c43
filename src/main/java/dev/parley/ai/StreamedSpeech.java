package dev.parley.ai;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One utterance of a network voice: the provider's reader (a WebSocket listener, an HTTP body
 * reader) pushes audio as it arrives, of any length; the conversation's producer thread takes 20 ms
 * frames with {@link #next()} as soon as each is complete.
 *
 * <p>Three ways it ends, all seen by {@code next()} after the frames already queued: {@link #end()}
 * (the last frame padded with silence, then {@code null}), {@link #fail} (the failure thrown once
 * the good audio before it was taken), and a stall: no audio for the stall limit since the text
 * was sent ({@link #textSent()}) or since the last audio, which fails it with
 * {@link ProviderFailure#stalled}. Before the text is sent the provider's own connect timeout
 * applies: a slow handshake is a connection failure, not a stall.
 * {@link #close()} (barge-in) and a stall both run the provider's cancel hook once, which aborts
 * the connection so the provider stops generating; audio arriving after that is dropped.
 */
public final class StreamedSpeech implements TextToSpeech.Speech {
    private static final int FRAME = 160;
    private static final short[] END = new short[0];

    private final String provider;
    private final Duration stallLimit;
    private final LinkedBlockingQueue<short[]> frames = new LinkedBlockingQueue<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private short[] pending = new short[FRAME];
    private int filled;
    private boolean ended;
    private volatile long lastAudioNanos = System.nanoTime();
    private volatile ProviderFailure failure;
    private volatile boolean closed;
    private volatile boolean sent;
    private volatile List<TextToSpeech.Word> words = List.of();
    private volatile Runnable cancel = () -> {};

    public StreamedSpeech(String provider, Duration stallLimit) {
        this.provider = provider;
        this.stallLimit = checkedStallLimit(stallLimit);
    }

    /** For a voice's constructor, so a bad limit fails where it is configured, not at the first utterance. */
    public static Duration checkedStallLimit(Duration limit) {
        if (limit == null || limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("the stall limit must be positive, not " + limit);
        }
        return limit;
    }

    /** What stops the provider's work (aborting its connection); runs at once if already closed. */
    public void onCancel(Runnable hook) {
        this.cancel = hook;
        if (closed || cancelled.get()) {
            hook.run();
        }
    }

    /** The text went out to the provider: the stall clock starts now. */
    public void textSent() {
        lastAudioNanos = System.nanoTime();
        sent = true;
    }

    /** Audio as it arrives, any number of 8 kHz samples; complete frames are handed out at once. */
    public void audio(short[] samples) {
        synchronized (this) {
            if (ended || closed) {
                return;
            }
            int i = 0;
            while (i < samples.length) {
                int n = Math.min(FRAME - filled, samples.length - i);
                System.arraycopy(samples, i, pending, filled, n);
                filled += n;
                i += n;
                if (filled == FRAME) {
                    frames.add(pending);
                    pending = new short[FRAME];
                    filled = 0;
                }
            }
            lastAudioNanos = System.nanoTime();
        }
    }

    /** The words heard so far with their timings, replacing what was reported before. */
    public void words(List<TextToSpeech.Word> heard) {
        this.words = List.copyOf(heard);
    }

    /** The provider finished: the partial frame goes out padded with silence, then the end. */
    public synchronized void end() {
        if (ended || closed) {
            return;
        }
        ended = true;
        if (filled > 0) {
            frames.add(pending);
        }
        frames.add(END);
    }

    /** The provider failed; {@code next()} throws after handing out the frames that came before. */
    public synchronized void fail(ProviderFailure why) {
        if (ended || closed) {
            return;
        }
        ended = true;
        failure = why;
        frames.add(END);
    }

    /** Closed by the consumer (barge-in or done): the provider's work is being stopped. */
    public boolean closed() {
        return closed;
    }

    @Override
    public short[] next() throws InterruptedException {
        long limit = stallLimit.toNanos();
        while (!closed) {
            long wait = lastAudioNanos + limit - System.nanoTime();
            short[] f = frames.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
            if (closed) {
                return null;
            }
            if (f == END) {
                frames.add(END); // stays the answer to every later call
                ProviderFailure why = failure;
                if (why != null) {
                    throw new ProviderFailure.Exception(why);
                }
                return null;
            }
            if (f != null) {
                return f;
            }
            if (sent && System.nanoTime() - lastAudioNanos >= limit) {
                fail(ProviderFailure.stalled(provider, stallLimit));
                cancelOnce();
            }
        }
        return null;
    }

    @Override
    public List<TextToSpeech.Word> words() {
        return words;
    }

    @Override
    public void close() {
        closed = true;
        frames.clear();
        frames.add(END); // wakes a next() blocked on another thread
        cancelOnce();
    }

    private void cancelOnce() {
        if (cancelled.compareAndSet(false, true)) {
            cancel.run();
        }
    }
}
