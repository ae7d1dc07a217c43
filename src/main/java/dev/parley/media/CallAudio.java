package dev.parley.media;

/** What the conversation sees of a call's media: the caller's audio in, Parley's audio out, on one clock. */
public interface CallAudio {
    /** Receives the caller's frames from now on. */
    void listen(AudioSink sink);

    /** Sends what this source gives, frame by frame, from the next tick on (silence when it gives nothing). */
    void speak(AudioSource source);

    /** Sends keys to the far end as telephone events; false when the far end cannot take them. */
    boolean sendDigits(String digits);

    /** Drops Parley's audio the far end holds but has not played yet (barge-in). */
    void clear();

    /** Samples of Parley's audio sent but not yet played at the far end (0 where nothing is buffered). */
    long unplayedSamples();

    /** Now, on the recording timeline (8 kHz samples since the media started). */
    long sampleNow();
}
