package dev.parley.ai.deepgram;

import dev.parley.ai.ProviderFailure;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.SpeechToText.SttEvent;
import dev.parley.ai.Usage;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call's Deepgram stream.
 *
 * <p><b>One owner.</b> A virtual thread of the session's own takes {@link Input}s from one queue:
 * the caller's frames ({@link #send} only enqueues, so the media clock never waits on the network),
 * {@code finish()}, {@code close()}, and what the current {@link DeepgramLink} reports. It alone
 * sends on the WebSocket (one send at a time, as the JDK's client requires) and checks the timers:
 * {@code KeepAlive} when no audio went out for {@link DeepgramSpeechToText.Timing#keepAlive}, the
 * stall check, the wait for flushed results.
 *
 * <p><b>Timeline.</b> Deepgram's {@code start}/{@code duration} count from the first byte a
 * connection received; each link remembers where that was on the session's timeline (all audio
 * given to {@link #send}), so {@link SttEvent.Final#endMs()} is in session ms across reconnects.
 *
 * <p><b>Turns.</b> Interim results become {@link SttEvent.Interim}, final ones with words
 * {@link SttEvent.Final}. The provider's endpointing ends a turn ({@link SttEvent.SpeechEnded}) at a
 * {@code speech_final} result, or at {@code UtteranceEnd} when finals came since the last
 * {@code SpeechEnded} (so one turn is not ended twice). {@code finish()} sends {@code Finalize} and is
 * answered by one {@code SpeechEnded} once the results reach the audio sent before it (a
 * {@code from_finalize} result, or any final result that far), at once when they already do, or
 * after {@link DeepgramSpeechToText.Timing#finalizeWait} at the latest.
 *
 * <p><b>Faults.</b> A refused handshake, a dropped connection or a stall (audio going out for
 * {@link DeepgramSpeechToText.Timing#stallLimit} with nothing coming back) loses the link. Audio
 * not yet covered by a final result is held and replayed on the next link, with what arrived in the
 * meantime (bounded by {@link DeepgramSpeechToText.Timing#maxHeld}). A retryable failure reconnects
 * once (the budget comes back after a minute of a working connection); otherwise, or the second
 * time, the session reports {@link SttEvent.Failed} and stops: a {@code FallbackSpeechToText}
 * takes over from there.
 */
final class DeepgramSession implements SpeechToText.Session {
    private static final Logger log = LoggerFactory.getLogger(DeepgramSession.class);
    private static final SpeechToText.Capabilities STREAMING = new SpeechToText.Capabilities(true, true, true);
    /** Frames waiting for the session's thread beyond this (a minute) are dropped: it is stuck. */
    private static final int MAX_QUEUED_FRAMES = 3000;
    private static final long HEALTHY_NANOS = Duration.ofMinutes(1).toNanos();
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(1);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(1);
    private static final int FRAME_MS = 20;

    private sealed interface Input {
        record Audio(short[] pcm) implements Input {}

        record Finish() implements Input {}

        record Close() implements Input {}

        record Link(DeepgramLink.Signal signal) implements Input {}
    }

    /** A frame and where it starts on the session's timeline. */
    private record Held(short[] pcm, long atMs) {
        long endMs() {
            return atMs + pcm.length / 8;
        }
    }

    private final HttpClient http;
    private final URI uri;
    private final Optional<String> key;
    private final Usage usage;
    private final DeepgramSpeechToText.Timing timing;
    private final LinkedBlockingQueue<Input> inputs = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedFrames = new AtomicInteger();
    private final LinkedBlockingQueue<SttEvent> events = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private volatile boolean over;

    // Owned by the session's thread.
    private DeepgramLink link;
    private boolean open;
    private final ArrayDeque<Held> unsent = new ArrayDeque<>();
    private final ArrayDeque<Held> unconfirmed = new ArrayDeque<>();
    private long sessionMs;
    private long resultsEndMs;
    private boolean finalsSinceEnded;
    private int owed;
    private long flushUntilMs;
    private long flushDeadline;
    private boolean finalizeOnOpen;
    private int reconnects = 1;
    private long lastSentNanos;

    private DeepgramSession(HttpClient http, URI uri, Optional<String> key, Usage usage,
                            DeepgramSpeechToText.Timing timing) {
        this.http = http;
        this.uri = uri;
        this.key = key;
        this.usage = usage;
        this.timing = timing;
    }

    static DeepgramSession start(HttpClient http, URI uri, Optional<String> key, Usage usage,
                                 DeepgramSpeechToText.Timing timing) {
        DeepgramSession s = new DeepgramSession(http, uri, key, usage, timing);
        Thread.ofVirtual().name("deepgram-session").start(s::run);
        return s;
    }

    @Override
    public SpeechToText.Capabilities capabilities() {
        return STREAMING;
    }

    @Override
    public void send(short[] frame) {
        if (over || closed) {
            return;
        }
        if (queuedFrames.incrementAndGet() > MAX_QUEUED_FRAMES) {
            queuedFrames.decrementAndGet();
            return;
        }
        inputs.add(new Input.Audio(frame));
    }

    @Override
    public void finish() {
        if (!over && !closed) {
            inputs.add(new Input.Finish());
        }
    }

    @Override
    public SttEvent next(Duration timeout) throws InterruptedException {
        return closed ? null : events.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        events.clear();
        inputs.add(new Input.Close());
    }

    private void run() {
        connect();
        try {
            long tick = Math.clamp(Math.min(timing.keepAlive().toNanos(), timing.finalizeWait().toNanos()) / 4,
                    Duration.ofMillis(5).toNanos(), Duration.ofMillis(250).toNanos());
            while (!over) {
                Input in = inputs.poll(tick, TimeUnit.NANOSECONDS);
                if (in != null) {
                    handle(in);
                }
                if (!over) {
                    timers(System.nanoTime());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("The Deepgram session failed", e);
            fail(ProviderFailure.of(DeepgramLink.PROVIDER, false, "deepgram session failed: " + e));
        } finally {
            over = true;
            if (link != null && !closed) {
                link.abort();
            }
        }
    }

    private void connect() {
        link = DeepgramLink.connect(http, uri, key, timing.connectTimeout(), s -> inputs.add(new Input.Link(s)));
        open = false;
    }

    private void handle(Input in) {
        switch (in) {
            case Input.Audio a -> {
                queuedFrames.decrementAndGet();
                Held h = new Held(a.pcm(), sessionMs);
                sessionMs = h.endMs();
                if (open) {
                    sendAudio(h);
                } else {
                    unsent.addLast(h);
                    trim(unsent);
                }
            }
            case Input.Finish f -> finish(System.nanoTime());
            case Input.Close c -> shut();
            case Input.Link l -> signal(l.signal());
        }
    }

    private void finish(long now) {
        owed++;
        flushUntilMs = sessionMs;
        flushDeadline = now + timing.finalizeWait().toNanos();
        if (resultsEndMs >= sessionMs - FRAME_MS) {
            answerOwed(); // the provider has answered for all audio already: nothing to flush
        } else if (open) {
            sendText("{\"type\":\"Finalize\"}");
        } else {
            finalizeOnOpen = true;
        }
    }

    private void shut() {
        over = true;
        if (link != null && open) {
            try {
                link.sendText("{\"type\":\"CloseStream\"}", CLOSE_GRACE);
            } catch (ProviderFailure.Exception ignored) {
                // the stream is going away either way
            }
            link.close(CLOSE_GRACE);
        } else if (link != null) {
            link.abort();
        }
        link = null;
    }

    private void signal(DeepgramLink.Signal s) {
        if (s.link() != link) {
            if (s instanceof DeepgramLink.Signal.Opened) {
                s.link().abort(); // a link given up while it connected
            }
            return;
        }
        long now = System.nanoTime();
        switch (s) {
            case DeepgramLink.Signal.Opened o -> {
                open = true;
                link.openedNanos = now;
                link.lastHeardNanos = now;
                lastSentNanos = now;
                while (open && !unsent.isEmpty()) {
                    sendAudio(unsent.pollFirst());
                }
                if (open && finalizeOnOpen) {
                    finalizeOnOpen = false;
                    sendText("{\"type\":\"Finalize\"}");
                }
            }
            case DeepgramLink.Signal.Received r -> {
                link.lastHeardNanos = now;
                link.sentSinceHeardMs = 0;
                if (now - link.openedNanos >= HEALTHY_NANOS) {
                    reconnects = 1;
                }
                message(r.message());
            }
            case DeepgramLink.Signal.Lost l -> lost(l.failure());
        }
    }

    private void message(DeepgramMessage m) {
        switch (m) {
            case DeepgramMessage.Results r -> results(r);
            case DeepgramMessage.UtteranceEnd u -> {
                if (finalsSinceEnded) {
                    ended();
                }
            }
            case DeepgramMessage.SpeechStarted s -> emit(new SttEvent.SpeechStarted());
            case DeepgramMessage.Metadata md -> log.debug("Deepgram stream metadata, request {}", md.requestId());
            case DeepgramMessage.Other o -> { }
        }
    }

    private void results(DeepgramMessage.Results r) {
        String text = r.transcript().strip();
        if (!r.isFinal()) {
            if (!text.isEmpty()) {
                emit(new SttEvent.Interim(text));
            }
            return;
        }
        long end = Math.max(0, link.offsetMs) + r.endMs();
        resultsEndMs = Math.max(resultsEndMs, end);
        while (!unconfirmed.isEmpty() && unconfirmed.peekFirst().endMs() <= end) {
            unconfirmed.pollFirst();
        }
        if (!text.isEmpty()) {
            emit(new SttEvent.Final(text, null, end));
            finalsSinceEnded = true;
        }
        if (owed > 0 && (r.fromFinalize() || resultsEndMs >= flushUntilMs - FRAME_MS)) {
            answerOwed(); // one SpeechEnded, also when this result was speech_final
        } else if (r.speechFinal() && finalsSinceEnded) {
            ended();
        }
    }

    private void answerOwed() {
        for (; owed > 0; owed--) {
            emit(new SttEvent.SpeechEnded());
        }
        finalsSinceEnded = false;
    }

    private void ended() {
        emit(new SttEvent.SpeechEnded());
        finalsSinceEnded = false;
    }

    private void timers(long now) {
        if (owed > 0 && now - flushDeadline >= 0) {
            log.debug("Deepgram sent no flushed results in time; the turn ends without them");
            answerOwed();
        }
        if (!open) {
            return;
        }
        if (link.sentSinceHeardMs >= timing.stallLimit().toMillis()
                && now - link.lastHeardNanos >= timing.stallLimit().toNanos()) {
            lost(ProviderFailure.stalled(DeepgramLink.PROVIDER, timing.stallLimit()));
            return;
        }
        if (now - lastSentNanos >= timing.keepAlive().toNanos()) {
            sendText("{\"type\":\"KeepAlive\"}");
        }
    }

    private void sendAudio(Held h) {
        if (link.offsetMs < 0) {
            link.offsetMs = h.atMs();
        }
        unconfirmed.addLast(h);
        trim(unconfirmed);
        ByteBuffer b = ByteBuffer.allocate(h.pcm().length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : h.pcm()) {
            b.putShort(s);
        }
        b.flip();
        try {
            link.sendAudio(b, timing.stallLimit());
        } catch (ProviderFailure.Exception e) {
            lost(e.failure());
            return;
        }
        long ms = h.pcm().length / 8;
        usage.sttAudio(ms);
        link.sentSinceHeardMs += ms;
        lastSentNanos = System.nanoTime();
    }

    private void sendText(String json) {
        try {
            link.sendText(json, timing.stallLimit());
            lastSentNanos = System.nanoTime();
        } catch (ProviderFailure.Exception e) {
            lost(e.failure());
        }
    }

    /** Keeps the newest {@code maxHeld} of audio. */
    private void trim(ArrayDeque<Held> held) {
        long max = timing.maxHeld().toMillis();
        while (!held.isEmpty() && held.peekLast().endMs() - held.peekFirst().atMs() > max) {
            held.pollFirst();
        }
    }

    private void lost(ProviderFailure failure) {
        DeepgramLink dead = link;
        link = null;
        open = false;
        if (dead != null) {
            dead.abort();
        }
        // What the provider has not answered for goes to the next link, before what is waiting.
        while (!unconfirmed.isEmpty()) {
            unsent.addFirst(unconfirmed.pollLast());
        }
        trim(unsent);
        Duration wait = failure.retryAfter().orElse(Duration.ZERO);
        if (failure.retryable() && reconnects > 0 && wait.compareTo(MAX_RETRY_AFTER) <= 0) {
            reconnects--;
            log.warn("Deepgram stream lost ({}); reconnecting", failure.message());
            if (owed > 0) {
                finalizeOnOpen = true;
                flushDeadline = System.nanoTime() + timing.connectTimeout().plus(timing.finalizeWait()).toNanos();
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(failure);
                return;
            }
            connect();
            return;
        }
        fail(failure);
    }

    private void fail(ProviderFailure failure) {
        log.warn("Deepgram failed: {}", failure.message());
        emit(new SttEvent.Failed(failure));
        over = true;
        unsent.clear();
        unconfirmed.clear();
    }

    private void emit(SttEvent e) {
        if (!closed) {
            events.add(e);
        }
    }
}
