import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.parley.ai.Endpoint;
import dev.parley.ai.Usage;
import dev.parley.ai.deepgram.DeepgramSpeechToText;
import dev.parley.ai.elevenlabs.ElevenLabsVoice;
import dev.parley.ai.openai.OpenAiResponder;
import dev.parley.ai.openai.Options;
import dev.parley.ai.openai.Route;
import dev.parley.ai.openai.SdkWarmUp;
import dev.parley.ai.tools.ToolCaller;
import dev.parley.assistant.AssistantConfig;
import dev.parley.assistant.AssistantConfigJson;
import dev.parley.call.EndReason;
import dev.parley.call.TranscriptTurn;
import dev.parley.call.TurnLatency;
import dev.parley.conversation.Conversation;
import dev.parley.conversation.TurnTaking;
import dev.parley.media.AudioSink;
import dev.parley.media.AudioSource;
import dev.parley.media.CallAudio;
import dev.parley.support.FakeChatCompletions;
import dev.parley.support.FakeDeepgram;
import dev.parley.support.FakeElevenLabs;
import dev.parley.support.SpokenAudio;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 11's P4-P6 for the network providers: the real OpenAiResponder, DeepgramSpeechToText and
 * ElevenLabsVoice, each call's own, talking over loopback to the wire-level fakes of src/test
 * (chat-completions SSE, Deepgram's and ElevenLabs' WebSockets) at fixed delays, under a real
 * {@link Conversation} per call. Each call runs its media clock in real time (20 ms ticks) on a
 * virtual thread and plays a caller: it waits for the assistant to finish, pauses, says a line of
 * espeak-ng speech, and on every other turn talks over the reply half a second in.
 *
 * <p>Measured from outside, on the ticks (the audio timeline the caller hears):
 * <ul>
 * <li>P5: answer ({@code start}) to the first assistant frame; the greeting was prepared during a
 *     1 s ring, as the dialer does.
 * <li>P4: the caller's last loud frame to the reply's first frame, minus the fixed delays of the
 *     fakes (endpointing 300 ms, the model's first chunk 200 ms, the voice's first audio 100 ms).
 *     The Deepgram fake adds no delay of its own: it ends the turn when the 15th silent frame
 *     reaches it, the same frame on which the conversation's own endpointing ends it, so what the
 *     recognizer round trip costs lands in the platform share, with every other wire round trip.
 * <li>P6: the caller's first loud frame over the assistant to the first silent assistant tick; the
 *     platform part takes away the frames the turn detector needs by design (barge_in_min_ms: 7
 *     loud frames, the 7th delivered on tick onset+6, so the earliest stop is onset+7 = 140 ms).
 * </ul>
 * Also what the conversation itself records per turn ({@code TurnLatency}) and per barge-in.
 *
 * <p>Caller speech is gated: a frame at or below the Deepgram fake's speech threshold (300 RMS) is
 * made digital silence, so the fake's detector and the conversation's VAD agree on every frame and
 * "the last loud frame" means the same to both. The voice fake speaks three fixed texts, made once
 * with espeak-ng before the runs (it caches by text), so no synthesis runs while measuring.
 *
 * <p>Usage: java -cp <tools:test-classes:classes:deps> AiTurnBench [calls...]   (default 1 20 100)
 * System properties: turns (caller turns per call, default 4), minCalls (each level runs rounds of
 * its concurrent calls until at least this many calls ran, default 4).
 */
public class AiTurnBench {
    static final int ENDPOINTING_MS = 300, LLM_FIRST_CHUNK_MS = 200, TTS_FIRST_AUDIO_MS = 100;
    static final int FAKES_MS = ENDPOINTING_MS + LLM_FIRST_CHUNK_MS + TTS_FIRST_AUDIO_MS;
    static final int BARGE_IN_MIN_MS = 150, MIN_UTTERANCE_MS = 120;
    static final double SPEECH_RMS = 300; // FakeDeepgram's default threshold
    static final long TICK = 20_000_000L, RING = 1_000_000_000L, SPREAD = 2_000_000_000L;
    static final String GREETING = "Hi Alex, can you make it tomorrow?";
    static final String[] REPLY = {"Thanks, I have noted that. ", "Is there anything else I can help with? "};
    static final short[] SILENCE = new short[160];

