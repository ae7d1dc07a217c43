package dev.parley.support;

import dev.parley.amd.AnsweredBy;
import dev.parley.amd.AnsweredBy.Who;
import dev.parley.amd.AnsweringMachineDetector;
import dev.parley.support.AmdCases.Case;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Runs the labelled cases through the detector as a call would (20 ms frames, simulated time, as
 * fast as the CPU goes) and scores them; shared by {@code AmdAccuracyTest} and bench/amd-accuracy.sh
 * so the test asserts on the numbers the benchmark prints.
 */
public final class AmdScore {
    /** A recognizer's words arrive this long after the speech they transcribe ends. */
    static final int RECOGNIZER_MS = 300;
    public static final int BEEP_TOLERANCE_MS = 100;
    /** The kind of case reported apart: people who talk for seconds without waiting, as greetings do. */
    public static final String HARD = "talker";

    /**
     * How one case went: the first verdict (what a call would act on first), the last, whether
     * {@code machine} was ever said (on a person, that is a hang-up), and the detector's beep.
     */
    public record Outcome(Case c, Optional<AnsweredBy> first, Optional<AnsweredBy> last, boolean everMachine,
            Optional<Integer> firstMachineMs, Optional<Integer> beepAt, long nanos, int frames) {
        public String expected() {
            return c.recipe().expected();
        }

        public String got() {
            return last.map(v -> v.who().wire()).orElse("none");
        }

        public boolean correct() {
            return got().equals(expected());
        }

        public boolean beepWithinTolerance() {
            return c.beepEndMs().isPresent() && beepAt.isPresent()
                    && Math.abs(beepAt.get() - c.beepEndMs().get()) <= BEEP_TOLERANCE_MS;
        }

        public Optional<Integer> decidedMs() {
            return first.map(AnsweredBy::decidedAfterMs);
        }

        @Override
        public String toString() {
            return c.recipe().id() + " " + c.recipe().kind() + " expected " + expected() + " got " + got()
                    + " first " + first.map(Object::toString).orElse("-") + " beepAt " + beepAt.map(String::valueOf).orElse("-")
                    + " (beep ends " + c.beepEndMs().map(String::valueOf).orElse("-") + ")";
        }
    }

    public record Run(List<Outcome> outcomes) {
        public List<Outcome> of(Predicate<Outcome> p) {
            return outcomes.stream().filter(p).toList();
        }

        public double accuracy() {
            return share(of(o -> true), Outcome::correct);
        }

        /** People ever called a machine, over all people. */
        public double falseMachineOnPeople() {
            return share(of(o -> o.expected().equals("human")), Outcome::everMachine);
        }

        /** The same without the hard case the cadence cannot tell from a greeting: a person talking for seconds. */
        public double falseMachineOnPeopleWhoPause() {
            return share(of(o -> o.expected().equals("human") && !o.c().recipe().kind().equals(HARD)), Outcome::everMachine);
        }

        /** Machines left as people at the end, over all machines. */
        public double falseHumanOnMachines() {
            return share(of(o -> o.expected().equals("machine")), o -> o.got().equals("human"));
        }

        public List<Outcome> beepCases() {
            return of(o -> o.expected().equals("machine") && o.c().beepEndMs().isPresent());
        }

        public double nsPerFrame() {
            long ns = outcomes.stream().mapToLong(Outcome::nanos).sum();
            int frames = outcomes.stream().mapToInt(Outcome::frames).sum();
            return (double) ns / Math.max(1, frames);
        }

