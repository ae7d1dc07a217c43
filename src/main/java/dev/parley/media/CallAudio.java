package dev.parley.media;

/** What the conversation sees of a call's media: the caller's audio in, Parley's audio out, on one clock. */
public interface CallAudio {
    /** Receives the caller's frames from now on. */
    void listen(AudioSink sink);

    /** Sends what this source gives, frame by frame, from the next tick on. */
    void speak(AudioSource source);

    /** Sends keys to the far end as RFC 4733 events; false when the far end did not offer telephone-event. */
    boolean sendDigits(String digits);

    /** Now, on the recording timeline (8 kHz samples since the media started). */
    long sampleNow();
}
