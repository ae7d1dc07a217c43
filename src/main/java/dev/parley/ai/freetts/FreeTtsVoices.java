package dev.parley.ai.freetts;

import dev.parley.ai.TextToSpeech;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A node's FreeTTS voices, allocated at start and shared by every call: a phrase is synthesized by
 * whichever voice is free, and kept in one cache by text, so the greeting and closing lines that
 * every call of an assistant repeats are synthesized once. A voice is not shareable while it
 * speaks; a call that finds none free within the wait gets an error from {@code next()} rather
 * than hanging.
 */
public final class FreeTtsVoices implements TextToSpeech {
    private static final int CACHE = 1024;
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ArrayBlockingQueue<FreeTtsVoice> free;
    private final List<FreeTtsVoice> all = new ArrayList<>();
    private final Map<String, short[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, short[]> eldest) {
            return size() > CACHE;
        }
    };

    public FreeTtsVoices(int voices) {
        this.free = new ArrayBlockingQueue<>(voices);
        for (int i = 0; i < voices; i++) {
            FreeTtsVoice v = new FreeTtsVoice();
            all.add(v);
            free.add(v);
        }
    }

    @Override
    public Speech synthesize(String text) {
        return new Speech() {
            private short[] pcm;
            private int offset;
            private volatile boolean closed;

            @Override
            public short[] next() throws InterruptedException {
                if (closed) {
                    return null;
                }
                if (pcm == null) {
                    pcm = pcm(text);
                }
                if (offset >= pcm.length) {
                    return null;
                }
                short[] frame = Arrays.copyOfRange(pcm, offset, offset + 160);
                offset += 160;
                return frame;
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    /** The whole phrase at 8 kHz, from the cache or a free voice. */
    public short[] pcm(String text) throws InterruptedException {
        synchronized (cache) {
            short[] hit = cache.get(text);
            if (hit != null) {
                return hit;
            }
        }
        FreeTtsVoice voice = free.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (voice == null) {
            throw new IllegalStateException("no FreeTTS voice free within " + WAIT.toSeconds() + " s (speech.voices=" + all.size() + ")");
        }
        try {
            synchronized (cache) { // many calls ask for the same greeting at once: synthesize it once
                short[] hit = cache.get(text);
                if (hit != null) {
                    return hit;
                }
            }
            short[] pcm = trimmed(voice.pcm(text));
            synchronized (cache) {
                cache.put(text, pcm);
            }
            return pcm;
        } finally {
            free.add(voice);
        }
    }

    /**
     * Without the quiet FreeTTS puts before and after every phrase (about 150 ms before): that
     * quiet is pure delay to a caller waiting for an answer. 10 ms of it are kept at each end.
     */
    static short[] trimmed(short[] pcm) {
        int first = 0;
        while (first < pcm.length && Math.abs(pcm[first]) < 300) {
            first++;
        }
        int last = pcm.length - 1;
        while (last > first && Math.abs(pcm[last]) < 300) {
            last--;
        }
        if (first >= pcm.length) {
            return pcm;
        }
        return Arrays.copyOfRange(pcm, Math.max(0, first - 80), Math.min(pcm.length, last + 81));
    }

    @Override
    public void close() {
        all.forEach(FreeTtsVoice::close);
    }
}
