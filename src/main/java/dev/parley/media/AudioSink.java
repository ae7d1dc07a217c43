package dev.parley.media;

/** Where the caller's audio goes: one 20 ms frame per tick of the media clock, silence included. */
public interface AudioSink {
    /**
     * @param frame 160 samples, out of the jitter buffer (silence when nothing arrived in time)
     * @param atSample where the frame sits on the call's recording timeline (8 kHz samples from its start)
     */
    void frame(short[] frame, long atSample);
}
