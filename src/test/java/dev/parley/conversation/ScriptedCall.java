package dev.parley.conversation;

import dev.parley.call.EndReason;
import dev.parley.ai.Responder;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.TextToSpeech;
import dev.parley.call.TranscriptTurn;
import dev.parley.media.AudioSink;
import dev.parley.media.AudioSource;
import dev.parley.media.CallAudio;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A call on a scripted timeline for conversation tests: it plays the media clock itself, feeds the
 * caller's frames from a script, and keeps what the assistant sent, tick by tick. Time is this
 * clock's: a tick is taken only once the conversation has settled (every event handled, every reply
 * and voice done producing, {@link Conversation#settled()}), so a test runs as fast as the work
 * allows and sees what a real 20 ms clock would, without sleeping. Speech is a tone (what the VAD
 * sees as voice), the recognizer answers scripted text, and the voice makes 10 frames per word.
 */
final class ScriptedCall implements CallAudio, Conversation.Line {
    static final short[] QUIET = new short[160];

    private volatile AudioSink sink;
    private volatile AudioSource source;
    private long at;
    final List<Boolean> sent = new ArrayList<>();     // per tick: did the assistant send audio
    final List<String> digitsSent = new CopyOnWriteArrayList<>();
    final List<TranscriptTurn> turns = new CopyOnWriteArrayList<>();
    final List<dev.parley.amd.AnsweredBy> answeredBy = new CopyOnWriteArrayList<>();
    volatile String hungUp;
    volatile String hangupDetail;
    /** What the far end holds unplayed (a buffering media stream); 0 like RTP unless a test sets it. */
    volatile long unplayed;
    volatile int cleared;
    volatile int hangupTick = -1;
    private volatile BooleanSupplier settled = () -> true;

    static short[] voice(int tick) {
        short[] f = new short[160];
        for (int i = 0; i < 160; i++) {
            f[i] = (short) (4000 * Math.sin(2 * Math.PI * 220 * (tick * 160 + i) / 8000.0));
        }
        return f;
    }

    /** Runs {@code ticks} ticks; the caller's frame at each tick comes from {@code caller}. */
    void run(int ticks, Function<Integer, short[]> caller) {
        for (int t = 0; t < ticks && hungUp == null; t++) {
            settle();
            at += 160;
            AudioSink s = sink;
            if (s != null) {
                s.frame(caller.apply(sent.size()), at);
            }
            AudioSource src = source;
            short[] out = src == null ? null : src.poll();
            sent.add(out != null);
        }
        settle();
    }

    /** Ties this clock to a conversation (and its scripted recognizer, if any): ticks wait until it settled. */
    void drives(Conversation c, ScriptedStt stt) {
        this.settled = stt == null ? c::settled : () -> c.settled() && stt.given() == c.sttEventsTaken();
    }

    /** Waits until the conversation has done all the work of the last tick (bounded: a stuck one fails the test). */
    void settle() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!settled.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the conversation did not settle within 10 s");
            }
            LockSupport.parkNanos(20_000);
        }
    }

    int firstSentTick() {
        return sent.indexOf(true);
    }

    /** The last tick at or after {@code from} on which audio was sent, or -1. */
    int lastSentTick(int from) {
        int last = -1;
        for (int i = from; i < sent.size(); i++) {
            if (sent.get(i)) {
                last = i;
            }
        }
        return last;
    }

    @Override
    public void listen(AudioSink sink) {
        this.sink = sink;
    }

    @Override
    public void speak(AudioSource source) {
        this.source = source;
    }

    @Override
    public boolean sendDigits(String digits) {
        digitsSent.add(digits);
        return true;
    }

    @Override
    public long sampleNow() {
        return at;
    }

    @Override
    public void clear() {
        cleared++;
    }

    @Override
    public long unplayedSamples() {
        return unplayed;
    }

    @Override
    public void hangup(EndReason reason, String detail) {
        hungUp = reason.wire();
        hangupDetail = detail;
        hangupTick = sent.size();
    }

    @Override
    public void record(TranscriptTurn turn) {
        turns.add(turn);
    }

    @Override
    public void record(dev.parley.amd.AnsweredBy verdict) {
        answeredBy.add(verdict);
    }

    final List<String> transfers = new CopyOnWriteArrayList<>();
    volatile boolean refuseTransfers;

    @Override
    public void transfer(String destination, Runnable refused) {
        transfers.add(destination);
        if (refuseTransfers) {
            refused.run();
        } else {
            hangup(EndReason.TRANSFERRED, "transferred to " + destination);
        }
    }

    /** A voice that fails as a network provider does once it and its fallbacks are out of service. */
    static final class FailingVoice implements TextToSpeech {
        @Override
        public Speech synthesize(String text) {
            throw new dev.parley.ai.ProviderFailure.Exception(
                    dev.parley.ai.ProviderFailure.of("elevenlabs", true, "elevenlabs answered HTTP 503"));
        }

        @Override
        public void close() {
        }
    }

    /**
     * A streaming recognizer with its own endpointing: it hears every frame of the call and sends
     * the events a test scripts for the frame it has just received (its n-th frame since the answer).
     */
    static final class StreamingStt extends ScriptedStt {
        private final java.util.Map<Integer, List<SttEvent>> at = new java.util.concurrent.ConcurrentHashMap<>();
        volatile int finishes;

        StreamingStt on(int frame, SttEvent... events) {
            at.put(frame, List.of(events));
            return this;
        }

        @Override
        public Capabilities capabilities() {
            return new Capabilities(true, true, true);
        }

        @Override
        public void send(short[] frame) {
            List<SttEvent> due = at.remove(framesSent);
            super.send(frame);
            if (due != null) {
                due.forEach(this::emit);
            }
        }

        @Override
        public void finish() {
            finishes++;
            emit(new SttEvent.SpeechEnded()); // nothing held back: its finals came already
        }
    }

    /** A voice that makes ten 20 ms frames per word, at once. */
    static final class WordVoice implements TextToSpeech {
        @Override
        public Speech synthesize(String text) {
            int frames = text.isBlank() ? 0 : text.strip().split("\\s+").length * 10;
            return new Speech() {
                private int n;
                private volatile boolean closed;

                @Override
                public short[] next() {
                    return closed || n >= frames ? null : voice(n++);
                }

                @Override
                public void close() {
                    closed = true;
                }
            };
        }

        @Override
        public void close() {
        }
    }

    /** A recognizer that answers each finished utterance with the next scripted text. */
    static class ScriptedStt implements SpeechToText, SpeechToText.Session {
        private final LinkedBlockingQueue<String> answers;
        private final LinkedBlockingQueue<SttEvent> events = new LinkedBlockingQueue<>();
        private final java.util.concurrent.atomic.AtomicInteger given = new java.util.concurrent.atomic.AtomicInteger();
        final List<List<String>> expected = new CopyOnWriteArrayList<>();
        volatile int framesSent;

        ScriptedStt(String... answers) {
            this.answers = new LinkedBlockingQueue<>(Arrays.asList(answers));
        }

        @Override
        public Session start() {
            return this;
        }

        @Override
        public void expect(List<String> phrases) {
            expected.add(phrases);
        }

        @Override
        public void send(short[] frame) {
            framesSent++;
        }

        @Override
        public void finish() {
            String text = answers.poll();
            emit(SttEvent.Final.heard(text == null ? "" : text));
            emit(new SttEvent.SpeechEnded());
        }

        void emit(SttEvent e) {
            given.incrementAndGet();
            events.add(e);
        }

        /** Events this recognizer has answered with so far. */
        int given() {
            return given.get();
        }

        @Override
        public SttEvent next(Duration timeout) throws InterruptedException {
            return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
        }
    }

    /** Answers each input with what the test's function says. */
    static Responder.Session responder(Function<Responder.Input, List<Responder.Part>> script) {
        return (input, transcript) -> Responder.Reply.of(script.apply(input));
    }
}
