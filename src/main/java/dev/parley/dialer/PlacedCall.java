package dev.parley.dialer;

import dev.parley.ai.Usage;
import dev.parley.amd.AnsweredBy;
import dev.parley.call.CallAnalysis;
import dev.parley.call.CallStatus;
import dev.parley.call.Channel;
import dev.parley.call.EndReason;
import dev.parley.call.TranscriptTurn;
import dev.parley.conversation.Conversation;
import dev.parley.media.MediaTransport;
import dev.parley.store.DatabaseException;
import dev.parley.media.Pacer;
import dev.parley.media.Recorder;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.CallListener;
import dev.parley.telephony.TelephonyProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One placed call on this node, from the claim of its job to its final status: the one owner of
 * everything the call holds.
 *
 * <p><b>What it owns.</b> An executor of virtual threads for the call's own work (hang-ups, its
 * end), closed when the call ends; its timers (ring timeout, max duration); its media (the
 * transport the provider hands over, the {@link Pacer} and {@link Recorder} over it); its
 * {@link Conversation}; and its writes ({@link CallWrites}: status moves, turns and digits, in
 * order, never on the media clock or the SIP thread).
 *
 * <p><b>How it ends.</b> Every way a call ends reaches {@link #end} once: the far end's BYE or a
 * final response (through the provider's {@code ended}); our own hang-ups (API, assistant, max
 * duration, ring timeout, a node stopping), which ask the provider for CANCEL or BYE and end when
 * it reports back; and failures before or while dialing. {@code end} tears down in a fixed order:
 * <ol>
 *   <li>signalling: CANCEL or BYE has gone out (or the far end ended it);
 *   <li>media: the clock stops and the transport closes, so the recording is complete;
 *   <li>the conversation stops, keeping the utterance the end cut short;
 *   <li>the last turns and digits are stored;
 *   <li>the recording is stored while the call is analyzed (summary and structured data, at most
 *       {@link dev.parley.analysis.CallAnalyst#LIMIT}), then the final status, with the analysis and
 *       the providers' usage, and its {@code call.ended} and {@code call.report} events in one
 *       transaction (the report names the recording);
 *   <li>then the line is given back.
 * </ol>
 * Each write is retried for {@link Dialer#RECORDING_PATIENCE}, so a database failover as the call
 * ends does not lose it; the line is given back even when it does.
 *
 * <p><b>Why we hung up</b> is kept here only: the provider reports that the end was ours
 * ({@link CallEnd#hungUpHere()}) and this object names the reason. A hang-up before anyone answered
 * is a cancel ({@link EndReason#beforeAnswer()}). A transfer the far end accepted is the one end of
 * ours the provider names itself ({@link CallEnd#transferred}): it happens inside the provider's
 * {@code transfer}, so no reason recorded here could reliably come first, and none should win over it.
 */
final class PlacedCall implements CallListener, Conversation.Line {
    private static final Logger log = LoggerFactory.getLogger(PlacedCall.class);

    private final DialQueue.Job job;
    private final DialerNode node;
    private final CallWrites writes;
    private final CountDownLatch over = new CountDownLatch(1);
    private final AtomicBoolean ending = new AtomicBoolean();
    private final AtomicReference<EndReason> requested = new AtomicReference<>();
    private volatile String requestedDetail; // what the history says about our own hang-up (the failed provider)
    private volatile ExecutorService work;
    private volatile TelephonyProvider.Active call;
    private volatile Conversation conversation;
    private volatile ScheduledFuture<?> ringTimer;
    private volatile ScheduledFuture<?> maxDuration;
    private volatile boolean answered;
    // Media: created at early media or the answer, on the provider's one thread per call.
    private volatile MediaTransport transport;
    private volatile Pacer pacer;
    private volatile Recorder recorder;
    private long inviteSentNanos;
    private final AtomicBoolean setupMeasured = new AtomicBoolean();

    PlacedCall(DialQueue.Job job, DialerNode node) {
        this.job = job;
        this.node = node;
        this.writes = new CallWrites(job.callId(), Dialer.RECORDING_PATIENCE);
    }

    String id() {
        return job.callId();
    }

    /** The call's life, on its own virtual thread: returns once it ended and its work is done. */
    void run() {
        MDC.put("call_id", job.callId());
        try (ExecutorService executor = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("call-" + job.callId() + "-", 0).factory())) {
            work = executor;
            place();
            over.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            node.released(this);
            MDC.remove("call_id");
        }
    }

    private void place() {
        try {
            DialQueue.Dialing mark = beforeDialing("mark the call dialed",
                    () -> node.queue().markDialed(node.name(), job.callId(), node.lease()));
            if (mark == null) {
                over.countDown(); // still queued: claimed again once this claim lapses
                return;
            }
            switch (mark) {
                case NOT_OURS, RESCHEDULED -> {
                    // canceled before it reached the wire (already final), our claim ran out (another node dials
                    // it), or back in the queue for its calling hours
                    over.countDown();
                    return;
                }
                case DO_NOT_CALL -> {
                    end(EndReason.BLOCKED, null, "the number was put on the do-not-call list after the call was accepted;"
                            + " it was not dialed");
                    return;
                }
                case GO -> { }
            }
            try {
                conversation = beforeDialing("load the call's assistant", () -> node.conversations().open(job, this));
                if (conversation == null) {
                    end(EndReason.PROVIDER_ERROR, null, "the assistant could not be loaded: the database stayed unreachable");
                    return;
                }
            } catch (RuntimeException e) {
                log.error("The call's assistant cannot hold a conversation", e);
                end(EndReason.PROVIDER_ERROR, null, "the assistant could not be loaded: " + e.getMessage());
                return;
            }
            conversation.prepare(); // the greeting is synthesized while the phone rings
            inviteSentNanos = System.nanoTime();
            node.dialLatency().record(Duration.between(job.acceptedAt(), Instant.now()));
            node.dialed().increment();
            Duration ringTimeout = ringTimeout();
            String unanswered = job.channel() == Channel.WEB ? "no browser joined the call before its token expired" : null;
            ringTimer = node.timers().schedule(() -> hangup(EndReason.NO_ANSWER, unanswered), ringTimeout.toMillis(),
                    TimeUnit.MILLISECONDS);
            call = node.provider().dial(new TelephonyProvider.Dial(job.callId(), job.workspaceId(), job.toNumber(),
                    Optional.ofNullable(job.fromNumber()), ringTimeout, Duration.ofSeconds(job.maxDurationSeconds()),
                    conversation.detectsMachines(), job.channel()), this);
            if (requested.get() != null) {
                signal(); // a hang-up asked for while the INVITE was being sent
            }
        } catch (RuntimeException e) {
            log.error("Dialing failed", e);
            end(EndReason.CARRIER_ERROR, null, "could not dial: " + e.getMessage());
        }
    }

    /**
     * How long it may ring: the node's ring timeout, or for a web call the time left for its browser to
     * join (its token's expiry), so a call nobody joins ends {@code no-answer} as the token runs out.
     */
    private Duration ringTimeout() {
        if (job.channel() != Channel.WEB) {
            return node.ringTimeout();
        }
        Duration left = Duration.between(node.transitions().now(), job.webJoinBy());
        return left.isNegative() ? Duration.ZERO : left;
    }

    /**
     * A step before anything went out (marking the call dialed, loading its assistant): a database
     * restart here delays the call rather than failing it, so the step is tried again until the
     * database is back (null if it stays away); any other failure is thrown as it came.
     */
    private <T> T beforeDialing(String what, Supplier<T> step) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        boolean done = Retry.until(Dialer.RECORDING_PATIENCE, what, () -> {
            try {
                result.set(step.get());
            } catch (RuntimeException e) {
                if (DatabaseException.isOutage(e)) {
                    throw e;
                }
                failure.set(e);
            }
        });
        if (failure.get() != null) {
            throw failure.get();
        }
        return done ? result.get() : null;
    }

    /** Hang up for this reason; the first reason asked for is the one recorded, with its detail. */
    @Override
    public void hangup(EndReason reason, String detail) {
        if (requested.compareAndSet(null, reason)) {
            requestedDetail = detail;
        }
        signal();
    }

    /**
     * CANCEL or BYE, on a thread of the call's own: the provider reports the end on the thread that
     * hangs up, and the end stops the conversation and waits for it, so the conversation (or the SIP
     * stack) must never be the one hanging up.
     */
    private void signal() {
        TelephonyProvider.Active c = call;
        if (c == null || ending.get()) {
            return; // not dialed yet (place() signals once it is) or already over
        }
        try {
            work.execute(c::hangup);
        } catch (RejectedExecutionException e) {
            // the call's work is closed: it has ended
        }
    }

    /**
     * Hands the answered call to {@code destination} on a thread of the call's own: the provider
     * waits there for the far end's answer, never on the conversation's thread or the SIP stack's.
     * Accepted, the provider ends the call itself ({@code transferred}, naming the destination) and
     * the end arrives through {@link #ended} like any other; refused, the conversation hears so.
     */
    @Override
    public void transfer(String destination, Runnable refused) {
        TelephonyProvider.Active c = call;
        if (c == null || !answered || ending.get()) {
            refused.run();
            return;
        }
        try {
            work.execute(() -> {
                if (!c.transfer(destination)) {
                    refused.run();
                }
            });
        } catch (RejectedExecutionException e) {
            // the call's work is closed: it has ended, and the conversation with it
        }
    }

    private void measureSetup() {
        if (setupMeasured.compareAndSet(false, true)) {
            node.setupLatency().record(System.nanoTime() - inviteSentNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Status moves go through the call's ordered writes like its turns: the provider reports them
     * on the SIP stack's one thread, which must never wait for the database, and a move made while
     * the database restarts must be stored once it is back, not lost with its webhook (issue 15).
     */
    @Override
    public void ringing(int code) {
        ringing(code + " from the far end");
    }

    @Override
    public void ringing(String reason) {
        measureSetup();
        Instant at = node.transitions().now();
        writes.add("record that the call rings", () -> node.transitions().move(job.callId(), CallStatus.RINGING, reason, at));
    }

    @Override
    public void earlyMedia(MediaTransport media) {
        startMedia(media);
    }

    @Override
    public void answered(MediaTransport media) {
        measureSetup();
        cancel(ringTimer);
        if (media == null) {
            log.warn("The far end answered without usable audio (no PCMU/PCMA in its SDP); hanging up");
            hangup(EndReason.CARRIER_ERROR);
            return;
        }
        answered = true;
        Pacer p = startMedia(media);
        p.answered();
        conversation.start(p); // first: the greeting must not wait for the status write
        Instant at = node.transitions().now();
        writes.add("record the answer", () -> node.transitions().move(job.callId(), CallStatus.IN_PROGRESS, "answered", at));
        maxDuration = node.timers().schedule(() -> hangup(EndReason.MAX_DURATION), job.maxDurationSeconds(), TimeUnit.SECONDS);
    }

    private synchronized Pacer startMedia(MediaTransport media) {
        if (pacer == null) {
            transport = media;
            recorder = new Recorder();
            pacer = new Pacer(media, recorder, node.clock());
        }
        return pacer;
    }

    @Override
    public void dtmf(char digit) {
        conversation.digit(digit);
        writes.add("store a digit the callee pressed", () -> node.transitions().recordDtmf(job.callId(), digit));
    }

    /**
     * The callee asked not to be called again: their number goes on the list at once, on a thread of
     * the call's own (not behind the turns in {@link CallWrites}: it must hold within a second, and
     * it must hold even if the call's other writes are slow), retried through a failover.
     */
    @Override
    public void optedOut() {
        try {
            work.execute(() -> Retry.until(Dialer.RECORDING_PATIENCE, "put the callee on the do-not-call list",
                    () -> node.queue().optOut(job.callId())));
        } catch (RejectedExecutionException e) {
            log.error("The callee opted out as the call ended; their number could not be listed");
        }
    }

    /** Stored in order; the far end sees it too when it shows a live transcript (a browser). */
    @Override
    public void record(TranscriptTurn turn) {
        writes.add("store a transcript turn", () -> node.transcripts().append(job.callId(), turn));
        MediaTransport t = transport;
        if (t != null && turn.text() != null && !turn.text().isBlank()) {
            t.said(turn.speaker(), turn.text());
        }
    }

    /**
     * Who answered, as the conversation's detector (or the carrier, through it) decided: stored in
     * order with the turns, off the conversation's thread, with its {@code call.answered_by} event.
     */
    @Override
    public void record(AnsweredBy verdict) {
        writes.add("store who answered", () -> node.transitions().answeredBy(job.callId(), verdict));
    }

    /** The carrier's verdict goes to the conversation, which records it and acts on it as on its detector's. */
    @Override
    public void answeredBy(AnsweredBy verdict) {
        Conversation c = conversation;
        if (c != null) {
            c.answeredBy(verdict);
        }
    }

    /**
     * The provider's word on the end. Recorded on a thread of the call's own: the SIP stack reports
     * a callee's BYE on the one thread that serves every call, and the end takes milliseconds, or
     * seconds while the database fails over.
     */
    @Override
    public void ended(CallEnd end) {
        EndReason reason = end.reason();
        String detail = end.detail();
        EndReason why = requested.get();
        if (end.hungUpHere() && why != null) {
            reason = answered ? why : why.beforeAnswer();
            detail = requestedDetail != null ? requestedDetail : detail;
        } else if (!answered && reason.unanswered() != reason) {
            // Written as it came, the final status would be refused (completed needs an answer) and
            // the call found lost once its lease ran out.
            reason = reason.unanswered();
            detail = detail + "; the call ended before its audio reached Parley";
        }
        EndReason how = reason;
        String said = detail;
        try {
            work.execute(() -> end(how, end.sipCode(), said));
        } catch (RejectedExecutionException e) {
            log.warn("The call's end was reported after it was over");
        }
    }

    /** The one way a call ends: once, in the order the class comment gives. */
    void end(EndReason reason, Integer sipCode, String detail) {
        if (!ending.compareAndSet(false, true)) {
            return;
        }
        MDC.put("call_id", job.callId());
        Instant endedAt = node.transitions().now(); // stored seconds later in a database restart: the duration stays true
        try {
            cancel(ringTimer);
            cancel(maxDuration);
            byte[] recording = stopMedia();
            Conversation c = conversation;
            if (c != null) {
                c.stop(); // what was said is recorded before the report is written
            }
            writes.drain(Dialer.RECORDING_PATIENCE);
            // The transcript is complete: the analysis (bounded by CallAnalyst.LIMIT) runs while the recording is stored.
            Usage usage = c != null ? c.usage() : new Usage();
            CompletableFuture<CallAnalysis> analysis = CompletableFuture.supplyAsync(
                    () -> node.analyst().analyze(job.callId(), job.workspaceId(), job.assistantId(), usage), work);
            if (recording != null) {
                store(recording);
            }
            CallAnalysis outcome = analysis.join();
            Retry.until(Dialer.RECORDING_PATIENCE, "record how the call ended",
                    () -> node.transitions().end(job.callId(), reason, sipCode, detail, outcome, endedAt));
        } finally {
            over.countDown(); // the line is given back even if the end could not be recorded
        }
    }

    /** The store retries through a database failover itself ({@code RecordingStore.PATIENCE}); a recording it gives up on is lost, the call's end is not. */
    private void store(byte[] recording) {
        try {
            node.recordings().put(job.callId(), recording);
        } catch (RuntimeException e) {
            log.error("The call's recording could not be stored: {}", e.getMessage());
        }
    }

    /** Stops the clock and closes the transport; returns the finished recording, if media ever ran. */
    private synchronized byte[] stopMedia() {
        if (pacer == null) {
            return null;
        }
        pacer.close();
        transport.close();
        return recorder.wav();
    }

    /** This node is stopping: the call ends as an API hang-up would end it. */
    void stopNode() {
        hangup(EndReason.API_HANGUP);
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
