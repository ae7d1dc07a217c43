package dev.parley.telephony.stream;

import java.util.Map;

/** A message from the carrier on a media stream, in either dialect. */
sealed interface StreamMessage {
    record Connected() implements StreamMessage {}

    /** The stream's identity, the parameters Parley asked to be handed back, and the audio's format. */
    record Start(String streamId, String carrierCallId, Map<String, String> parameters, String encoding, int sampleRate)
            implements StreamMessage {}

    /**
     * One chunk of the callee's audio, μ-law. {@code order} is the carrier's media counter, by which
     * frames that arrive out of order are put back in order.
     */
    record Media(long order, boolean inbound, byte[] ulaw) implements StreamMessage {}

    record Dtmf(char digit) implements StreamMessage {}

    /** A mark Parley sent, echoed once the audio before it played (or was dropped by a clear). */
    record Mark(String name) implements StreamMessage {}

    record Stop() implements StreamMessage {}

    /** Telnyx reports stream errors as a frame of their own. */
    record Error(String detail) implements StreamMessage {}

    /** Anything else, or a message that does not parse: ignored, counted. */
    record Unknown(String event) implements StreamMessage {}
}
