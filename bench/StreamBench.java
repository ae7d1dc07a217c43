import dev.parley.ParleyApp;
import dev.parley.config.ConfigLoader;
import dev.parley.media.MediaClock;
import dev.parley.media.MediaTransport;
import dev.parley.media.Pacer;
import dev.parley.media.Recorder;
import dev.parley.support.FakeCarrierStream;
import dev.parley.telephony.stream.CarrierStreams;
import dev.parley.telephony.stream.MediaStreams;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The WebSocket media stage under load: Parley's real {@code CarrierStreams} endpoint (production
 * wiring, {@code ParleyApp}, embedded PostgreSQL, dialer off), a {@code StreamTransport} under a
 * {@code Pacer} on the node's {@code MediaClock} per call, and a fake carrier per call that behaves
 * as Twilio does ({@code FakeCarrierStream}: signed upgrade, 20 ms media, plays what it gets in real
 * time, echoes marks, obeys clear), all carriers ticked by one thread of their own.
 *
 * <p>Parley's side of each call is a minimal assistant with the conversation's media behaviour and
 * none of its engines: its greeting is ready at the answer (as {@code WarmVoice} has it) and goes
 * out from the first tick; it speaks 3 s lines with pauses; when it hears 7 loud frames in a row
 * over its line (barge_in_min_ms 150 as in ai-turns) it does what {@code Speaker.interrupt} does:
 * asks the transport what was unplayed, sends {@code clear}, drops its line. The conversation's own
 * share of P5 and P6 is what bench/ai-turns.sh measures; this adds the transport's.
 *
 * <p>Measured at the carrier, on the audio the callee hears:
 * <ul>
 * <li>P5: {@code start} sent to the first audible frame played (ms of wall time, and on the carrier's ticks).
 * <li>P6: the callee's first loud frame sent (0.5 s into an assistant line) to the first silent frame
 *     played; the earliest possible is 7 frames of detection, 140 ms, as in ai-turns.
 * <li>CPU per live call over a hold window, less Parley's idle CPU measured before, divided by N, two
 *     ways: the process's CPU less the fake carriers' threads (their clock and the JDK WebSocket
 *     client's), an upper bound, since it keeps the GC and JIT work that both sides cause; and
 *     Parley's own Java threads only (the media clock, the carriers of Jetty's virtual threads), a
 *     lower bound.
 * </ul>
 * Usage: java -cp <tools:test-classes:classes:deps> StreamBench [calls...] (default 1 50 200);
 * -Dhold=seconds (default 20).
 */
public class StreamBench {
    static final String AUTH = "bench-auth-token";
    static final long TICK = 20_000_000L;
    static final int BARGE_IN_FRAMES = 7;
    static final short[][] LINE = tone(440, 6000, 150);       // the assistant's 3 s line
    static final short[] CALLER = flatten(tone(300, 8000, 50)); // the callee's 1 s interruption
    static MediaClock clock;
    static CarrierStreams streams;
    static final AtomicInteger ids = new AtomicInteger();

    public static void main(String[] args) throws Exception {
        List<Integer> levels = new ArrayList<>();
        for (String a : args) {
            levels.add(Integer.parseInt(a));
        }
        if (levels.isEmpty()) {
            levels = List.of(1, 50, 200);
        }
        int hold = Integer.getInteger("hold", 20);
        Map<String, String> values = new HashMap<>();
        values.put(ConfigLoader.HTTP_PORT, "0");
        values.put(ConfigLoader.DATA_DIR, Files.createTempDirectory("parley-streams").toString());
        values.put(ConfigLoader.DIALER_ENABLED, "false");
        long t0 = System.nanoTime();
        try (ParleyApp app = ParleyApp.start(ConfigLoader.of(values))) {
            streams = app.mediaStreams();
            clock = new MediaClock();
            System.out.printf("Parley up in %.1f s (embedded PostgreSQL, dialer off)%n", (System.nanoTime() - t0) / 1e9);
            run(20, 8, false); // warm-up: loads and compiles the paths; nothing of it counted
            Cpu idle0 = Cpu.now();
            LockSupport.parkNanos(3_000_000_000L);
            Cpu idle1 = Cpu.now();
            double idle = idle1.parleySince(idle0) / 3.0;
            double idleThreads = idle1.parleyThreadsSince(idle0) / 3.0;
            System.out.printf("Parley idle: %.2f%% of a core (its Java threads %.2f%%)%n", idle * 100, idleThreads * 100);
            List<Level> results = new ArrayList<>();
            for (int n : levels) {
                Level l = run(n, hold, true);
                l.cpuPerCall = (l.parleyCores - idle) / n;
                l.threadsPerCall = (l.parleyThreadCores - idleThreads) / n;
                results.add(l);
            }
            print(results, hold);
            clock.close();
        }
        System.exit(0);
    }

    /** One level: N calls up, held {@code hold} s while barge-ins repeat, then hung up. */
    static Level run(int n, int hold, boolean report) {
        Level level = new Level(n);
        List<Leg> legs = new ArrayList<>();
        long dropped0 = streams.stats().dropped().sum();
        for (int i = 0; i < n; i++) {
            Leg leg = new Leg(level);
            leg.expected = streams.expect("c_%024x".formatted(ids.incrementAndGet()), MediaStreams.Dialect.TWILIO,
                    Optional.of(AUTH), leg);
            legs.add(leg);
        }
        var ticking = new ConcurrentLinkedQueue<Leg>();
        Thread carriers = Thread.ofPlatform().name("carrier-clock").start(() -> {
            long next = System.nanoTime();
            int tick = 0;
            while (!Thread.currentThread().isInterrupted()) {
                next += TICK;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else if (wait < -TICK) {
                    level.lateTicks.incrementAndGet();
                }
                tick++;
                for (Leg leg : ticking) {
                    try {
                        leg.tick(tick);
                    } catch (RuntimeException e) {
                        level.errors.incrementAndGet();
                    }
                }
            }
        });
        for (Leg leg : legs) { // spread over a second, as calls are answered
            leg.carrier = FakeCarrierStream.twilio(leg.expected.url(), AUTH);
            leg.startedAt = System.nanoTime();
            leg.carrier.start(Map.of("token", leg.expected.token()));
            ticking.add(leg);
            LockSupport.parkNanos(1_000_000_000L / Math.max(n, 1));
        }
        LockSupport.parkNanos(2_000_000_000L); // settle
        Cpu c0 = Cpu.now();
        long w0 = System.nanoTime();
        LockSupport.parkNanos(hold * 1_000_000_000L);
        Cpu c1 = Cpu.now();
        double wall = (System.nanoTime() - w0) / 1e9;
        carriers.interrupt();
        try {
            carriers.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Leg leg : legs) {
            leg.hangUp();
        }
        level.parleyCores = c1.parleySince(c0) / wall;
        level.parleyThreadCores = c1.parleyThreadsSince(c0) / wall;
        level.carrierCores = c1.carrierSince(c0) / wall;
        level.dropped = streams.stats().dropped().sum() - dropped0;
        level.threads = c1.topParleyThreads(c0, wall);
        if (report) {
            System.out.printf("%d calls: %d greetings, %d barge-ins (%d not stopped in 3 s), carrier ticks > 20 ms late: %d, errors %d%n",
                    n, level.p5.size(), level.p6.size(), level.notStopped.get(), level.lateTicks.get(), level.errors.get());
        }
        return level;
    }

    /** One call: Parley's side on the media clock, the carrier's on the carriers' clock. */
    static final class Leg implements MediaStreams.Events {
        final Level level;
        MediaStreams.Expected expected;
        FakeCarrierStream carrier;
        // Parley's side, on the media clock's thread.
        volatile MediaTransport transport;
        volatile Pacer pacer;
        int at = 0;          // frame of the line being said; -1 when quiet
        int quiet;           // ticks until the next line
        int loud;
        // The carrier's side, on its clock.
        long startedAt;
        boolean greeted;
        int audibleRun;
        int onsetTick = -1;
        long onsetNanos;
        boolean awaitingStop;

        Leg(Level level) {
            this.level = level;
        }

        @Override
        public void started(MediaTransport t) {
            transport = t;
            Pacer p = new Pacer(t, new Recorder(), clock);
            p.listen(this::heard);
            p.speak(this::next);
            p.answered(); // the greeting is ready: it goes out on the next tick
            pacer = p;
        }

        @Override
        public void dtmf(char digit) {
        }

        @Override
        public void stopped(String why) {
        }

        short[] next() {
            if (at < 0) {
                if (--quiet <= 0) {
                    at = 0;
                }
                return null;
            }
            if (at < LINE.length) {
                return LINE[at++];
            }
            at = -1;
            quiet = 25;
            return null;
        }

        void heard(short[] frame, long sample) {
            loud = rms(frame) > 2000 ? loud + 1 : 0;
            if (loud == BARGE_IN_FRAMES && at >= 0) {
                transport.unplayedSamples(); // what the transcript would take back
                transport.clear();
                at = -1;
                quiet = 60; // the callee's line goes on; the next reply comes after it
            }
        }

        void tick(int tick) {
            if (onsetTick == tick) {
                onsetNanos = System.nanoTime(); // the callee's first loud frame leaves now
            }
            carrier.step();
            long now = System.nanoTime();
            boolean audible = carrier.lastPlayedAudible();
            if (!greeted && audible) {
                greeted = true;
                level.p5.add((now - startedAt) / 1e6);
            }
            if (awaitingStop && tick >= onsetTick && !audible) {
                level.p6.add((now - onsetNanos) / 1e6);
                level.p6ticks.add((tick - onsetTick) * 20.0);
                awaitingStop = false;
            } else if (awaitingStop && tick - onsetTick > 150) {
                level.notStopped.incrementAndGet();
                awaitingStop = false;
            }
            audibleRun = audible ? audibleRun + 1 : 0;
            if (!awaitingStop && audibleRun == 25) { // half a second into a line: talk over it
                carrier.say(CALLER);
                onsetTick = tick + 1;
                awaitingStop = true;
            }
        }

        void hangUp() {
            if (pacer != null) {
                pacer.close();
            }
            expected.close();
            if (carrier != null) {
                carrier.close();
            }
        }
    }

    static final class Level {
        final int n;
        final Samples p5 = new Samples(), p6 = new Samples(), p6ticks = new Samples();
        final AtomicInteger notStopped = new AtomicInteger(), lateTicks = new AtomicInteger(), errors = new AtomicInteger();
        double parleyCores, parleyThreadCores, carrierCores, cpuPerCall, threadsPerCall;
        long dropped;
        String threads;

        Level(int n) {
            this.n = n;
        }
    }

    static final class Samples {
        final ConcurrentLinkedQueue<Double> values = new ConcurrentLinkedQueue<>();

        void add(double v) {
            values.add(v);
        }

        int size() {
            return values.size();
        }

        String summary() {
            List<Double> v = new ArrayList<>(values);
            if (v.isEmpty()) {
                return "-";
            }
            Collections.sort(v);
            return "%.0f / %.0f / %.0f".formatted(at(v, .50), at(v, .95), at(v, .99));
        }

        static double at(List<Double> sorted, double p) {
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * p) - 1));
        }
    }

    /** Process CPU, and per platform-thread group (digits folded; virtual threads show as their carriers). */
    record Cpu(long process, Map<String, Long> threads) {
        static boolean carrierThread(String name) {
            return name.startsWith("carrier-clock") || name.startsWith("HttpClient-") || name.equals("main");
        }

        static Cpu now() {
            long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            Map<String, Long> out = new TreeMap<>();
            for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (info != null) {
                    long ns = mx.getThreadCpuTime(info.getThreadId());
                    if (ns > 0) {
                        out.merge(info.getThreadName().replaceAll("\\d+", "#"), ns, Long::sum);
                    }
                }
            }
            return new Cpu(process, out);
        }

        double carrierSince(Cpu before) {
            long sum = 0;
            for (var e : threads.entrySet()) {
                if (carrierThread(e.getKey())) {
                    sum += e.getValue() - before.threads.getOrDefault(e.getKey(), 0L);
                }
            }
            return sum / 1e9;
        }

        /** Seconds of CPU that were Parley's: the process less the fake carriers (GC and JIT counted as Parley's). */
        double parleySince(Cpu before) {
            return (process - before.process) / 1e9 - carrierSince(before);
        }

        /** Only Parley's own Java threads (the media clock, Jetty's virtual threads' carriers): no GC or JIT. */
        double parleyThreadsSince(Cpu before) {
            long sum = 0;
            for (var e : threads.entrySet()) {
                if (!carrierThread(e.getKey())) {
                    sum += e.getValue() - before.threads.getOrDefault(e.getKey(), 0L);
                }
            }
            return sum / 1e9;
        }

        String topParleyThreads(Cpu before, double wall) {
            List<Map.Entry<String, Double>> groups = new ArrayList<>();
            threads.forEach((k, v) -> {
                if (!carrierThread(k)) {
                    groups.add(Map.entry(k, (v - before.threads.getOrDefault(k, 0L)) / 1e9 / wall));
                }
            });
            groups.sort(Map.Entry.<String, Double>comparingByValue().reversed());
            StringBuilder s = new StringBuilder();
            for (var g : groups.subList(0, Math.min(4, groups.size()))) {
                s.append("%s %.3f, ".formatted(g.getKey(), g.getValue()));
            }
            return s.toString();
        }
    }

    static void print(List<Level> levels, int hold) {
        System.out.println();
        System.out.printf("| calls | P5 greeting, start to first audio heard, p50 / p95 / p99 (ms) | P6 barge-in, onset to silence heard (ms) | P6 on the ticks (ms) |"
                + " process less fake carriers' threads (cores) | per call (%% of a core) | Parley's Java threads (cores) | per call (%% of a core) |"
                + " fake carriers' threads (cores) | frames dropped |%n");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (Level l : levels) {
            System.out.printf("| %d | %s | %s | %s | %.3f | %.3f | %.3f | %.3f | %.3f | %d |%n", l.n, l.p5.summary(), l.p6.summary(),
                    l.p6ticks.summary(), l.parleyCores, l.cpuPerCall * 100, l.parleyThreadCores, l.threadsPerCall * 100,
                    l.carrierCores, l.dropped);
        }
        System.out.println();
        for (Level l : levels) {
            System.out.printf("%d calls, Parley's busiest threads (cores): %s%n", l.n, l.threads);
        }
        System.out.printf("hold %d s per level; P6's floor is 140 ms (7 frames of detection)%n", hold);
    }

    static short[][] tone(int hz, int amplitude, int frames) {
        short[][] out = new short[frames][160];
        for (int f = 0; f < frames; f++) {
            for (int i = 0; i < 160; i++) {
                out[f][i] = (short) (amplitude * Math.sin(2 * Math.PI * hz * (f * 160 + i) / 8000.0));
            }
        }
        return out;
    }

    static short[] flatten(short[][] frames) {
        short[] out = new short[frames.length * 160];
        for (int f = 0; f < frames.length; f++) {
            System.arraycopy(frames[f], 0, out, f * 160, 160);
        }
        return out;
    }

    static double rms(short[] f) {
        double sum = 0;
        for (short s : f) {
            sum += (double) s * s;
        }
        return Math.sqrt(sum / f.length);
    }
}
