package dev.parley.conversation;

import dev.parley.amd.AnsweredBy;
import dev.parley.amd.Detector;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A detector on a {@link ScriptedCall}'s timeline: its verdicts change at the ticks a test names
 * (the frame of tick {@code t} arrives {@code (t + 1) * 20} ms after the answer), its beep ends on
 * a given tick, and it keeps what it was fed.
 */
final class ScriptedDetector implements Detector {
    private final TreeMap<Integer, AnsweredBy> verdicts = new TreeMap<>();
    private int beepTick = -1;
    private int settledTick = Integer.MAX_VALUE;
    private int lastMs = -1;
    final List<Integer> frames = new CopyOnWriteArrayList<>();
    final List<String> words = new CopyOnWriteArrayList<>();

    static int ms(int tick) {
        return (tick + 1) * 20;
    }

    ScriptedDetector at(int tick, AnsweredBy.Who who, boolean beep) {
        verdicts.put(ms(tick), new AnsweredBy(who, beep, 0.9, ms(tick)));
        return this;
    }

    ScriptedDetector beepEndsAt(int tick) {
        beepTick = tick;
        return this;
    }

    ScriptedDetector settledAt(int tick) {
        settledTick = tick;
        return this;
    }

    @Override
    public void frame(short[] pcm, int atMs) {
        frames.add(atMs);
        lastMs = atMs;
    }

    @Override
    public void words(String text, int atMs) {
        words.add(text);
    }

    @Override
    public Optional<AnsweredBy> verdict() {
        Map.Entry<Integer, AnsweredBy> e = verdicts.floorEntry(lastMs);
        return e == null ? Optional.empty() : Optional.of(e.getValue());
    }

    @Override
    public Optional<Integer> beepAt() {
        return beepTick >= 0 && lastMs >= ms(beepTick) ? Optional.of(ms(beepTick)) : Optional.empty();
    }

    @Override
    public boolean settled() {
        return settledTick != Integer.MAX_VALUE && lastMs >= ms(settledTick);
    }
}
