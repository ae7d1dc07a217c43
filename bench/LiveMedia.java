import dev.parley.ai.Responder;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.TextToSpeech;
import dev.parley.call.EndReason;
import dev.parley.call.TranscriptTurn;
import dev.parley.conversation.Conversation;
import dev.parley.conversation.TurnTaking;
import dev.parley.media.MediaClock;
import dev.parley.media.Pacer;
import dev.parley.media.Recorder;
import dev.parley.media.RtpTransport;
import dev.parley.media.SdpAnswer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Parley's side of bench/live-calls.sh in media mode: N calls of the media path alone, in this JVM,
 * each a real {@link RtpTransport} on its own UDP socket under a {@link Pacer} (the 20 ms clock, a
 * packet every tick, silence included) and a {@link Recorder}, driving a real {@link Conversation} (so the
 * caller's frames go through the project's VAD and turn detector, which are package-private and
 * reached only this way). The providers are fixed fakes, no recognizer: speech-to-text answers
 * "yes" at once when the turn detector ends an utterance, the responder answers every turn with
 * one line and listens again, and the voice plays a pre-made PCM prompt. So each call plays its
 * prompt after each of the caller's utterances, with silence in between, as a call would.
 *
 * <p>The far end (bench/LiveFarEnd.java, its own process) publishes its ports in DIR/far-ports;
 * this side opens one session per port and publishes its own in DIR/server-ports. Over the window
 * in DIR/window it measures this process's CPU time; after the window, with the calls still up, the
 * heap in use after a full GC (against the same before the calls opened). Then it writes each
 * call's recording (to a counter; call 0's to DIR/call0.wav to listen to) and closes the calls.
 *
 * <p>Every use of the project's classes is in {@link ParleyCall}: if the media stages' constructors
 * or the conversation's providers change, that is the one place to edit.
 *
 * Usage: java -cp tools:target/classes:$(cat target/runtime.classpath) LiveMedia --calls N --dir DIR
 *        --prompt prompt.s16 (8 kHz 16-bit little-endian) [--jfr file.jfr] [--max-seconds S]
 */
public class LiveMedia {
    static final long EPOCH_OFFSET = System.nanoTime() - System.currentTimeMillis() * 1_000_000L;

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        int n = Integer.parseInt(o.getOrDefault("--calls", "50"));
        Path dir = Path.of(o.get("--dir"));
        short[] prompt = pcm(Files.readAllBytes(Path.of(o.get("--prompt"))));
        long deadline = System.nanoTime() + Long.parseLong(o.getOrDefault("--max-seconds", "900")) * 1_000_000_000L;

