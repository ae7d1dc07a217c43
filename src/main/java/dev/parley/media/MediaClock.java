package dev.parley.media;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's 20 ms clock: one platform thread that ticks every live call's {@link Pacer} in turn,
 * on a schedule fixed at its start (a late wake-up is caught up rather than drifted).
 *
 * <p>Why one thread and not one per call: with a clock per call, each call parks and is woken 50
 * times a second, and at a few hundred calls the wake-ups themselves were most of the media path's
 * cost (half of it kernel time) and came late under load (bench/live-calls.sh: pacing p99 5 ms at
 * 200 calls, 20 ms at 500). One wake-up per tick for every call costs a tick's work and nothing
 * more. A tick's work per call is short and never blocks (a frame from the jitter buffer, an event
 * posted to the conversation, a frame from the speaker, one UDP send), so one slow call cannot
 * hold up the others for long; a clock that falls a tick behind while calls are live is logged once.
 */
public final class MediaClock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MediaClock.class);
    static final long FRAME_NANOS = 20_000_000L;

    private final CopyOnWriteArrayList<Pacer> pacers = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    private boolean overrunLogged;

    public MediaClock() {
        thread = Thread.ofPlatform().daemon().name("media-clock").priority(Thread.MAX_PRIORITY).start(this::run);
    }

    void add(Pacer p) {
        pacers.add(p);
    }

    void remove(Pacer p) {
        pacers.remove(p);
    }

    private void run() {
        long next = System.nanoTime();
        while (!closed) {
            next += FRAME_NANOS;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -FRAME_NANOS && !overrunLogged && !pacers.isEmpty()) {
                overrunLogged = true; // once: a node short of CPU would say it 50 times a second
                log.warn("The media clock woke {} ms late with {} calls on this node, so their audio went out late"
                        + " (the node is short of CPU, or the JVM paused)", -wait / 1_000_000L, pacers.size());
            }
            // Every call's packet goes out first, then every caller's frame is taken in: the sends
            // leave at a steady point of the tick, whatever handing frames to the conversations costs.
            for (Pacer p : pacers) {
                try {
                    p.speakTick(p.sampleNow());
                } catch (RuntimeException e) {
                    log.warn("A call's media tick failed", e);
                }
            }
            for (Pacer p : pacers) {
                try {
                    p.listenTick(p.sampleNow());
                } catch (RuntimeException e) {
                    log.warn("A call's media tick failed", e);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
