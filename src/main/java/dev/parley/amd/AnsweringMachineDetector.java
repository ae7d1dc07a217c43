package dev.parley.amd;

import dev.parley.amd.AnsweredBy.Who;
import java.util.Objects;
import java.util.Optional;

/**
 * Answering-machine detection on the callee's audio from the answer on, without a model: cadence,
 * beep, fax tones, and greeting phrases when the recognizer gives words.
 *
 * <p>Why these rules. A person answers with a short "Hello?" (under 1.6 s) and then waits for us;
 * a mailbox greeting talks for seconds with only short pauses. So: a first stretch of talk of at
 * most {@code humanMaxTalkMs} followed by {@code humanQuietMs} of quiet is a person; one that runs
 * past {@code machineTalkMs} is a machine (a person who talks that long without waiting is the
 * error we accept, and measure in bench/amd-accuracy.sh). A stretch between the two is a person too,
 * after a longer wait, with less confidence: wrongly hanging up on a person costs more than leaving
 * the assistant talking to a mailbox. A beep is a machine, for good; a fax tone is a fax. Nothing at
 * all for {@code silentMs} is {@code unknown}, not {@code human}: a silent callee is as often a
 * mailbox that failed to play or a call screener as a person waiting, and the caller's policy (speak
 * first, or wait) is the one to choose; the detector keeps listening and may still decide.
 *
 * <p>It keeps listening after deciding, up to {@code windowMs}, because the assistant's welcome line
 * may play over a greeting that began after a pause ("Hello? ... You've reached Sam"): a person
 * turns into a machine if a long monologue starts right after the short first words, if a beep
 * follows long talk, or if the words name a mailbox. Nothing ever turns into a person, except from
 * {@code unknown}. Settled on a beep, a sure fax tone, or at the end of the window.
 *
 * <p>Per frame: one pass for the level, one for zero crossings and three Goertzel filters.
 */
public final class AnsweringMachineDetector implements Detector {
    /**
     * @param windowMs how long after the answer the verdict may still change
     * @param machineTalkMs talk without a pause of 700 ms this long is a greeting
     * @param humanMaxTalkMs first words at most this long, then quiet, are a person's
     * @param humanQuietMs the quiet after those words that makes them a person's
     * @param silentMs nothing heard this long is {@code unknown}
     */
    public record Settings(int windowMs, int machineTalkMs, int humanMaxTalkMs, int humanQuietMs, int silentMs) {
        public static final Settings DEFAULTS = new Settings(30_000, 3_000, 1_600, 800, 5_000);

        public Settings {
            if (humanQuietMs < Cadence.GAP_MS) {
                throw new IllegalArgumentException("humanQuietMs must be at least " + Cadence.GAP_MS
                        + " (the pause that ends a stretch of talk), got " + humanQuietMs);
            }
            if (humanMaxTalkMs <= 0 || machineTalkMs <= humanMaxTalkMs) {
                throw new IllegalArgumentException("need 0 < humanMaxTalkMs < machineTalkMs, got " + humanMaxTalkMs
                        + " and " + machineTalkMs);
            }
            if (silentMs <= humanQuietMs || windowMs < silentMs) {
                throw new IllegalArgumentException("need humanQuietMs < silentMs <= windowMs, got " + humanQuietMs
                        + ", " + silentMs + ", " + windowMs);
            }
        }
    }

    private static final int RATE = 8_000;
    /** After a person was heard, a monologue this long turns them into a machine... */
    private static final int FLIP_TALK_MS = 4_000;
    /** ...if it began this soon after that verdict, before a person would be answering our greeting. */
    private static final int FLIP_START_MS = 2_000;
    /** A beep turns a person into a machine only after talk this long (a greeting, not a microwave). */
    private static final int TALK_BEFORE_BEEP_MS = 2_000;

    private final Settings settings;
    private final GreetingWords phrases;
    private final Cadence cadence = new Cadence();
    private final BeepFinder beeps = new BeepFinder();
    private final FaxTone fax = new FaxTone();
    private AnsweredBy verdict;
    private Integer beepAt;
    private boolean settled;
    private int nowMs;
    private String lastWords = "";

    /** Detection for a call in {@code language} (BCP 47, e.g. {@code en-US}), with the default settings. */
    public AnsweringMachineDetector(String language) {
        this(language, Settings.DEFAULTS);
    }

