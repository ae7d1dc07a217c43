import dev.parley.ai.Responder;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.TextToSpeech;
import dev.parley.call.EndReason;
import dev.parley.call.TranscriptTurn;
import dev.parley.call.TurnLatency;
import dev.parley.conversation.Conversation;
import dev.parley.conversation.TurnTaking;
import dev.parley.media.AudioSink;
import dev.parley.media.AudioSource;
import dev.parley.media.CallAudio;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Parley's own share of a turn's latency, and barge-in stop time, with fixed-latency fake
 * providers: the recognizer answers 100 ms after the end of speech, the responder's first part
 * comes after 50 ms, the voice's first frame after 80 ms. Each simulated call runs the media clock
 * in real time (20 ms ticks) on its own virtual thread and plays a caller who waits for the
 * assistant to finish, pauses, says something for 400 ms, and on every other turn talks over the
 * assistant's answer instead. Measured from outside the conversation, on the ticks:
 *   response = ticks from the caller's last loud frame to the assistant's first frame;
 *   platform = response - endpointing (500 ms) - 100 - 50 - 80, in 20 ms steps (the media clock's);
 * and as the conversation itself records it per turn (platform_ms, to the millisecond: what is left
 * after the measured stages, including the wait for the next tick of the clock).
 *   barge-in stop = ticks from the caller's first loud frame to the first silent assistant tick.
 * Usage: java -cp <classes:deps> bench/ConversationBench.java [calls] [turns]
 */
public class ConversationBench {
    static final int STT_MS = 100, RESPONDER_MS = 50, TTS_MS = 80, ENDPOINTING_MS = 500;
    static final ScheduledExecutorService TIMERS = Executors.newScheduledThreadPool(1, Thread.ofPlatform().daemon().factory());
    static final ConcurrentLinkedQueue<Double> platform = new ConcurrentLinkedQueue<>();
    static final ConcurrentLinkedQueue<Double> responses = new ConcurrentLinkedQueue<>();
    static final ConcurrentLinkedQueue<Double> reportedPlatform = new ConcurrentLinkedQueue<>();
    static final ConcurrentLinkedQueue<Double> bargeIn = new ConcurrentLinkedQueue<>();

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int turns = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        warmUp();
        platform.clear();
        responses.clear();
        reportedPlatform.clear();
        bargeIn.clear();
        CountDownLatch done = new CountDownLatch(calls);
        long cpu0 = cpu();
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    new Call(turns).run();
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = (cpu() - cpu0) / 1e9;
        System.out.printf("%d calls x %d caller turns in %.1f s; process CPU %.2f s = %.2f%% of one core per live call%n",
                calls, turns, wall, cpuSeconds, 100 * cpuSeconds / wall / calls);
        report("response: caller's last loud tick to the assistant's first tick (fakes take 730 ms of it)", responses);
        report("platform-added latency per turn, on the ticks (20 ms steps)", platform);
        report("platform_ms as recorded by the conversation", reportedPlatform);
        report("barge-in stop time from speech onset", bargeIn);
        System.exit(0);
    }

    static void warmUp() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(4);
        for (int i = 0; i < 4; i++) {
            Thread.ofVirtual().start(() -> {
                new Call(4).run();
                done.countDown();
            });
        }
        done.await();
    }

    static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static void report(String label, ConcurrentLinkedQueue<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        if (v.isEmpty()) {
            System.out.println(label + ": no samples");
            return;
        }
        System.out.printf("%s: n=%d p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%n", label, v.size(),
                v.get(v.size() / 2), v.get((int) (v.size() * 0.95)), v.get(Math.min(v.size() - 1, (int) (v.size() * 0.99))),
                v.getLast());
    }

    static short[] tone(long tick) {
        short[] f = new short[160];
        for (int i = 0; i < 160; i++) {
            f[i] = (short) (4000 * Math.sin(2 * Math.PI * 220 * (tick * 160 + i) / 8000.0));
        }
        return f;
    }

    /** One simulated call: the media clock, a scripted caller, fixed-latency providers. */
    static final class Call implements CallAudio, Conversation.Line {
        final int turns;
        volatile AudioSink sink;
        volatile AudioSource source;
        volatile boolean hungUp;
        long at;

        Call(int turns) {
            this.turns = turns;
        }

        void run() {
            Conversation c = new Conversation("bench", TurnTaking.DEFAULTS, true, responder(), new Stt(), new Voice(), this,
                    new Conversation.Observer() {
                        @Override
                        public void turn(TurnLatency l) {
                            if (l.sttMs() != null) {
                                reportedPlatform.add((double) l.platformMs());
                            }
                        }
                    });
            c.prepare();
            LockSupport.parkNanos(300_000_000L); // ringing
            c.start(this);
            LockSupport.parkNanos(20_000_000L);
            long tick = 0;
            long next = System.nanoTime();
            int quietAfterSpeech = 0;
            boolean assistantSpoke = false;
            int callerTurns = 0;
            long speakFrom = -1, speakTo = -1, lastLoud = -1, onset = -1;
            boolean measureResponse = false, measureBargeIn = false;
            int speakingTicks = 0;
            while (callerTurns <= turns && !hungUp && tick < 20_000) {
                next += 20_000_000L;
                LockSupport.parkNanos(next - System.nanoTime());
                tick++;
                at += 160;
                boolean loud = tick >= speakFrom && tick < speakTo;
                AudioSink s = sink;
                if (s != null) {
                    s.frame(loud ? tone(tick) : new short[160], at);
                }
                AudioSource src = source;
                boolean sent = src != null && src.poll() != null;
                if (loud) {
                    lastLoud = tick;
                }
                if (measureResponse && sent && tick > speakTo) {
                    double response = (tick - lastLoud) * 20.0;
                    responses.add(response);
                    platform.add(response - ENDPOINTING_MS - STT_MS - RESPONDER_MS - TTS_MS);
                    measureResponse = false;
                }
                if (measureBargeIn && !sent && tick > onset) {
                    bargeIn.add((tick - onset) * 20.0);
                    measureBargeIn = false;
                }
                speakingTicks = sent ? speakingTicks + 1 : 0;
                if (sent) {
                    assistantSpoke = true;
                    quietAfterSpeech = 0;
                } else if (assistantSpoke) {
                    quietAfterSpeech++;
                }
                boolean callerIdle = tick >= speakTo;
                if (callerIdle && !measureResponse && !measureBargeIn) {
                    boolean interrupt = callerTurns % 2 == 1;
                    if (interrupt && speakingTicks == 25) { // half a second into an answer: talk over it
                        onset = tick + 1;
                        speakFrom = onset;
                        speakTo = onset + 30;
                        measureBargeIn = true;
                        measureResponse = true;
                        callerTurns++;
                    } else if (!interrupt && assistantSpoke && quietAfterSpeech == 15) {
                        speakFrom = tick + 1;
                        speakTo = speakFrom + 20;
                        measureResponse = true;
                        callerTurns++;
                        assistantSpoke = false;
                    }
                }
            }
            c.stop();
        }

        Responder.Session responder() {
            return (input, transcript) -> new Responder.Reply() {
                boolean first = true;
                int left = 2;

                @Override
                public Responder.Part next() throws InterruptedException {
                    if (first) {
                        Thread.sleep(RESPONDER_MS);
                        first = false;
                    }
                    return switch (left--) {
                        case 2 -> new Responder.Part.Say("this is an answer of a dozen words that takes a little while to say aloud", true);
                        case 1 -> new Responder.Part.Listen(List.of("yes", "no"), Duration.ofSeconds(30));
                        default -> null;
                    };
                }
            };
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
            return true;
        }

        @Override
        public void clear() {
        }

        @Override
        public long unplayedSamples() {
            return 0;
        }

        @Override
        public long sampleNow() {
            return at;
        }

        @Override
        public void hangup(EndReason reason, String detail) {
            hungUp = true;
        }

        @Override
        public void record(TranscriptTurn turn) {
        }
    }

    static final class Stt implements SpeechToText.Session {
        final LinkedBlockingQueue<SpeechToText.SttEvent> events = new LinkedBlockingQueue<>();

        @Override
        public void send(short[] frame) {
        }

        @Override
        public void finish() {
            TIMERS.schedule(() -> events.add(SpeechToText.SttEvent.Final.heard("yes")), STT_MS, TimeUnit.MILLISECONDS);
        }

        @Override
        public SpeechToText.SttEvent next(Duration timeout) throws InterruptedException {
            return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
        }
    }

    static final class Voice implements TextToSpeech {
        @Override
        public Speech synthesize(String text) {
            int frames = text.split("\\s+").length * 10;
            return new Speech() {
                int n;
                volatile boolean closed;

                @Override
                public short[] next() throws InterruptedException {
                    if (n == 0) {
                        Thread.sleep(TTS_MS);
                    }
                    return closed || n >= frames ? null : tone(n++);
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
}
