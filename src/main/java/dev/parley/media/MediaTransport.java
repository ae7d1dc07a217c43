package dev.parley.media;

/**
 * The bottom stage of a call's media: carries 20 ms frames of 8 kHz PCM to and from the far end
 * (RTP today, a carrier's WebSocket media stream next). It keeps no clock of its own: the
 * {@link Pacer} above it calls {@link #receive} and {@link #send} once per tick.
 */
public interface MediaTransport extends AutoCloseable {
    /** The caller's frame due now, or null when none is (the pacer hears silence). */
    short[] receive();

    /** Sends one 20 ms frame of Parley's audio, silence included. */
    void send(short[] frame);

    /** Sends keys as telephone events in place of audio while they play; false when the far end takes none. */
    boolean sendDigits(String digits);

    /**
     * Drops Parley's audio that the far end holds but has not played yet (barge-in). A transport
     * that plays what it is sent at once, like RTP, holds none.
     */
    default void clear() {
    }

    /**
     * How many samples of what was sent the far end has not played yet: a media stream that buffers
     * knows it from its marks. The transcript keeps only what was heard.
     */
    default long unplayedSamples() {
        return 0;
    }

    /**
     * A finished turn of the conversation, for a far end that shows it: a browser displays the live
     * transcript. Others ignore it.
     *
     * @param speaker {@code assistant} or {@code caller}
     */
    default void said(String speaker, String text) {
    }

    @Override
    void close();
}