    public AnsweringMachineDetector(String language, Settings settings) {
        this.phrases = new GreetingWords(Objects.requireNonNull(language, "language"));
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public void frame(short[] pcm, int atMs) {
        if (settled) {
            return;
        }
        int frameMs = pcm.length * 1_000 / RATE;
        nowMs = atMs + frameMs;
        Tone tone = Tone.in(pcm, RATE);
        Optional<FaxTone.Heard> faxHeard = fax.frame(tone, atMs, frameMs);
        Optional<ToneRun.Span> beep = beeps.frame(tone, atMs, frameMs);
        cadence.frame(pcm, atMs, frameMs, beeps.hearing());

        boolean isFax = faxHeard.map(this::onFax).orElse(false);
        if (!isFax && beep.isPresent()) {
            onBeep(beep.get());
        }
        if (!settled) {
            onCadence();
        }
        if (nowMs >= settings.windowMs()) {
            if (verdict == null) {
                verdict = new AnsweredBy(Who.unknown, false, 0.3, nowMs);
            }
            settled = true;
        }
    }

    @Override
    public void words(String text, int atMs) {
        if (settled || text == null || text.isBlank()) {
            return;
        }
        // Interim results may split a phrase: "leave a" then "message after the tone".
        GreetingWords.Strength heard = phrases.in(lastWords + " " + text);
        lastWords = text;
        boolean counts = heard == GreetingWords.Strength.strong
                || heard == GreetingWords.Strength.weak && (verdict == null || verdict.who() != Who.human);
        if (counts) {
            decide(Who.machine, false, heard == GreetingWords.Strength.strong ? 0.9 : 0.8, Math.max(atMs, nowMs));
        }
    }

    @Override
    public Optional<AnsweredBy> verdict() {
        return Optional.ofNullable(verdict);
    }

    @Override
    public Optional<Integer> beepAt() {
        return Optional.ofNullable(beepAt);
    }

    @Override
    public boolean settled() {
        return settled;
    }

    /** Whether the tone was taken as a fax's; a single CNG burst after a greeting is a 1,100 Hz beep. */
    private boolean onFax(FaxTone.Heard heard) {
        boolean open = verdict == null || verdict.who() == Who.unknown || verdict.who() == Who.fax;
        if (!open || !heard.sure() && talkBefore(nowMs) >= 1_000) {
            return false;
        }
        verdict = new AnsweredBy(Who.fax, false, heard.sure() ? 0.95 : 0.7,
                verdict != null && verdict.who() == Who.fax ? verdict.decidedAfterMs() : nowMs);
        settled = heard.sure();
        return true;
    }

    private void onBeep(ToneRun.Span beep) {
        int talk = talkBefore(beep.startMs());
        if (verdict != null && verdict.who() == Who.human && talk < TALK_BEFORE_BEEP_MS) {
            return;
        }
        if (verdict != null && verdict.who() == Who.fax) {
            return;
        }
        beepAt = beep.endMs();
        verdict = new AnsweredBy(Who.machine, true, talk >= TALK_BEFORE_BEEP_MS ? 0.95 : 0.85, nowMs);
        settled = true;
    }

    private void onCadence() {
        Optional<Cadence.Stretch> open = cadence.open();
        Who who = verdict == null ? null : verdict.who();
        if (who == null || who == Who.unknown) {
            if (open.isPresent() && open.get().ms() >= settings.machineTalkMs()) {
                decide(Who.machine, false, machineConfidence(open.get().ms()), nowMs);
            } else if (open.isEmpty() && cadence.ended() > 0) {
                Cadence.Stretch last = cadence.lastEnded().orElseThrow();
                int quiet = cadence.quietMs(nowMs);
                if (cadence.ended() == 1 && last.ms() <= settings.humanMaxTalkMs() && quiet >= settings.humanQuietMs()) {
                    double shortness = 1 - (double) last.ms() / settings.humanMaxTalkMs();
                    decide(Who.human, false, 0.7 + 0.2 * shortness, nowMs);
                } else if (quiet >= 2 * settings.humanQuietMs()) {
                    // Longer first words, or a few short sentences with pauses, and then waiting for us.
                    decide(Who.human, false, 0.55, nowMs);
                }
            } else if (who == null && cadence.ended() == 0 && open.isEmpty()
                    && cadence.quietMs(nowMs) >= settings.silentMs()) {
                decide(Who.unknown, false, 0.5, nowMs);
            }
        } else if (who == Who.human && open.isPresent()) {
            Cadence.Stretch talk = open.get();
            if (talk.ms() >= FLIP_TALK_MS && talk.startMs() <= verdict.decidedAfterMs() + FLIP_START_MS) {
                decide(Who.machine, false, 0.75, nowMs);
            }
        } else if (who == Who.machine && !verdict.beep() && open.isPresent()) {
            decide(Who.machine, false, machineConfidence(open.get().ms()), nowMs);
        }
    }

    /** 0.7 at the threshold, 0.9 for a greeting twice as long. */
    private double machineConfidence(int talkMs) {
        double over = (double) (talkMs - settings.machineTalkMs()) / settings.machineTalkMs();
        return 0.7 + 0.2 * Math.min(1, Math.max(0, over));
    }

    /** The length of the talk that ended shortly (within a few seconds) before {@code atMs}. */
    private int talkBefore(int atMs) {
        Optional<Cadence.Stretch> talk = cadence.open().or(cadence::lastEnded);
        return talk.filter(s -> s.endMs() >= atMs - 3_000).map(Cadence.Stretch::ms).orElse(0);
    }

    /**
     * Records a verdict if it may replace the one there: anything replaces nothing or unknown, a
     * machine replaces a person, the same verdict with more confidence keeps its original time.
     */
    private void decide(Who who, boolean beep, double confidence, int atMs) {
        if (verdict == null || verdict.who() == Who.unknown && who != Who.unknown) {
            verdict = new AnsweredBy(who, beep, confidence, atMs);
        } else if (verdict.who() == Who.human && who == Who.machine) {
            verdict = new AnsweredBy(who, beep, confidence, atMs);
        } else if (verdict.who() == who && confidence > verdict.confidence()) {
            verdict = new AnsweredBy(who, verdict.beep() || beep, confidence, verdict.decidedAfterMs());
        }
    }
}