    /** One line the caller says: gated 20 ms frames from the first loud one to the last. */
    record Line(short[][] frames, int bargeInFrame) {}

    static Line answer, interruption;
    static AssistantConfig config;
    static TurnTaking turnTaking;
    static ToolCaller tools;
    static FakeChatCompletions llm;
    static FakeDeepgram deepgram;
    static FakeElevenLabs elevenlabs;

    public static void main(String[] args) throws Exception {
        List<Integer> levels = new ArrayList<>();
        for (String a : args) {
            levels.add(Integer.parseInt(a));
        }
        if (levels.isEmpty()) {
            levels = List.of(1, 20, 100);
        }
        int turns = Integer.getInteger("turns", 4);
        int minCalls = Integer.getInteger("minCalls", 4);
        long t0 = System.nanoTime();
        llm = FakeChatCompletions.start();
        llm.script(FakeChatCompletions.Script.say(REPLY).firstChunkDelayMs(LLM_FIRST_CHUNK_MS));
        deepgram = new FakeDeepgram();
        elevenlabs = new FakeElevenLabs().firstAudioAfter(Duration.ofMillis(TTS_FIRST_AUDIO_MS)).pace(2.0);
        for (String text : List.of(GREETING, REPLY[0], REPLY[1])) {
            FakeElevenLabs.audioFor(text);
        }
        answer = line("yes, that works for me");
        interruption = line("sorry, one more thing");
        config = AssistantConfigJson.parse(new ObjectMapper().readTree("""
                {"system_prompt": "You call Alex for Acme Dental about an appointment tomorrow at nine.",
                 "first_message": "%s",
                 "model": {"provider": "openai", "model": "gpt-4o-mini", "base_url": "%s"},
                 "transcriber": {"provider": "deepgram", "model": "nova-2", "base_url": "%s"},
                 "voice": {"provider": "elevenlabs", "voiceId": "21m00Tcm4TlvDq8ikWAM", "model": "eleven_turbo_v2",
                           "base_url": "%s"},
                 "turn_taking": {"endpointing_ms": %d, "barge_in_min_ms": %d, "min_utterance_ms": %d}}"""
                .formatted(GREETING, llm.baseUrl(), deepgram.baseUrl(), elevenlabs.baseUrl(), ENDPOINTING_MS,
                        BARGE_IN_MIN_MS, MIN_UTTERANCE_MS)));
        AssistantConfig.TurnTaking t = config.turnTaking();
        turnTaking = new TurnTaking(t.endpointingMs(), t.bargeIn(), t.bargeInMinMs(), t.minUtteranceMs(), t.vadThresholdDb(),
                Duration.ofSeconds(t.noInputTimeoutSeconds()));
        tools = new ToolCaller(w -> List.of("whsec_bench"), u -> Optional.empty(), InstantSource.system());
        SdkWarmUp.once();
        System.out.printf("setup %.1f s; caller lines %d and %d frames (barge-in detected on frame %d of the second);"
                        + " fakes: endpointing %d ms, model first chunk %d ms, voice first audio %d ms%n",
                (System.nanoTime() - t0) / 1e9, answer.frames.length, interruption.frames.length,
                interruption.bargeInFrame + 1, ENDPOINTING_MS, LLM_FIRST_CHUNK_MS, TTS_FIRST_AUDIO_MS);

        // Loads and compiles the providers' and the fakes' code paths; nothing of it is counted.
        Level warm = run(2, 2, 1);
        System.out.printf("warm-up: %d calls in %.1f s%n", warm.calls.get(), warm.wall);

        List<Level> results = new ArrayList<>();
        for (int n : levels) {
            int rounds = Math.max(1, (minCalls + n - 1) / n);
            Level l = run(n, turns, rounds);
            results.add(l);
            System.out.printf("%d concurrent x %d round(s): %d calls, %d caller turns in %.1f s, load %s -> %s; ended: %s%n",
                    n, rounds, l.calls.get(), l.turns.get(), l.wall, l.load0, l.load1, l.endings);
        }
        print(results);
        tools.close();
        System.exit(0);
    }

