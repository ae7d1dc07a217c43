import dev.parley.amd.AnsweringMachineDetector;
import dev.parley.support.AmdCases;
import dev.parley.support.AmdScore;
import java.util.List;

/**
 * Issue 13's accuracy of answering-machine detection over the labelled set (amd/cases.csv): each
 * case through a fresh detector in 20 ms frames of simulated time, from audio alone and then with a
 * perfect recognizer's words, and the cost per frame. Run by bench/amd-accuracy.sh.
 */
public class AmdAccuracy {
    /** A window longer than any case, so a settled verdict does not stop the work being measured. */
    private static final AnsweringMachineDetector.Settings LONG_WINDOW = new AnsweringMachineDetector.Settings(
            600_000, 3_000, 1_600, 800, 5_000);

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        List<AmdCases.Case> cases = AmdCases.all();
        System.out.printf("%d cases built in %.1f s (speech cached under target/amd-cases/)%n", cases.size(),
                (System.nanoTime() - t0) / 1e9);
        // Warm the JIT first, so the cost per frame is the steady one a long-running node pays.
        for (int i = 0; i < 5; i++) {
            AmdScore.run(cases, i % 2 == 0);
        }
        for (boolean words : new boolean[] {false, true}) {
            AmdScore.Run run = AmdScore.run(cases, words);
            System.out.println();
            System.out.println(words ? "== with the recognizer's words (each sentence's text 300 ms after it ends)"
                    : "== from audio alone");
            System.out.print(run.table());
            run.of(o -> !o.correct()).forEach(o -> System.out.println("  wrong: " + o));
        }
        System.out.println();
        System.out.printf("cost without the clock read per frame: best of 5 passes over every frame of every case,"
                + " %.0f ns per 20 ms frame (%.4f%% of one core per call)%n", cost(cases), cost(cases) / 20e6 * 100);
    }

    /** Every frame of every case through fresh detectors (not stopping when settled), timed as a whole. */
    private static double cost(List<AmdCases.Case> cases) {
        List<List<short[]>> frames = cases.stream().map(AmdCases.Case::frames).toList();
        long n = frames.stream().mapToLong(List::size).sum();
        double best = Double.MAX_VALUE;
        for (int pass = 0; pass < 5; pass++) {
            long t0 = System.nanoTime();
            int sink = 0;
            for (List<short[]> f : frames) {
                AnsweringMachineDetector d = new AnsweringMachineDetector("en-US", LONG_WINDOW);
                for (int i = 0; i < f.size(); i++) {
                    d.frame(f.get(i), i * 20);
                }
                sink += d.verdict().isPresent() ? 1 : 0;
            }
            best = Math.min(best, (System.nanoTime() - t0) / (double) n);
            if (sink < 0) {
                System.out.println(sink);
            }
        }
        return best;
    }
}
