package dev.parley.conversation;

import dev.parley.media.AudioSource;
import dev.parley.media.CallAudio;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The assistant's mouth: the call's {@link AudioSource}, playing queued {@link Utterance}s in order
 * on the media clock. When one has been played to its end (or cut), {@code done} is told, off the
 * clock's own work. {@link #interrupt} drops what is playing and queued at once, so the next
 * tick sends nothing; an uninterruptible utterance (the closing line) is never dropped.
 */
final class Speaker implements AudioSource {
    private final CallAudio audio;
    private final Consumer<Utterance> done;
    private final ArrayDeque<Utterance> queue = new ArrayDeque<>();
    private Utterance current;

    Speaker(CallAudio audio, Consumer<Utterance> done) {
        this.audio = audio;
        this.done = done;
    }

    synchronized void say(Utterance u) {
        queue.add(u);
    }

    @Override
    public synchronized short[] poll() {
        long at = audio.sampleNow();
        while (true) {
            if (current == null) {
                current = queue.poll();
                if (current == null) {
                    return null;
                }
                if (current.digits != null) {
                    audio.sendDigits(current.digits);
                    finish();
                    continue;
                }
            }
            short[] f = current.poll(at);
            if (f != null) {
                return f;
            }
            if (current.finished()) {
                finish();
                continue;
            }
            return null; // the voice is still producing: an underrun, not the end
        }
    }

    private void finish() {
        Utterance u = current;
        current = null;
        done.accept(u);
    }

    /** Whether anything is playing or waiting to be played. */
    synchronized boolean busy() {
        return current != null || !queue.isEmpty();
    }

    /** Whether what is playing now may be interrupted. */
    synchronized boolean interruptible() {
        Utterance u = current != null ? current : queue.peek();
        return u != null && u.interruptible;
    }

    /**
     * Cuts what is playing and drops the queue (all but uninterruptible lines), and has the far end
     * drop what it holds of them: what it had not played yet was never heard.
     * @return the utterance that was playing, if any, already canceled
     */
    synchronized Utterance interrupt() {
        return interrupt(false);
    }

    /**
     * Cuts everything, uninterruptible lines too: an answering machine answered, and a line kept
     * whole for a person's sake is only recorded by a mailbox.
     */
    synchronized Utterance interruptAll() {
        return interrupt(true);
    }

    private Utterance interrupt(boolean all) {
        Utterance cut = null;
        if (current != null && (all || current.interruptible)) {
            cut = current;
            cut.unheard(audio.unplayedSamples());
            audio.clear();
            current.cancel();
            current = null;
            done.accept(cut);
        }
        var it = queue.iterator();
        while (it.hasNext()) {
            Utterance u = it.next();
            if (all || u.interruptible) {
                it.remove();
                u.cancel();
                done.accept(u);
            }
        }
        return cut;
    }

    /** Stops everything (the call ended). */
    synchronized void close() {
        if (current != null) {
            current.cancel();
            done.accept(current);
            current = null;
        }
        queue.forEach(u -> {
            u.cancel();
            done.accept(u);
        });
        queue.clear();
    }
}
