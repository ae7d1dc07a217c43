package dev.parley.dialer;

import dev.parley.analysis.CallAnalyst;
import dev.parley.call.CallTransitions;
import dev.parley.call.TranscriptStore;
import dev.parley.media.MediaClock;
import dev.parley.recording.RecordingStore;
import dev.parley.telephony.TelephonyProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every {@link PlacedCall} of a node shares: the node's name, its stores, provider, the analyst
 * of finished calls, timers, media clock and meters.
 */
record DialerNode(String name, DialQueue queue, CallTransitions transitions, TelephonyProvider provider,
                  Dialer.ConversationFactory conversations, TranscriptStore transcripts, RecordingStore recordings,
                  CallAnalyst analyst,
                  ScheduledExecutorService timers, MediaClock clock, Duration ringTimeout, Duration lease, Timer dialLatency, Timer setupLatency,
                  Counter dialed, Released released) {

    /** Called once a call is over and its work done: its line is free. */
    interface Released {
        void released(PlacedCall call);
    }

    void released(PlacedCall call) {
        released.released(call);
    }
}