        public String table() {
            StringBuilder s = new StringBuilder();
            s.append(String.format("%-9s %4s %8s %8s %8s %6s %6s %7s %9s %9s%n", "expected", "n", "correct", "first ok",
                    "machine", "human", "fax", "unknown", "decide p50", "p95"));
            Map<String, List<Outcome>> byLabel = new LinkedHashMap<>();
            for (String label : List.of("human", "machine", "fax", "unknown")) {
                byLabel.put(label, of(o -> o.expected().equals(label)));
            }
            byLabel.forEach((label, os) -> s.append(String.format("%-9s %4d %8s %8s %8d %6d %6d %7d %7s ms %6s ms%n",
                    label, os.size(), pct(share(os, Outcome::correct)),
                    pct(share(os, o -> o.first().map(v -> v.who().wire().equals(label)).orElse(false))),
                    count(os, "machine"), count(os, "human"), count(os, "fax"), count(os, "unknown") + count(os, "none"),
                    quantile(os, 0.5), quantile(os, 0.95))));
            List<Outcome> beeps = beepCases();
            s.append(String.format("accuracy %s of %d; false machine on people %s (ever said, %d), %s without the %d '%s'"
                            + " cases; false human on machines %s; unknown %d%n",
                    pct(accuracy()), outcomes.size(), pct(falseMachineOnPeople()),
                    of(o -> o.expected().equals("human") && o.everMachine()).size(), pct(falseMachineOnPeopleWhoPause()),
                    of(o -> o.c().recipe().kind().equals(HARD)).size(), HARD, pct(falseHumanOnMachines()),
                    of(o -> o.got().equals("unknown") || o.got().equals("none")).size()));
            s.append(String.format("beeps: %d cases, heard %d, end within ±%d ms %d; machines' first 'machine' p50 %s ms p95 %s ms%n",
                    beeps.size(), beeps.stream().filter(o -> o.beepAt().isPresent()).count(), BEEP_TOLERANCE_MS,
                    beeps.stream().filter(Outcome::beepWithinTolerance).count(),
                    machineQuantile(0.5), machineQuantile(0.95)));
            s.append(String.format("cost: %.0f ns per 20 ms frame%n", nsPerFrame()));
            Map<String, int[]> kinds = new LinkedHashMap<>();
            for (Outcome o : outcomes) {
                int[] k = kinds.computeIfAbsent(o.c().recipe().kind() + " (" + o.expected() + ")", x -> new int[2]);
                k[0]++;
                k[1] += o.correct() ? 1 : 0;
            }
            s.append("by kind:");
            kinds.forEach((k, v) -> s.append(String.format(" %s %d/%d;", k, v[1], v[0])));
            return s.append('\n').toString();
        }

        private String machineQuantile(double q) {
            List<Integer> ms = new ArrayList<>();
            for (Outcome o : of(o -> o.expected().equals("machine"))) {
                o.firstMachineMs().ifPresent(ms::add);
            }
            return quantileOf(ms, q);
        }
    }

    private AmdScore() {}

    public static Run run(List<Case> cases, boolean words) {
        return new Run(cases.stream().map(c -> run(c, words)).toList());
    }

    /** One case through a fresh detector; with {@code words}, a perfect recognizer's text for each sentence. */
    public static Outcome run(Case c, boolean words) {
        AnsweringMachineDetector detector = new AnsweringMachineDetector(c.recipe().language());
        List<short[]> frames = c.frames();
        int nextWords = 0;
        AnsweredBy first = null;
        boolean everMachine = false;
        Integer firstMachineMs = null;
        long nanos = 0;
        int fed = 0;
        for (int i = 0; i < frames.size() && !detector.settled(); i++) {
            int atMs = i * 20;
            while (words && nextWords < c.spoken().size() && c.spoken().get(nextWords).endMs() + RECOGNIZER_MS <= atMs) {
                detector.words(c.spoken().get(nextWords++).text(), atMs);
            }
            long t0 = System.nanoTime();
            detector.frame(frames.get(i), atMs);
            nanos += System.nanoTime() - t0;
            fed++;
            Optional<AnsweredBy> v = detector.verdict();
            if (first == null && v.isPresent()) {
                first = v.get();
            }
            if (!everMachine && v.isPresent() && v.get().who() == Who.machine) {
                everMachine = true;
                firstMachineMs = v.get().decidedAfterMs();
            }
        }
        return new Outcome(c, Optional.ofNullable(first), detector.verdict(), everMachine, Optional.ofNullable(firstMachineMs),
                detector.beepAt(), nanos, fed);
    }

    private static double share(List<Outcome> os, Predicate<Outcome> p) {
        return os.isEmpty() ? 1 : (double) os.stream().filter(p).count() / os.size();
    }

    private static long count(List<Outcome> os, String got) {
        return os.stream().filter(o -> o.got().equals(got)).count();
    }

    private static String quantile(List<Outcome> os, double q) {
        List<Integer> ms = new ArrayList<>();
        os.forEach(o -> o.decidedMs().ifPresent(ms::add));
        return quantileOf(ms, q);
    }

    private static String quantileOf(List<Integer> ms, double q) {
        if (ms.isEmpty()) {
            return "-";
        }
        List<Integer> sorted = ms.stream().sorted().toList();
        return Integer.toString(sorted.get(Math.min(sorted.size() - 1, (int) (q * sorted.size()))));
    }

    private static String pct(double share) {
        return String.format("%.1f%%", 100 * share);
    }
}
