package dev.parley.conversation;

import dev.parley.ai.Responder;
import dev.parley.amd.AnsweredBy;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.SpeechToText.SttEvent;
import dev.parley.ai.TextToSpeech;
import dev.parley.call.EndReason;
import dev.parley.call.TranscriptTurn;
import dev.parley.call.TurnLatency;
import dev.parley.media.CallAudio;
import dev.parley.safeguards.OptOutRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call's conversation, from answer to hang-up.
 *
 * <p><b>One owner.</b> Everything that decides anything runs on this class's own virtual thread,
 * which takes {@link Event}s from one queue: the caller's 20 ms frames (from the media clock), speech
 * recognition events, reply parts, "this utterance finished playing", digits, and the end of the
 * call. Nothing else mutates the state below, so there are no locks in the logic; the other threads
 * (media clock, recognizer, voice producers, reply readers) only post events.
 *
 * <p><b>Time</b> is the media clock's: each caller frame carries its offset on the recording's
 * timeline, and timers (no-input, waiting for a recognition result) are checked against it on every
 * frame, which arrive every 20 ms for as long as the call lives.
 *
 * <p><b>A turn.</b> {@link TurnDetector} finds where the caller's utterance starts (it must last
 * {@code min_utterance_ms}) and ends ({@code endpointing_ms} of silence). Frames from its start
 * (a pre-roll ring supplies the frames before it was confirmed) go to the speech-to-text session;
 * at the end {@code finish()} asks for the final text, which goes to the responder; the reply's
 * {@code Say} parts become {@link Utterance}s, synthesized on their own threads and played by the
 * {@link Speaker} on the media clock.
 *
 * <p><b>Barge-in.</b> Caller speech over an interruptible utterance that lasts
 * {@code barge_in_min_ms} cuts the audio at the next tick, cancels the reply (its generation is
 * bumped, so parts still in flight are dropped) and its synthesis; the transcript keeps what was
 * played, marked interrupted. Speech over the assistant that stays shorter (a "mm-hmm") is ignored.
 * A digit pressed during speech interrupts the same way.
 *
 * <p><b>The greeting</b> is asked for and synthesized in {@link #prepare} while the phone rings, so
 * the first frame goes out on the first tick after the answer.
 *
 * <p><b>Answering machines</b> (assistants with {@code voicemail.detect}): {@link Voicemail} hears
 * every frame and the recognizer's words first and says what to do; once a machine was acted on,
 * nothing the callee does reaches the turn-taking or the responder.
 */
public final class Conversation {
    private static final Logger log = LoggerFactory.getLogger(Conversation.class);
    /** No-input timeouts in a row after which a conversation that manages its own listening hangs up. */
    static final int SILENCES_BEFORE_HANGUP = 2;
    static final String APOLOGY = "I'm sorry, I'm having trouble right now. Please try again later. Goodbye.";

    /** What the conversation needs from the call around it. */
    public interface Line {
        /** Hang up for this reason (BYE); the call's end arrives later through {@link #stop}. */
        default void hangup(EndReason reason) {
            hangup(reason, null);
        }

        /** The same, with what the call's history should say about it (the failed provider, say); may be null. */
        void hangup(EndReason reason, String detail);

        /**
         * Hand the call to {@code destination} (a number or SIP URI). Returns at once; an accepted
         * transfer ends the call ({@code transferred}) through {@link #stop}, a refused one reports
         * back through {@code refused}.
         */
        default void transfer(String destination, Runnable refused) {
            refused.run();
        }

        /** Stores a finished turn (called in order, off the conversation's thread is fine). */
        void record(TranscriptTurn turn);

        /**
         * Stores who answered ({@code answered_by}), when it is first known and when it changes, in
         * order with the turns.
         */
        default void record(AnsweredBy verdict) {
        }

        /** The callee asked not to be called again: their number goes on the do-not-call list now, off this thread. */
        default void optedOut() {
        }
    }

    /**
     * What the call owes the callee whatever the assistant says: a disclosure before anything else
     * ({@code config.disclosure}, may be null) and a way to opt out ({@code opt_out}).
     */
    public record Courtesy(String disclosure, OptOutRules optOut) {
        /** No disclosure, no opt-out: for conversations tested on their own. */
        public static final Courtesy NONE = new Courtesy(null, new OptOutRules(java.util.Optional.empty(), List.of()));
    }

    /** Short on purpose: the call must be over within 2 s of the opt-out, and this plays whole. */
    static final String OPT_OUT_CONFIRMATION = "You are removed. Goodbye.";

    /** Observations for metrics and benchmarks. */
    public interface Observer {
        default void bargeIn(long stopMillis) {
        }

        default void turn(TurnLatency latency) {
        }
    }

    private sealed interface Event {
        record Frame(short[] pcm, long at) implements Event {}

        record Stt(SttEvent event) implements Event {}

        record Part(Responder.Part part, int generation) implements Event {}

        record Played(Utterance utterance) implements Event {}

        record Digit(char digit) implements Event {}

        record TransferRefused(String destination) implements Event {}

        record CarrierVerdict(AnsweredBy verdict) implements Event {}

        /** A reply has no more parts. */
        record ReplyDone(int generation) implements Event {}

        record Start(CallAudio audio) implements Event {}

        record Stop() implements Event {}
    }

    private final String callId;
    private final TurnTaking settings;
    private final Responder.Session responder;
    private final SpeechToText.Session stt;
    private final WarmVoice voice;
    private final boolean streaming;       // the recognizer hears the whole call and sends finals as it has them
    private final AutoCloseable resources;
    private final Line line;
    private final TextToSpeech apologyVoice;
    private final dev.parley.ai.Usage usage;
    private final Observer observer;
    private final boolean assistantFirst;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final AtomicInteger unsettled = new AtomicInteger();   // events unhandled + helpers producing
    private final AtomicInteger sttEventsTaken = new AtomicInteger();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Transcript transcript;
    private final TurnDetector detector;
    private volatile Greeting greeting;
    private boolean started;               // guarded by this: start and stop may race (a 200 OK crossing a BYE)
    private boolean stopped;
    private volatile boolean over;

    // State below is owned by the conversation thread.
    private CallAudio audio;
    private Speaker speaker;
    private long now;                      // samples on the recording timeline
    private long answeredNanos;
    private int generation;
    private Responder.Reply reply;
    private ReplyTiming pending;           // latency marks of the reply being prepared
    private ReplyTiming cutTiming;         // those of a reply cut while its first utterance played
    private final NoInputTimer noInput;
    private final CallerSpeech caller;
    private boolean overlap;               // the caller started speaking over the assistant
    private EndReason ending;              // why, once the reply said to end
    private String endingDetail;           // what the history says about it (the failed provider)
    private String transferTo;             // once the reply asked for a transfer, until it is under way
    private boolean replyListened;         // the reply said how to listen (a flow's step); else the conversation does
    private int silences;                  // no-input timeouts in a row the conversation itself armed
    private final StreamedFinals finals = new StreamedFinals();
    private final Voicemail voicemail;     // null unless the assistant detects machines
    private final Courtesy courtesy;
    private long answeredSample;

    /**
     * One call's providers, opened for it.
     *
     * @param apologyVoice says the apology when the call's own providers failed for good (the offline voice)
     * @param usage what the call's providers add their usage to (tokens, audio seconds, characters)
     * @param resources what was opened for this call alone (network voices), closed when it ends
     */
    public record Providers(Responder.Session responder, SpeechToText.Session stt, TextToSpeech voice,
                            TextToSpeech apologyVoice, dev.parley.ai.Usage usage, AutoCloseable resources) {
        public static Providers offline(Responder.Session responder, SpeechToText.Session stt, TextToSpeech voice) {
            return new Providers(responder, stt, voice, voice, new dev.parley.ai.Usage(), () -> { });
        }
    }

    public Conversation(String callId, TurnTaking settings, boolean assistantFirst, Responder.Session responder,
                        SpeechToText.Session stt, TextToSpeech voice, Line line, Observer observer) {
        this(callId, settings, assistantFirst, Providers.offline(responder, stt, voice), line, observer);
    }

    public Conversation(String callId, TurnTaking settings, boolean assistantFirst, Providers providers, Line line,
                        Observer observer) {
        this(callId, settings, assistantFirst, providers, line, observer, null, Courtesy.NONE);
    }

    /** @param voicemail answering machines, for assistants that detect them; else null */
    Conversation(String callId, TurnTaking settings, boolean assistantFirst, Providers providers, Line line,
                 Observer observer, Voicemail voicemail, Courtesy courtesy) {
        this.courtesy = courtesy;
        this.usage = providers.usage();
        this.resources = providers.resources();
        this.callId = callId;
        this.settings = settings;
        this.assistantFirst = assistantFirst;
        this.responder = providers.responder();
        this.stt = providers.stt();
        this.streaming = stt.capabilities().streaming();
        this.voice = new WarmVoice(providers.voice());
        this.apologyVoice = providers.apologyVoice();
        this.line = line;
        this.observer = observer;
        this.detector = new TurnDetector(settings);
        this.caller = new CallerSpeech(stt, streaming);
        this.transcript = new Transcript(line);
        this.noInput = new NoInputTimer(settings.noInputTimeout());
        this.voicemail = voicemail;
    }

    /** What the call used of paid providers, read once the call is over. */
    /** Whether the assistant asks who answered: a carrier that detects machines is asked to as well. */
    public boolean detectsMachines() {
        return voicemail != null;
    }

    public dev.parley.ai.Usage usage() {
        return usage;
    }

    /** While the phone rings: ask for the greeting and synthesize it, so it is ready at the answer. */
    public void prepare() {
        if (assistantFirst) {
            unsettled.incrementAndGet();
            greeting = Greeting.prepare(callId, responder, voice, unsettled::decrementAndGet);
        }
        if (courtesy.disclosure() != null) {
            voice.prefetch(courtesy.disclosure());
        }
        if (!courtesy.optOut().phrases().isEmpty()) {
            stt.expect(expected(List.of())); // an assistant without a flow's steps listens for opting out too
        }
    }

    /** The call was answered: the conversation runs on {@code audio} from now on. */
    public void start(CallAudio audio) {
        synchronized (this) {
            if (started || stopped) {
                return; // the call already ended (or this is a repeated answer): nothing to run
            }
            started = true;
        }
        Thread.ofVirtual().name("conversation-" + callId).start(this::run);
        post(new Event.Start(audio));
    }

    public void digit(char digit) {
        post(new Event.Digit(digit));
    }

    /** The carrier's answering-machine verdict: acted on as the detector's would be, and it wins over it. */
    public void answeredBy(AnsweredBy verdict) {
        post(new Event.CarrierVerdict(verdict));
    }

    /**
     * The call ended: stops speaking and listening, records what was said up to here, and returns
     * once the transcript is handed to the {@link Line} (bounded wait).
     */
    public void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (!started) {
                over = true;
                closeProviders();
                return;
            }
        }
        post(new Event.Stop());
        try {
            if (!finished.await(3, TimeUnit.SECONDS)) {
                log.warn("The conversation did not stop within 3 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void post(Event e) {
        unsettled.incrementAndGet();
        events.add(e);
    }

    /**
     * Whether nothing is under way: every event posted has been handled, and no reply, voice or
     * greeting is still producing. What the recognizer answered counts once its reader took it
     * ({@link #sttEventsTaken}). Tests that drive the media clock themselves advance it only when
     * settled, so they run as fast as the work allows, without sleeping a tick's 20 ms.
     */
    boolean settled() {
        return unsettled.get() == 0;
    }

    /** Recognizer events taken from the speech-to-text session so far. */
    int sttEventsTaken() {
        return sttEventsTaken.get();
    }

    private void run() {
        org.slf4j.MDC.put("call_id", callId);
        Thread sttReader = Thread.ofVirtual().name("stt-" + callId).start(this::readStt);
        try {
            while (true) {
                Event e = events.take();
                if (e instanceof Event.Stop) {
                    shutdown();
                    unsettled.decrementAndGet();
                    return;
                }
                try {
                    handle(e);
                } catch (RuntimeException ex) {
                    log.error("The conversation failed to handle {}", e.getClass().getSimpleName(), ex);
                } finally {
                    unsettled.decrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            over = true;
            sttReader.interrupt();
            finished.countDown();
        }
    }

    private void readStt() {
        try {
            while (!over) {
                long before = System.nanoTime();
                SttEvent e = stt.next(Duration.ofMillis(500));
                if (e != null) {
                    sttEventsTaken.incrementAndGet();
                    post(new Event.Stt(e));
                } else if (System.nanoTime() - before < 1_000_000L) {
                    Thread.sleep(20); // a session that answers at once with nothing (closed) must not spin
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(Event e) {
        switch (e) {
            case Event.Start s -> begin(s.audio());
            case Event.Frame f -> frame(f.pcm(), f.at());
            case Event.Stt s -> sttEvent(s.event());
            case Event.Part p -> {
                if (p.generation() == generation) {
                    part(p.part());
                }
            }
            case Event.Played p -> played(p.utterance());
            case Event.Digit d -> digitPressed(d.digit());
            case Event.ReplyDone d -> {
                if (d.generation() == generation) {
                    replyDone();
                }
            }
            case Event.CarrierVerdict v -> {
                if (voicemail == null) {
                    line.record(v.verdict()); // recorded; the assistant did not ask to act on machines
                } else {
                    voicemail.carrier(v.verdict());
                }
            }
            case Event.TransferRefused t -> startReply(new Responder.Input.TransferFailed(t.destination(),
                    "the far end refused the transfer"), pendingFromNow());
            case Event.Stop s -> throw new IllegalStateException("handled by the loop");
        }
    }

    private void begin(CallAudio a) {
        this.audio = a;
        this.answeredNanos = System.nanoTime();
        this.speaker = new Speaker(a, u -> post(new Event.Played(u)));
        a.speak(speaker);
        a.listen((pcm, at) -> post(new Event.Frame(pcm, at)));
        now = a.sampleNow();
        answeredSample = now;
        noInput.assistantIdle(now);
        if (courtesy.disclosure() != null) {
            say(courtesy.disclosure(), voice); // before anything else, and heard whole
        }
        if (!assistantFirst) {
            noInput.awaitCallee();
            return;
        }
        Greeting g = greeting;
        List<Responder.Part> parts = g == null ? null : g.await(Duration.ofSeconds(5));
        generation++;
        pending = ReplyTiming.from(answeredNanos);
        pending.replyNanos = answeredNanos;
        if (parts == null) {
            respond(new Responder.Input.Answered());
            return;
        }
        parts.forEach(this::part);
        replyDone();
    }

    /**
     * A reply has said all it will. One that did not say how to listen (a language model's) leaves
     * the listening to the conversation: the caller gets the assistant's no-input timeout from the
     * moment it falls silent; a flow's reply carries its own {@code Listen}.
     */
    private void replyDone() {
        reply = null;
        if (replyListened || ending != null || transferTo != null) {
            return;
        }
        noInput.listen(null);
        if (!speaker.busy()) {
            noInput.assistantIdle(now);
            pending = null;
        }
    }

    private void frame(short[] pcm, long at) {
        now = at;
        if (streaming) {
            finals.sent(at);
        }
        if (voicemail != null) {
            machine(voicemail.frame(pcm, sinceAnswer(), ending == null));
            if (voicemail.machine()) {
                return; // a mailbox's greeting is no one to answer
            }
        }
        if (ending != null) {
            return; // the closing line is playing: nothing the caller says changes the end
        }
        caller.frame(pcm);
        switch (detector.feed(pcm)) {
            case STARTED -> utteranceStarted(false);
            case BARGE_IN -> utteranceStarted(true);
            case ENDED -> utteranceEnded();
            case NONE -> { }
        }
        timers();
    }

    private void utteranceStarted(boolean longEnough) {
        if (!caller.isOpen() && !overlap) {
            caller.began(now - (long) detector.speechFrames() * 160);
            if (speaker.busy() && speaker.interruptible() && settings.bargeIn()) {
                overlap = true; // over the assistant: a turn only if it lasts long enough to interrupt
            } else if (speaker.busy()) {
                overlap = true; // cannot interrupt: ignored
                return;
            } else {
                openTurn();
            }
        }
        if (overlap && longEnough && settings.bargeIn() && speaker.busy() && speaker.interruptible()) {
            bargeIn(true);
            overlap = false;
            openTurn();
        }
    }

    private void openTurn() {
        noInput.stopListening();
        if (pending != null && pending.first == null && !caller.awaitingFinal()) {
            cancelReply(); // the caller went on talking before we answered: answer the whole of it
        }
        caller.open();
    }

    private void utteranceEnded() {
        if (overlap) {
            overlap = false; // a backchannel over the assistant, not a turn
            return;
        }
        if (caller.isOpen()) {
            caller.close(now, detector.framesSinceVoiced());
        }
    }

    private void sttEvent(SttEvent e) {
        if (voicemail != null) {
            switch (e) {
                case SttEvent.Interim i -> voicemail.words(i.text(), sinceAnswer());
                case SttEvent.Final f -> voicemail.words(f.text(), sinceAnswer());
                default -> { }
            }
            if (voicemail.machine()) {
                return;
            }
        }
        switch (e) {
            case SttEvent.Final f when streaming -> finals.add(f);
            case SttEvent.Final f -> {
                if (caller.awaitingFinal()) {
                    heard(f.text() == null ? "" : f.text().strip(), f.error());
                }
            }
            case SttEvent.SpeechEnded x when streaming -> streamedTurnEnded();
            case SttEvent.SpeechStarted x -> {
                // The recognizer confirms what our VAD began to hear over the assistant: interrupt now.
                if (overlap && ending == null && settings.bargeIn() && speaker.busy() && speaker.interruptible()) {
                    bargeIn(true);
                    overlap = false;
                    openTurn();
                }
            }
            case SttEvent.Failed f -> providerFailed(f.failure());
            case SttEvent.SpeechEnded x -> { }
            case SttEvent.Interim x -> { }
        }
    }

    /**
     * A streaming recognizer ended the caller's turn: after our {@code finish()}, or by its own
     * endpointing while our VAD still heard the turn going on (then the turn ends here). Speech it
     * heard that our VAD took for no turn counts as one when the assistant is quiet (a soft voice),
     * and is dropped when the assistant was speaking (a backchannel, or our own echo).
     */
    private void streamedTurnEnded() {
        if (caller.isOpen()) {
            caller.closeByRecognizer(now, detector.framesSinceVoiced());
        } else if (!caller.awaitingFinal()) {
            if (finals.isEmpty() || speaker.busy() || overlap || ending != null) {
                finals.clear();
                return;
            }
            caller.began(now);
            caller.closeByRecognizer(now, 0);
        }
        heard(finals.take(caller.startSample()), null);
    }

    private void heard(String text, String error) {
        CallerSpeech.Said turn = caller.heard(text, error);
        if (turn == null) {
            return; // they are already speaking again: answered once they finish
        }
        silences = 0;
        transcript.caller(turn.text(), turn.startSample(), turn.endSample(), turn.error());
        if (ending != null) {
            return;
        }
        var phrase = courtesy.optOut().phraseIn(turn.text());
        if (phrase.isPresent()) {
            optOut("said \"" + phrase.get() + "\"");
            return;
        }
        ReplyTiming p = ReplyTiming.from(turn.lastVoicedNanos());
        p.endpointingMs = turn.endpointingMs();
        p.sttMs = turn.sttMs();
        if (noInput.calleeSpoke()) {
            startReply(new Responder.Input.Answered(), p);
        } else {
            startReply(new Responder.Input.Heard(turn.text()), p);
        }
    }

    private void digitPressed(char digit) {
        if (ending != null || audio == null || voicemail != null && voicemail.machine()) {
            return;
        }
        if (courtesy.optOut().isKey(digit)) {
            optOut("pressed " + digit); // the key is the callee's, never the flow's
            return;
        }
        if (speaker.busy() && speaker.interruptible()) {
            bargeIn(false);
        }
        noInput.calleeSpoke();
        silences = 0;
        startReply(new Responder.Input.Digit(digit), ReplyTiming.from(System.nanoTime()));
    }

    private void timers() {
        if (caller.overdue(now)) {
            log.warn("No result from speech recognition in time; treating the utterance as not understood");
            heard("", "no result from speech recognition in time");
            return;
        }
        boolean quiet = !speaker.busy() && !caller.isOpen() && !overlap && !caller.awaitingFinal() && pending == null;
        if (!quiet) {
            return;
        }
        switch (noInput.check(now)) {
            case CALLEE_SILENT -> startReply(new Responder.Input.Answered(), pendingFromNow()); // the assistant begins
            case NO_INPUT -> {
                if (!replyListened && ++silences >= SILENCES_BEFORE_HANGUP) {
                    ending = EndReason.SILENCE_TIMEOUT; // the responder asked again and still nothing
                    line.hangup(ending, "the caller said nothing after " + silences + " prompts");
                } else {
                    startReply(new Responder.Input.NoInput(), pendingFromNow());
                }
            }
            case NOT_YET -> { }
        }
    }

    private ReplyTiming pendingFromNow() {
        return ReplyTiming.from(System.nanoTime());
    }

    private void startReply(Responder.Input input, ReplyTiming p) {
        cancelReply();
        generation++;
        replyListened = false;
        noInput.stopListening();
        pending = p;
        p.replyNanos = System.nanoTime();
        respond(input);
    }

    private void respond(Responder.Input input) {
        int gen = generation;
        Responder.Reply r;
        try {
            r = responder.respond(input, transcript.history());
        } catch (RuntimeException e) {
            log.error("The responder failed", e);
            pending = null;
            return;
        }
        reply = r;
        unsettled.incrementAndGet();
        Thread.ofVirtual().name("reply-" + callId).start(() -> {
            try {
                Responder.Part part;
                while ((part = r.next()) != null) {
                    post(new Event.Part(part, gen));
                }
                post(new Event.ReplyDone(gen));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (dev.parley.ai.ProviderFailure.Exception e) {
                post(new Event.Part(new Responder.Part.Failed(e.failure()), gen));
            } catch (RuntimeException e) {
                log.error("The responder's reply failed", e);
                post(new Event.ReplyDone(gen));
            } finally {
                unsettled.decrementAndGet();
            }
        });
    }

    private void part(Responder.Part part) {
        switch (part) {
            case Responder.Part.Say s -> {
                Utterance u = Utterance.speech(s.text(), s.interruptible());
                if (pending != null && pending.first == null) {
                    pending.responderMs = millisSince(pending.replyNanos);
                    pending.first = u;
                }
                unsettled.incrementAndGet();
                u.produce(voice, unsettled::decrementAndGet);
                speaker.say(u);
                noInput.assistantSpeaking();
            }
            case Responder.Part.Listen l -> {
                replyListened = true;
                stt.expect(expected(l.expect()));
                noInput.listen(l.noInputTimeout());
                if (!speaker.busy()) {
                    noInput.assistantIdle(now);
                    pending = null;
                }
            }
            case Responder.Part.EndCall end -> {
                ending = end.reason();
                if (!speaker.busy()) {
                    line.hangup(ending, endingDetail);
                }
            }
            case Responder.Part.Failed f -> providerFailed(f.failure());
            case Responder.Part.SendDtmf d -> {
                speaker.say(Utterance.keys(d.digits()));
                noInput.assistantSpeaking();
            }
            case Responder.Part.Transfer t -> {
                transferTo = t.destination();
                if (!speaker.busy()) {
                    transfer();
                }
            }
        }
    }

    private void played(Utterance u) {
        if (u.digits == null && u.framesPlayed > 0) {
            boolean cut = u.canceled();
            TurnLatency latency = null;
            ReplyTiming timing = pending != null && pending.first == u ? pending
                    : cutTiming != null && cutTiming.first == u ? cutTiming : null;
            if (timing != null) {
                latency = timing.latency(u);
                observer.turn(latency);
                if (timing == pending) {
                    pending = null;
                }
                cutTiming = null;
            }
            String text = u.heardText();
            transcript.assistant(text, u.firstPlayedSample, u.lastPlayedSample, cut, u.error, latency);
        } else if (u.digits == null && u.error != null) {
            // The voice failed before a frame: the turn says so rather than vanishing.
            transcript.assistantFailed(now, u.error);
        }
        if (u.failure != null && ending == null) {
            providerFailed(u.failure); // once the call is ending (the apology, a closing line) it ends as meant, below
            return;
        }
        if (pending != null && pending.first == u) {
            pending = null; // canceled or failed before a single frame went out
        }
        if (!speaker.busy()) {
            noInput.assistantIdle(now);
            if (ending != null) {
                line.hangup(ending, endingDetail);
            } else if (transferTo != null) {
                transfer();
            }
        }
    }

    /** Once everything said before it has played: the call goes to the destination, or the reply hears it could not. */
    private void transfer() {
        String to = transferTo;
        transferTo = null;
        line.transfer(to, () -> post(new Event.TransferRefused(to)));
    }

    /**
     * The responder (a language model and its fallbacks) cannot answer: the caller hears a short
     * apology rather than dead air, and the call ends {@code provider-error}, naming the provider.
     */
    private void providerFailed(dev.parley.ai.ProviderFailure f) {
        log.warn("A provider failed for good: {}", f.message());
        if (ending != null) {
            if (!speaker.busy()) {
                line.hangup(ending, endingDetail); // the closing line (a voicemail message) failed: end as meant
            }
            return;
        }
        ending = EndReason.PROVIDER_ERROR;
        endingDetail = f.message();
        cancelReply();
        speaker.interrupt();
        Utterance sorry = Utterance.speech(APOLOGY, false);
        unsettled.incrementAndGet();
        sorry.produce(apologyVoice, unsettled::decrementAndGet);
        speaker.say(sorry);
        noInput.assistantSpeaking();
    }

    /**
     * The callee asked not to be called again: whatever plays stops, their number is listed at once
     * (by the line, off this thread), and a short confirmation that nothing can interrupt is the
     * last thing they hear before the call ends {@code opted-out}.
     */
    private void optOut(String how) {
        log.info("The callee opted out ({})", how);
        silenceForMachine();
        ending = EndReason.OPTED_OUT;
        endingDetail = "the callee asked not to be called again (" + how + ")";
        line.optedOut();
        say(OPT_OUT_CONFIRMATION, voice);
    }

    /** An uninterruptible line of the conversation's own (not the responder's). */
    private void say(String text, TextToSpeech by) {
        Utterance u = Utterance.speech(text, false);
        unsettled.incrementAndGet();
        u.produce(by, unsettled::decrementAndGet);
        speaker.say(u);
        noInput.assistantSpeaking();
    }

    /** A step's expected phrases plus the opt-out phrases: a grammar recognizer hears only what it expects. */
    private List<String> expected(List<String> step) {
        if (courtesy.optOut().phrases().isEmpty()) {
            return step;
        }
        List<String> all = new ArrayList<>(step);
        courtesy.optOut().phrases().stream().filter(p -> !all.contains(p)).forEach(all::add);
        return all;
    }

    /** What {@link Voicemail} decided: the caller is a machine, so whatever is playing stops, polite lines too. */
    private void machine(Voicemail.Act act) {
        switch (act) {
            case Voicemail.Act.Nothing n -> { }
            case Voicemail.Act.Wait w -> silenceForMachine();
            case Voicemail.Act.HangUp h -> {
                silenceForMachine();
                ending = EndReason.VOICEMAIL;
                endingDetail = h.detail();
                line.hangup(ending, endingDetail);
            }
            case Voicemail.Act.Leave l -> {
                silenceForMachine();
                ending = EndReason.VOICEMAIL;
                endingDetail = "left a message on an answering machine";
                Utterance message = Utterance.speech(l.message(), false);
                unsettled.incrementAndGet();
                message.produce(voice, unsettled::decrementAndGet);
                speaker.say(message);
                noInput.assistantSpeaking();
            }
        }
    }

    private void silenceForMachine() {
        cancelReply();
        speaker.interruptAll();
        noInput.stopListening();
        overlap = false;
        transferTo = null;
    }

    private int sinceAnswer() {
        return (int) ((now - answeredSample) / 8);
    }

    private void bargeIn(boolean bySpeech) {
        long stopAt = now;
        Utterance cut = speaker.interrupt();
        cancelReply();
        if (bySpeech && cut != null) {
            observer.bargeIn(Math.max(0, (stopAt - caller.startSample()) / 8 + TurnDetector.FRAME_MS));
        }
        noInput.stopListening();
    }

    private void cancelReply() {
        Responder.Reply r = reply;
        reply = null;
        if (r != null) {
            r.close();
        }
        generation++;
        if (pending != null && pending.first != null) {
            cutTiming = pending; // its first utterance was heard: the turn keeps its latency once it reports back
        }
        pending = null;
    }

    private void shutdown() {
        if (voicemail != null && audio != null) {
            voicemail.ended(sinceAnswer());
        }
        if (speaker != null) {
            audio.speak(null);
            audio.listen(null);
            speaker.close();
        }
        cancelReply();
        // What the speaker reported while closing: the utterance cut by the hang-up, marked interrupted.
        List<Event> left = new ArrayList<>();
        events.drainTo(left);
        for (Event e : left) {
            if (e instanceof Event.Played p) {
                played(p.utterance());
            }
        }
        unsettled.addAndGet(-left.size());
        closeProviders();
    }

    private void closeProviders() {
        stt.close();
        responder.close();
        voice.close();
        try {
            resources.close();
        } catch (Exception e) {
            log.warn("The call's providers did not close cleanly: {}", e.toString());
        }
    }

    private static int millisSince(long nanos) {
        return (int) ((System.nanoTime() - nanos) / 1_000_000L);
    }
}