    /** Speech from espeak-ng (a tone where it is missing), gated and trimmed as the class comment says. */
    static Line line(String text) {
        List<short[]> raw;
        try {
            raw = SpokenAudio.of().say(text).frames();
        } catch (RuntimeException e) {
            raw = SpokenAudio.of().tone(Duration.ofMillis(900), 6000).frames();
        }
        List<short[]> gated = new ArrayList<>();
        for (short[] f : raw) {
            gated.add(rms(f) > SPEECH_RMS ? f : SILENCE);
        }
        int from = 0, to = gated.size();
        while (from < to && gated.get(from) == SILENCE) {
            from++;
        }
        while (to > from && gated.get(to - 1) == SILENCE) {
            to--;
        }
        short[][] frames = gated.subList(from, to).toArray(short[][]::new);
        // The turn detector's count: loud frames, restarted by a gap of 7 (4 of hangover, then 3 silent).
        int need = Math.max(MIN_UTTERANCE_MS, BARGE_IN_MIN_MS) / 20, loud = 0, gap = 0, at = -1;
        for (int i = 0; i < frames.length && at < 0; i++) {
            if (frames[i] != SILENCE) {
                gap = 0;
                if (++loud == need) {
                    at = i;
                }
            } else if (++gap >= 7) {
                loud = 0;
            }
        }
        if (at < 0) {
            throw new IllegalStateException("the caller's line '" + text + "' is too short to interrupt");
        }
        return new Line(frames, at);
    }

    static double rms(short[] f) {
        double sum = 0;
        for (short s : f) {
            sum += (double) s * s;
        }
        return Math.sqrt(sum / f.length);
    }

    /** What one level measured. */
    static final class Level {
        final int n;
        final Map<String, Samples> samples = new LinkedHashMap<>();
        final AtomicInteger calls = new AtomicInteger(), turns = new AtomicInteger(), noReply = new AtomicInteger(),
                notStopped = new AtomicInteger(), unfinished = new AtomicInteger();
        final Map<String, Integer> endings = new ConcurrentHashMap<>();
        final long[] lateness = new long[1001]; // ms; guarded by itself
        double wall, cpu, talk;
        String load0, load1;
        Map<String, long[]> threads = new TreeMap<>();

        Level(int n) {
            this.n = n;
            for (String k : List.of("p5", "p5wall", "response", "p4", "platform_ms", "stt_ms", "responder_ms", "tts_ms",
                    "total_ms", "greeting_ms", "p6", "p6platform", "bargein_ms")) {
                samples.put(k, new Samples());
            }
        }

        void add(String key, double v) {
            samples.get(key).add(v);
        }

        void late(long nanos) {
            int ms = (int) Math.min(1000, Math.max(0, nanos / 1_000_000));
            synchronized (lateness) {
                lateness[ms]++;
            }
        }

        long latenessPercentile(double p) {
            synchronized (lateness) {
                long total = 0;
                for (long c : lateness) {
                    total += c;
                }
                long seen = 0;
                for (int i = 0; i < lateness.length; i++) {
                    seen += lateness[i];
                    if (seen > total * p) {
                        return i;
                    }
                }
                return 1000;
            }
        }
    }

    static final class Samples {
        final ConcurrentLinkedQueue<Double> values = new ConcurrentLinkedQueue<>();

        void add(double v) {
            values.add(v);
        }

        String summary() {
            List<Double> v = new ArrayList<>(values);
            if (v.isEmpty()) {
                return "-";
            }
            Collections.sort(v);
            return "%.0f / %.0f / %.0f".formatted(at(v, .50), at(v, .95), at(v, .99));
        }

