package dev.parley.dialer;

import dev.parley.call.CallStatus;
import dev.parley.call.CallTransitions;
import dev.parley.call.CallTransitions.Ending;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.CallListener;
import dev.parley.telephony.TelephonyProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import dev.parley.work.Wakeup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Takes queued calls to the phone network. One loop per node, woken when calls are accepted and
 * every 200 ms otherwise:
 * <ol>
 *   <li>calls that went on the wire on a node that stopped renewing its leases end as
 *       {@code failed / node-lost} (they cannot be re-dialed: someone may have answered);
 *   <li>hang-up requests for calls this node holds are carried out;
 *   <li>leases are renewed every third of their length;
 *   <li>due jobs are claimed up to this node's free lines ({@code dialer.max.calls}) and the
 *       workspaces' limits, and each call runs on its own virtual thread.
 * </ol>
 * A call's run marks it dialed (unless it was canceled meanwhile), asks the provider to dial, and
 * turns what the provider reports into status changes through {@link CallTransitions}. Before the
 * INVITE it opens the call's conversation (whose greeting is synthesized while the phone rings);
 * the answer starts it on the call's audio, and the conversation's turns are stored as they end.
 * Answered calls are hung up at the assistant's {@code max_duration_seconds}.
 */
public final class Dialer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dialer.class);
    private static final Duration TICK = Duration.ofMillis(200);
    /**
     * How long a call's end keeps trying to reach the database (a failover takes seconds). This node
     * renews the call's lease meanwhile, so nobody declares it lost; after that, it is found on
     * recovery as {@code node-lost}.
     */
    static final Duration RECORDING_PATIENCE = Duration.ofSeconds(30);

    public record Settings(int maxCalls, Duration ringTimeout, Duration lease) {}

    private final DialQueue queue;
    private final CallTransitions transitions;
    private final TelephonyProvider provider;
    private final ConversationFactory conversations;
    private final dev.parley.call.TranscriptStore transcripts;
    private final Settings settings;
    private final String node = "node-" + UUID.randomUUID().toString().substring(0, 8);
    private final Semaphore lines;
    private final Map<String, Run> active = new ConcurrentHashMap<>();
    private final Wakeup wakeup = new Wakeup();
    private final java.util.concurrent.ScheduledThreadPoolExecutor timers = maxDurationTimers();
    private final Timer dialLatency;
    private final Timer setupLatency;
    private final Counter dialed;
    private final Thread loop;
    private volatile boolean running = true;
    private long lastHeartbeat;

    /** Makes the conversation a call will hold once answered. */
    public interface ConversationFactory extends AutoCloseable {
        /** @throws RuntimeException when the call's assistant cannot hold one (it was deleted) */
        dev.parley.conversation.Conversation open(DialQueue.Job job, dev.parley.conversation.Conversation.Line line);

        /** Releases the speech engines, after the last call. */
        @Override
        default void close() {
        }
    }

    public Dialer(DialQueue queue, CallTransitions transitions, TelephonyProvider provider, ConversationFactory conversations,
                  dev.parley.call.TranscriptStore transcripts, Settings settings, MeterRegistry metrics) {
        this.transcripts = transcripts;
        this.conversations = conversations;
        this.queue = queue;
        this.transitions = transitions;
        this.provider = provider;
        this.settings = settings;
        this.lines = new Semaphore(settings.maxCalls());
        this.dialLatency = Timer.builder("parley.dial.latency").description("Accepted to INVITE sent")
                .publishPercentileHistogram().register(metrics);
        this.setupLatency = Timer.builder("parley.setup.latency").description("INVITE sent to first 180/183/200")
                .publishPercentileHistogram().register(metrics);
        this.dialed = Counter.builder("parley.calls.dialed").register(metrics);
        Gauge.builder("parley.calls.active", active, Map::size).description("Calls this node is dialing or holding").register(metrics);
        this.loop = Thread.ofVirtual().name("dialer").start(this::run);
    }

    public void wake() {
        wakeup.signal();
    }

    private void run() {
        while (running) {
            try {
                for (String lost : queue.lost(java.util.List.copyOf(active.keySet()))) {
                    transitions.move(lost, CallStatus.FAILED, "the node that held the call stopped", new Ending("node-lost", null));
                }
                queue.hangupRequests(node).forEach((callId, reason) -> {
                    Run r = active.get(callId);
                    if (r != null) {
                        r.hangup(reason);
                    }
                });
                long now = System.nanoTime();
                if (now - lastHeartbeat > settings.lease().toNanos() / 3) {
                    queue.heartbeat(node, settings.lease(), java.util.List.copyOf(active.keySet()));
                    lastHeartbeat = now;
                }
                int free = lines.availablePermits();
                for (DialQueue.Job job : queue.claim(node, settings.lease(), free)) {
                    lines.acquireUninterruptibly();
                    Run r = new Run(job);
                    active.put(job.callId(), r);
                    Thread.ofVirtual().name("call-" + job.callId()).start(r::start);
                }
                wakeup.await(TICK);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("Dialer loop failed; trying again shortly", e);
                Wakeup.pause(TICK);
            }
        }
    }

    /** One call on this node, from claim to its final status. */
    private final class Run implements CallListener, dev.parley.conversation.Conversation.Line {
        private final DialQueue.Job job;
        private final TurnWriter turns;
        private dev.parley.conversation.Conversation conversation;
        private volatile TelephonyProvider.Active call;
        private volatile String hangupReason;
        private volatile java.util.concurrent.ScheduledFuture<?> maxDuration;
        private long inviteSentNanos;
        private boolean setupMeasured;

        Run(DialQueue.Job job) {
            this.job = job;
            this.turns = new TurnWriter(job.callId(), transcripts);
        }

        void start() {
            MDC.put("call_id", job.callId());
            try {
                if (!queue.markDialed(node, job.callId())) {
                    finish(); // canceled before it reached the wire
                    return;
                }
                try {
                    conversation = conversations.open(job, this);
                } catch (RuntimeException e) {
                    log.error("The call's assistant cannot hold a conversation", e);
                    transitions.move(job.callId(), CallStatus.FAILED, "the assistant could not be loaded: " + e.getMessage(),
                            new Ending("provider-error", null));
                    finish();
                    return;
                }
                conversation.prepare(); // the greeting is synthesized while the phone rings
                inviteSentNanos = System.nanoTime();
                dialLatency.record(Duration.between(job.acceptedAt(), java.time.Instant.now()));
                dialed.increment();
                call = provider.dial(new TelephonyProvider.Dial(job.callId(), job.workspaceId(), job.toNumber(), Optional.ofNullable(job.fromNumber()),
                        settings.ringTimeout()), this);
                if (hangupReason != null) {
                    call.hangup();
                }
            } catch (RuntimeException e) {
                log.error("Dialing failed", e);
                ended(new CallEnd(CallStatus.FAILED, "carrier-error", null, "could not dial: " + e.getMessage()));
            } finally {
                MDC.remove("call_id");
            }
        }

        /**
         * Sends BYE or CANCEL on a thread of its own: the SIP agent reports the end of the call from
         * the thread that hangs up, and the end stops the conversation and waits for it. When the
         * conversation itself hung up (goodbye said, silence), doing that on its own thread made it
         * wait 3 s for itself before the call's end was recorded.
         */
        @Override
        public void hangup(String reason) {
            if (hangupReason == null) {
                hangupReason = reason;
            }
            TelephonyProvider.Active c = call;
            if (c != null) {
                Thread.ofVirtual().name("hangup-" + job.callId()).start(c::hangup);
            }
        }

        private void measureSetup() {
            if (!setupMeasured) {
                setupMeasured = true;
                setupLatency.record(System.nanoTime() - inviteSentNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void ringing(int code) {
            measureSetup();
            transitions.move(job.callId(), CallStatus.RINGING, code + " from the far end", Ending.none());
        }

        @Override
        public void answered(dev.parley.media.CallAudio audio) {
            measureSetup();
            if (audio != null && conversation != null) {
                conversation.start(audio); // first: the greeting must not wait for the status write
            }
            transitions.move(job.callId(), CallStatus.IN_PROGRESS, "answered", Ending.none());
            maxDuration = timers.schedule(() -> hangup("max-duration"), job.maxDurationSeconds(), TimeUnit.SECONDS);
        }

        @Override
        public void dtmf(char digit) {
            if (conversation != null) {
                conversation.digit(digit);
            }
            transitions.recordDtmf(job.callId(), digit);
        }

        /**
         * Records the end on a thread of its own: the SIP stack reports a callee's BYE on the one
         * thread that serves every call, and stopping the conversation, storing its last turns and
         * writing the final status take milliseconds, or seconds while the database fails over.
         */
        @Override
        public void ended(CallEnd end) {
            Thread.ofVirtual().name("ended-" + job.callId()).start(() -> record(end));
        }

        private void record(CallEnd end) {
            MDC.put("call_id", job.callId());
            try {
                if (conversation != null) {
                    conversation.stop(); // what was said is recorded before the report is written
                }
                turns.drain(RECORDING_PATIENCE);
                String reason = hangupReason;
                Ending ending = new Ending(end.endedReason(), end.sipCode());
                if (reason != null && (end.status() == CallStatus.COMPLETED || end.status() == CallStatus.CANCELED)) {
                    // Our own BYE or CANCEL: say why we sent it.
                    ending = new Ending(reason.equals("api") ? (end.status() == CallStatus.CANCELED ? "canceled" : "api-hangup") : reason,
                            end.sipCode());
                }
                Ending how = ending;
                Retry.until(RECORDING_PATIENCE, "record how the call ended",
                        () -> transitions.move(job.callId(), end.status(), end.detail(), how));
            } finally {
                finish(); // the line is free even if the end could not be recorded
                MDC.remove("call_id");
            }
        }

        @Override
        public void record(dev.parley.call.TranscriptTurn turn) {
            turns.add(turn);
        }

        private void finish() {
            java.util.concurrent.ScheduledFuture<?> timer = maxDuration;
            if (timer != null) {
                timer.cancel(false);
            }
            active.remove(job.callId());
            lines.release();
        }
    }


    /**
     * One thread for every call's {@code max_duration_seconds}. A call that ends cancels its timer and
     * the timer leaves the queue at once: a pending one holds the whole call (its conversation and
     * RTP session, about 0.6 MB) until it fires, ten minutes later by default.
     */
    private static java.util.concurrent.ScheduledThreadPoolExecutor maxDurationTimers() {
        var t = new java.util.concurrent.ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("dialer-timers").factory());
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** Stops claiming and hangs up what this node holds; each call ends with its real outcome. */
    @Override
    public void close() {
        running = false;
        wake();
        try {
            loop.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        active.values().forEach(r -> r.hangup("api"));
        try {
            lines.tryAcquire(settings.maxCalls(), 5, TimeUnit.SECONDS); // let the calls end and record it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timers.shutdownNow();
        provider.close();
        conversations.close();
    }
}
