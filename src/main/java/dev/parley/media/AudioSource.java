package dev.parley.media;

/** Where a call's outgoing audio comes from: asked for one 20 ms frame per tick of the media clock. */
public interface AudioSource {
    /** The next 160-sample frame to send, or {@code null} for nothing now (nothing is sent). Must not block. */
    short[] poll();
}