        int size() {
            return values.size();
        }

        static double at(List<Double> sorted, double p) {
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * p) - 1));
        }
    }

    static Level run(int n, int turns, int rounds) throws InterruptedException {
        Level level = new Level(n);
        String[] texts = new String[n * rounds * (turns + 2)];
        java.util.Arrays.fill(texts, "yes that works for me");
        deepgram.transcripts(texts);
        level.load0 = load();
        Map<String, long[]> threads0 = threadCpu();
        long cpu0 = processCpu();
        long t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            CountDownLatch done = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                long delay = n == 1 ? 0 : SPREAD * i / n;
                int seed = r * 1000 + i;
                Thread.ofVirtual().start(() -> {
                    try {
                        LockSupport.parkNanos(delay);
                        new Call("bench-" + n + "-" + seed, turns, new Random(seed), level).run();
                    } catch (RuntimeException e) {
                        e.printStackTrace();
                    } finally {
                        done.countDown();
                    }
                });
            }
            // Every call ends by its own tick bound; this only guards against a call that hangs outside it.
            if (!done.await(60 + turns * 20L, TimeUnit.SECONDS)) {
                System.out.println("  some calls had not ended in time; counted what they measured");
            }
        }
        level.wall = (System.nanoTime() - t0) / 1e9;
        level.cpu = (processCpu() - cpu0) / 1e9;
        Map<String, long[]> threads1 = threadCpu();
        threads1.forEach((k, v) -> {
            long[] before = threads0.getOrDefault(k, new long[2]);
            level.threads.put(k, new long[] {v[0] - before[0], v[1]});
        });
        level.load1 = load();
        return level;
    }

    static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU nanoseconds per platform thread group (digits folded); virtual threads show as their carriers. */
    static Map<String, long[]> threadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, long[]> out = new TreeMap<>();
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long ns = mx.getThreadCpuTime(info.getThreadId());
            if (ns > 0) {
                long[] v = out.computeIfAbsent(info.getThreadName().replaceAll("\\d+", "#"), k -> new long[2]);
                v[0] += ns;
                v[1]++;
            }
        }
        return out;
    }

    static String load() {
        try {
            String[] l = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return l[0] + " " + l[1] + " " + l[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /** One simulated call: the real providers and conversation, the media clock, a scripted caller. */
    static final class Call implements CallAudio, Conversation.Line, Conversation.Observer {
        final String id;
        final int turns;
        final Random random;
        final Level level;
        volatile AudioSink sink;
        volatile AudioSource source;
        volatile boolean hungUp;
        volatile long at;

        Call(String id, int turns, Random random, Level level) {
            this.id = id;
            this.turns = turns;
            this.random = random;
            this.level = level;
        }

        /** As Conversations.open wires them for an openai / deepgram / elevenlabs assistant. */
        Conversation.Providers providers() {
            Usage usage = new Usage();
            Route route = new Route(new Endpoint("openai", URI.create(llm.baseUrl()), Optional.of("sk-bench")),
                    config.model().model(), config.model().temperature(), config.model().maxTokens());
            var responder = OpenAiResponder.of(config, List.of(route), tools, "bench", usage, Options.DEFAULT);
            var stt = new DeepgramSpeechToText(new Endpoint("deepgram", URI.create(deepgram.baseUrl()), Optional.of("dg-bench")),
                    config.transcriber().model(), config.language(), config.turnTaking().endpointingMs(), usage);
            var voice = new ElevenLabsVoice(new Endpoint("elevenlabs", elevenlabs.baseUrl(), Optional.of("xi-bench")),
                    config.voice().voiceId(), config.voice().model(), usage);
            voice.warm(); // connects while the phone rings, as Conversations.open does
            return new Conversation.Providers(responder.start(id, JsonNodeFactory.instance.objectNode()), stt.start(), voice,
                    voice, usage, voice::close);
        }

        void run() {
            Conversation c = new Conversation(id, turnTaking, true, providers(), this, this);
            c.prepare();
            LockSupport.parkNanos(RING);
            long answered = System.nanoTime();
            c.start(this);
            level.calls.incrementAndGet();
            long next = answered;
            int maxTicks = (20 + turns * 15) * 50;
            int tick = 0;
            boolean greeted = false;
            int callerTurns = 0;
            Line saying = null;
            int speakFrom = Integer.MAX_VALUE, speakTo = Integer.MAX_VALUE, lastLoud = -1;
            boolean awaitingReply = false, awaitingStop = false;
            int askedAt = 0;
            int speakingTicks = 0, quietTicks = 0;
            boolean assistantSpoke = false;
            int pause = 15 + random.nextInt(11);
            while (!hungUp && tick < maxTicks) {
                next += TICK;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                level.late(System.nanoTime() - next);
                tick++;
                at += 160;
                // Pacer's order: the tick's frame goes out first, then the caller's frame comes in, so
                // what a frame changes shows on the next tick at the earliest.
                AudioSource src = source;
                boolean sent = src != null && src.poll() != null;
                int k = tick - speakFrom;
                short[] frame = saying != null && k >= 0 && k < saying.frames.length ? saying.frames[k] : SILENCE;
                AudioSink s = sink;
                if (s != null) {
                    s.frame(frame.clone(), at);
                }
                if (frame != SILENCE) {
                    lastLoud = tick;
                }
                if (!greeted && sent) {
                    greeted = true;
                    level.add("p5", tick * 20.0);
                    level.add("p5wall", (System.nanoTime() - answered) / 1e6);
                }
                if (awaitingStop && !sent && tick > speakFrom) {
                    double stop = (tick - speakFrom) * 20.0;
                    level.add("p6", stop);
                    level.add("p6platform", stop - (saying.bargeInFrame + 1) * 20.0);
                    awaitingStop = false;
                } else if (awaitingStop && tick - speakFrom > 150) {
                    level.notStopped.incrementAndGet();
                    awaitingStop = false;
                }
                if (awaitingReply && !awaitingStop && sent && tick >= speakTo) {
                    double response = (tick - lastLoud) * 20.0;
                    level.add("response", response);
                    level.add("p4", response - FAKES_MS);
                    awaitingReply = false;
                } else if (awaitingReply && tick - askedAt > 750) {
                    level.noReply.incrementAndGet();
                    awaitingReply = false;
                }
                speakingTicks = sent ? speakingTicks + 1 : 0;
                if (sent) {
                    assistantSpoke = true;
                    quietTicks = 0;
                } else if (assistantSpoke) {
                    quietTicks++;
                }
                if (tick < speakTo && speakTo != Integer.MAX_VALUE || awaitingReply || awaitingStop) {
                    continue;
                }
                if (callerTurns == turns) {
                    break; // the last reply has begun: the caller hangs up over it
                }
                boolean interrupt = (callerTurns + 1) % 2 == 0;
                if (interrupt && speakingTicks == 25) {
                    saying = interruption;
                    awaitingStop = true;
                } else if (!interrupt && assistantSpoke && quietTicks == pause) {
                    saying = answer;
                    pause = 15 + random.nextInt(11);
                } else {
                    continue;
                }
                speakFrom = tick + 1;
                speakTo = speakFrom + saying.frames.length;
                askedAt = tick;
                awaitingReply = true;
                assistantSpoke = false;
                callerTurns++;
                level.turns.incrementAndGet();
            }
            if (tick >= maxTicks) {
                level.unfinished.incrementAndGet();
            }
            c.stop();
            synchronized (level) {
                level.talk += (System.nanoTime() - answered) / 1e9;
            }
        }

        @Override
        public void turn(TurnLatency l) {
            if (l.sttMs() == null) {
                level.add("greeting_ms", l.totalMs());
                return;
            }
            level.add("platform_ms", l.platformMs());
            level.add("stt_ms", l.sttMs());
            level.add("responder_ms", l.responderMs());
            level.add("tts_ms", l.ttsMs());
            level.add("total_ms", l.totalMs());
        }

        @Override
        public void bargeIn(long stopMillis) {
            level.add("bargein_ms", stopMillis);
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
            level.endings.merge(reason.toString() + (detail == null ? "" : " (" + detail + ")"), 1, Integer::sum);
            hungUp = true;
        }

        @Override
        public void record(TranscriptTurn turn) {
        }
    }

    static void print(List<Level> levels) {
        String[][] rows = {
                {"p5", "P5 greeting: answer to first audio, on the ticks", "<= 300 p95"},
                {"p5wall", "  same, wall clock from start()", ""},
                {"greeting_ms", "  same, as recorded (total_ms)", ""},
                {"response", "P4 response: last loud frame to first reply audio", ""},
                {"p4", "P4 platform share: response - 600 ms of fakes", "<= 20 p50, <= 40 p95"},
                {"platform_ms", "  platform_ms as recorded per turn", "<= 20 p50, <= 40 p95"},
                {"total_ms", "  total_ms as recorded", ""},
                {"stt_ms", "  stt_ms: Deepgram round trip after endpointing (fake: 0)", ""},
                {"responder_ms", "  responder_ms: to the first clause (fake: 200)", ""},
                {"tts_ms", "  tts_ms: to the first audio (fake: 100)", ""},
                {"p6", "P6 barge-in: onset to silence, on the ticks", "<= 250 p95"},
                {"p6platform", "P6 platform part: minus the 7 frames detection needs", "<= 20 p99"},
                {"bargein_ms", "  as recorded by the conversation", ""},
        };
        StringBuilder head = new StringBuilder("| ms, p50 / p95 / p99 |");
        StringBuilder rule = new StringBuilder("| --- |");
        for (Level l : levels) {
            head.append(" ").append(l.n).append(l.n == 1 ? " call |" : " calls |");
            rule.append(" --- |");
        }
        head.append(" goal |");
        rule.append(" --- |");
        System.out.println();
        System.out.println(head);
        System.out.println(rule);
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("| " + r[1] + " |");
            for (Level l : levels) {
                Samples s = l.samples.get(r[0]);
                line.append(" ").append(s.summary()).append(" (n=").append(s.size()).append(") |");
            }
            System.out.println(line.append(" ").append(r[2]).append(" |"));
        }
        StringBuilder cpu = new StringBuilder("| CPU per live call, % of one core (process CPU / call-seconds) |");
        StringBuilder late = new StringBuilder("| media clock's own lateness p50 / p99 (ms) |");
        for (Level l : levels) {
            cpu.append(" %.2f%% |".formatted(100 * l.cpu / Math.max(l.talk, 1e-9)));
            late.append(" %d / %d |".formatted(l.latenessPercentile(.5), l.latenessPercentile(.99)));
        }
        System.out.println(cpu.append(" |"));
        System.out.println(late.append(" |"));
        System.out.println();
        for (Level l : levels) {
            System.out.printf("%d calls: process CPU %.1f s over %.0f call-seconds (%.0f s wall); no reply %d, barge-in not"
                            + " stopped %d, calls cut by the tick bound %d%n", l.n, l.cpu, l.talk, l.wall, l.noReply.get(),
                    l.notStopped.get(), l.unfinished.get());
            List<Map.Entry<String, long[]>> top = new ArrayList<>(l.threads.entrySet());
            top.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
            StringBuilder t = new StringBuilder("    CPU by thread group (live threads only):");
            long attributed = 0;
            for (var e : top) {
                attributed += e.getValue()[0];
            }
            for (var e : top.subList(0, Math.min(8, top.size()))) {
                t.append(" %s x%d %.1f s;".formatted(e.getKey(), e.getValue()[1], e.getValue()[0] / 1e9));
            }
            t.append(" threads gone meanwhile and the rest %.1f s".formatted(l.cpu - attributed / 1e9));
            System.out.println(t);
        }
    }
}