        long heapBefore = heapAfterGc();
        Path far = waitFor(dir.resolve("far-ports"), deadline);
        List<String> farPorts = Files.readAllLines(far);
        List<ParleyCall> calls = new ArrayList<>();
        StringBuilder ports = new StringBuilder();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            calls.add(new ParleyCall(i, socket, new InetSocketAddress("127.0.0.1", Integer.parseInt(farPorts.get(i).trim())), prompt));
            ports.append(socket.getLocalPort()).append('\n');
        }
        Files.writeString(dir.resolve("server-ports.tmp"), ports);
        Files.move(dir.resolve("server-ports.tmp"), dir.resolve("server-ports"));
        System.out.printf(Locale.ROOT, "media: %d calls open in %.0f ms (prompt %.1f s)%n", n, (System.nanoTime() - t0) / 1e6,
                prompt.length / 8000.0);

        jdk.jfr.Recording jfr = null;
        if (o.containsKey("--jfr")) {
            // Started now, with the calls just open, not at the window: starting a recording takes
            // seconds of CPU on a starved machine (once 5.7 s), which must not fall inside the window.
            // It records the settle seconds and the window, not the GC after it.
            jfr = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
            jfr.start();
        }
        String[] w = Files.readString(waitFor(dir.resolve("window"), deadline)).trim().split("\\s+");
        long start = Long.parseLong(w[0]) * 1_000_000L + EPOCH_OFFSET;
        long end = Long.parseLong(w[1]) * 1_000_000L + EPOCH_OFFSET;
        sleepUntil(start);
        long cpu0 = cpuNanos();
        long[] s0 = ParleyCall.stats();
        long wall0 = System.nanoTime();
        sleepUntil(end);
        long cpu1 = cpuNanos();
        long wall1 = System.nanoTime();
        long[] s1 = ParleyCall.stats();
        if (jfr != null) {
            jfr.stop();
            jfr.dump(Path.of(o.get("--jfr")));
        }
        long heapLive = heapAfterGc();
        long recordingBytes = 0;
        for (int i = 0; i < calls.size(); i++) {
            recordingBytes += calls.get(i).recording(i == 0 ? dir.resolve("call0.wav") : null);
        }
        for (ParleyCall c : calls) {
            c.close();
        }
        double window = (wall1 - wall0) / 1e9;
        double cpu = (cpu1 - cpu0) / 1e9;
        String report = String.format(Locale.ROOT,
                "{\"calls\":%d,\"window_s\":%.2f,\"cpu_s\":%.3f,\"heap_before_mb\":%.1f,\"heap_live_mb\":%.1f,"
                        + "\"recording_mb\":%.1f,\"rtp_in\":%d,\"rtp_out\":%d,\"rtp_lost_in\":%d,\"rtp_late_in\":%d,"
                        + "\"caller_turns\":%d,\"assistant_turns\":%d,\"hangups\":%d}",
                n, window, cpu, heapBefore / 1e6, heapLive / 1e6, recordingBytes / 1e6, s1[0] - s0[0], s1[1] - s0[1],
                s1[2] - s0[2], s1[3] - s0[3], ParleyCall.callerTurns.get(), ParleyCall.assistantTurns.get(), ParleyCall.hangups.get());
        Files.writeString(dir.resolve("server-report.json"), report);
        System.out.println("media: " + report);
        System.exit(0);
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static long heapAfterGc() {
        System.gc();
        System.gc(); // a second pass for what the first one's finalization and reference processing let go
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static Path waitFor(Path p, long deadline) throws InterruptedException {
        while (!Files.exists(p)) {
            if (System.nanoTime() > deadline) {
                System.out.println("media: gave up waiting for " + p);
                System.exit(2);
            }
            Thread.sleep(50);
        }
        return p;
    }

    static void sleepUntil(long nanos) throws InterruptedException {
        long wait;
        while ((wait = nanos - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, wait / 1_000_000L));
        }
    }

    static short[] pcm(byte[] le) {
        short[] s = new short[le.length / 2];
        ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
        return s;
    }

    /**
     * One call as the media path runs it, and the only place that touches the project's classes:
     * the session on its socket, the conversation on the session, and the fixed fakes around it.
     */
    static final class ParleyCall {
        static final RtpTransport.Stats STATS = RtpTransport.Stats.create();
        static final MediaClock CLOCK = new MediaClock();
        static final AtomicLong callerTurns = new AtomicLong(), assistantTurns = new AtomicLong(), hangups = new AtomicLong();
        static final String LINE = "thank you, I have noted that. is there anything else?";

        final RtpTransport transport;
        final Recorder recorder = new Recorder();
        final Pacer pacer;
        final Conversation conversation;

        ParleyCall(int i, DatagramSocket socket, InetSocketAddress far, short[] prompt) {
            transport = new RtpTransport(socket, new SdpAnswer(far, SdpAnswer.PCMU, 101), digit -> { }, STATS);
            pacer = new Pacer(transport, recorder, CLOCK);
            pacer.answered();
            Responder.Session responder = (input, transcript) -> Responder.Reply.of(List.of(
                    new Responder.Part.Say(LINE, true),
                    new Responder.Part.Listen(List.of("yes"), Duration.ofSeconds(60))));
            Conversation.Line line = new Conversation.Line() {
                @Override
                public void hangup(EndReason reason, String detail) {
                    hangups.incrementAndGet();
                }

                @Override
                public void record(TranscriptTurn turn) {
                    (turn.speaker().equals("caller") ? callerTurns : assistantTurns).incrementAndGet();
                }
            };
            conversation = new Conversation("bench-" + i, TurnTaking.DEFAULTS, true, responder, new Stt(), new Voice(prompt),
                    line, new Conversation.Observer() { });
            conversation.prepare();
            conversation.start(pacer);
        }

        static long[] stats() {
            return new long[] {STATS.in().sum(), STATS.out().sum(), STATS.lost().sum(), STATS.late().sum()};
        }

        /** Writes the call's stereo recording (caller left, Parley right); returns its size. */
        long recording(Path file) throws IOException {
            CountingStream counter = new CountingStream(file != null ? Files.newOutputStream(file) : null);
            try (counter) {
                recorder.writeWav(counter);
            }
            return counter.count;
        }

        void close() {
            conversation.stop();
            pacer.close();
            transport.close();
        }

        /** No recognizer: every utterance the turn detector ends is heard as "yes", at once. */
        static final class Stt implements SpeechToText.Session {
            final LinkedBlockingQueue<SpeechToText.SttEvent> events = new LinkedBlockingQueue<>();

            @Override
            public void send(short[] frame) {
            }

            @Override
            public void finish() {
                events.add(SpeechToText.SttEvent.Final.heard("yes"));
                events.add(new SpeechToText.SttEvent.SpeechEnded());
            }

            @Override
            public SpeechToText.SttEvent next(Duration timeout) throws InterruptedException {
                return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }

            @Override
            public void close() {
            }
        }

        /** The pre-made prompt, frame by frame, whatever the text. */
        record Voice(short[] prompt) implements TextToSpeech {
            @Override
            public Speech synthesize(String text) {
                return new Speech() {
                    int at;
                    volatile boolean closed;

                    @Override
                    public short[] next() {
                        if (closed || at >= prompt.length) {
                            return null;
                        }
                        short[] f = new short[160];
                        System.arraycopy(prompt, at, f, 0, Math.min(160, prompt.length - at));
                        at += 160;
                        return f;
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

    /** Counts what is written; also copies it to a file when given one. */
    static final class CountingStream extends OutputStream {
        final OutputStream copy;
        long count;

        CountingStream(OutputStream copy) {
            this.copy = copy;
        }

        @Override
        public void write(int b) throws IOException {
            count++;
            if (copy != null) {
                copy.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count += len;
            if (copy != null) {
                copy.write(b, off, len);
            }
        }

        @Override
        public void close() throws IOException {
            if (copy != null) {
                copy.close();
            }
        }
    }
}
