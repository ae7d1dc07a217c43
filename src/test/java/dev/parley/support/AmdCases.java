package dev.parley.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The labelled answers of {@code src/test/resources/amd/cases.csv} as audio: 8 kHz mono 16-bit,
 * deterministic. Speech is espeak-ng's resampled by sox, cached under {@code target/amd-cases/}
 * keyed by a hash of (voice, speed, text), so only the first run pays for it; tones, pauses, gain and
 * noise (seeded by the case's id) are made here in memory, which takes milliseconds.
 */
public final class AmdCases {
    public static final int RATE = 8_000;
    public static final int FRAME = 160;
    private static final Path CACHE = Path.of("target", "amd-cases");
    /** Beeps and fax tones at about -12 dBFS peak, as loud as a carrier plays them. */
    private static final double TONE_AMPLITUDE = 8_000;

    public sealed interface Step {}

    public record Say(String text) implements Step {}

    public record Pause(int ms) implements Step {}

    public record Beep(int hz, int ms) implements Step {}

    public record Ced(int ms) implements Step {}

    public record Cng(int bursts) implements Step {}

    public record Recipe(String id, String expected, String kind, String language, String voice, int speed,
            double gainDb, String noise, double noiseDb, List<Step> script) {
        public boolean hasBeep() {
            return script.stream().anyMatch(s -> s instanceof Beep);
        }
    }

    /** Words as a recognizer would give them: the text said between {@code startMs} and {@code endMs}. */
    public record Spoken(String text, int startMs, int endMs) {}

    /** A case's audio, what was said when, and where its beep ends (the last one, if several). */
    public record Case(Recipe recipe, short[] pcm, List<Spoken> spoken, Optional<Integer> beepEndMs) {
        /** 20 ms frames, the last padded with silence. */
        public List<short[]> frames() {
            List<short[]> frames = new ArrayList<>();
            for (int i = 0; i < pcm.length; i += FRAME) {
                frames.add(Arrays.copyOfRange(pcm, i, i + FRAME));
            }
            return frames;
        }
    }

    private AmdCases() {}

    public static List<Recipe> recipes() {
        try (InputStream in = AmdCases.class.getResourceAsStream("/amd/cases.csv")) {
            if (in == null) {
                throw new IllegalStateException("amd/cases.csv is not on the test classpath");
            }
            List<Recipe> recipes = new ArrayList<>();
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            boolean header = true;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                if (header) {
                    header = false;
                    continue;
                }
                recipes.add(parse(line));
            }
            return recipes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every case, built on two threads (espeak-ng runs only for speech not cached yet). */
    public static List<Case> all() {
        return build(recipes());
    }

    public static List<Case> build(List<Recipe> recipes) {
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<Future<Case>> futures = recipes.stream().map(r -> pool.submit(() -> build(r))).toList();
            List<Case> cases = new ArrayList<>();
            for (Future<Case> f : futures) {
                cases.add(f.get());
            }
            return cases;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("building an amd case failed", e.getCause());
        }
    }

    public static Case build(Recipe r) {
        ShortList out = new ShortList();
        List<Spoken> spoken = new ArrayList<>();
        Integer beepEnd = null;
        double gain = Math.pow(10, r.gainDb() / 20);
        for (Step step : r.script()) {
            switch (step) {
                case Say s -> {
                    int start = out.ms();
                    for (short x : speech(r.voice(), r.speed(), s.text())) {
                        out.add(clip(x * gain));
                    }
                    spoken.add(new Spoken(s.text(), start, out.ms()));
                }
                case Pause p -> out.silence(p.ms());
                case Beep b -> {
                    tone(out, b.hz(), b.ms());
                    beepEnd = out.ms();
                }
                case Ced c -> tone(out, 2_100, c.ms());
                case Cng c -> {
                    for (int i = 0; i < c.bursts(); i++) {
                        if (i > 0) {
                            out.silence(3_000);
                        }
                        tone(out, 1_100, 500);
                    }
                }
            }
        }
        short[] pcm = out.toArray();
        if (!r.noise().equals("none")) {
            addNoise(pcm, r.noise(), r.noiseDb(), r.id().hashCode());
        }
        return new Case(r, pcm, List.copyOf(spoken), Optional.ofNullable(beepEnd));
    }

    private static Recipe parse(String line) {
        String[] f = line.split(",", 10);
        if (f.length != 10) {
            throw new IllegalArgumentException("amd/cases.csv: 10 columns expected: " + line);
        }
        List<Step> script = new ArrayList<>();
        for (String step : f[9].split(" \\+ ")) {
            String[] p = step.split(":", 3);
            script.add(switch (p[0]) {
                case "say" -> new Say(step.substring(4));
                case "pause" -> new Pause(Integer.parseInt(p[1]));
                case "tone" -> new Beep(Integer.parseInt(p[1]), Integer.parseInt(p[2]));
                case "ced" -> new Ced(Integer.parseInt(p[1]));
                case "cng" -> new Cng(Integer.parseInt(p[1]));
                default -> throw new IllegalArgumentException("amd/cases.csv " + f[0] + ": unknown step " + step);
            });
        }
        return new Recipe(f[0], f[1], f[2], f[3], f[4], Integer.parseInt(f[5]), Double.parseDouble(f[6]), f[7],
                Double.parseDouble(f[8]), List.copyOf(script));
    }

    private static short[] speech(String voice, int speed, String text) {
        Path cached = CACHE.resolve(hash(voice + "|" + speed + "|" + text) + ".raw");
        try {
            if (!Files.exists(cached)) {
                Files.createDirectories(CACHE);
                Path wav = Files.createTempFile("amdd-speech", ".wav");
                Path raw = Files.createTempFile(CACHE, "speech", ".tmp");
                try {
                    run("espeak-ng", "-v", voice, "-s", Integer.toString(speed), "-w", wav.toString(), text);
                    run("sox", "-D", wav.toString(), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                            "-t", "raw", "--endian", "little", raw.toString());
                    Files.move(raw, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(wav);
                    Files.deleteIfExists(raw);
                }
            }
            byte[] bytes = Files.readAllBytes(cached);
            short[] pcm = new short[bytes.length / 2];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(pcm);
            return pcm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("espeak-ng and sox make the amd cases' speech; failed: "
                        + String.join(" ", command) + "\n" + out);
            }
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** A sine with 3 ms ramps, so its edges do not click. */
    private static void tone(ShortList out, int hz, int ms) {
        int n = ms * RATE / 1_000;
        int ramp = 3 * RATE / 1_000;
        for (int i = 0; i < n; i++) {
            double edge = Math.min(1, Math.min(i, n - 1 - i) / (double) ramp);
            out.add((short) Math.round(TONE_AMPLITUDE * edge * Math.sin(2 * Math.PI * hz * i / RATE)));
        }
    }

    private static void addNoise(short[] pcm, String kind, double db, long seed) {
        Random random = new Random(seed);
        double[] noise = new double[pcm.length];
        double b0 = 0, b1 = 0, b2 = 0;
        for (int i = 0; i < noise.length; i++) {
            double white = random.nextGaussian();
            noise[i] = switch (kind) {
                case "white" -> white;
                // Paul Kellet's economy pink filter: -3 dB per octave across the band.
                case "pink" -> {
                    b0 = 0.99765 * b0 + white * 0.0990460;
                    b1 = 0.96300 * b1 + white * 0.2965164;
                    b2 = 0.57000 * b2 + white * 1.0526913;
                    yield b0 + b1 + b2 + white * 0.1848;
                }
                default -> throw new IllegalArgumentException("noise: none, white or pink, got " + kind);
            };
        }
        double energy = 0;
        for (double x : noise) {
            energy += x * x;
        }
        double scale = 32768 * Math.pow(10, db / 20) / Math.sqrt(energy / noise.length);
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = clip(pcm[i] + noise[i] * scale);
        }
    }

    private static short clip(double x) {
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(x)));
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class ShortList {
        private short[] a = new short[RATE * 10];
        private int n;

        void add(short x) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = x;
        }

        void silence(int ms) {
            for (int i = 0; i < ms * RATE / 1_000; i++) {
                add((short) 0);
            }
        }

        int ms() {
            return n * 1_000 / RATE;
        }

        short[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
