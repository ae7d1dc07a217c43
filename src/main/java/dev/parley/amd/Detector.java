package dev.parley.amd;

import java.util.Optional;

/**
 * Answering-machine detection for one answered call, on the callee's audio from the answer on
 * (never during ringing), offline and cheap enough to run on every frame. Owned by one thread (the
 * conversation's): not thread-safe.
 *
 * <p>It decides once ({@link #verdict}), and keeps listening after that: a machine's beep may come
 * seconds later ({@link #beepAt}), and a verdict of {@code human} may still turn into
 * {@code machine} while the assistant's greeting plays (a welcome line must not hide a mailbox),
 * until {@link #settled()}.
 */
public interface Detector {
    /** The callee's next 20 ms frame (8 kHz, 160 samples), {@code atMs} after the answer. */
    void frame(short[] pcm, int atMs);

    /** Words the recognizer heard from the callee (interim or final), {@code atMs} after the answer. */
    void words(String text, int atMs);

    /** The latest verdict, once there is one. */
    Optional<AnsweredBy> verdict();

    /** When a machine's beep ended, in ms after the answer, once one was heard. */
    Optional<Integer> beepAt();

    /** Whether the verdict can no longer change (decided for good, or the detection window is over). */
    boolean settled();
}
