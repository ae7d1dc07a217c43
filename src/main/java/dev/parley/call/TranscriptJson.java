package dev.parley.call;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** How transcript turns and their latencies look in the API and in the end-of-call report (one shape for both). */
public final class TranscriptJson {
    private TranscriptJson() {}

    public static void write(List<TranscriptTurn> turns, ArrayNode transcript, ArrayNode latency) {
        for (TranscriptTurn t : turns) {
            ObjectNode o = transcript.addObject();
            o.put("speaker", t.speaker());
            o.put("text", t.text());
            o.put("start_ms", t.startMs());
            o.put("end_ms", t.endMs());
            o.put("interrupted", t.interrupted());
            if (t.error() != null) {
                o.put("error", t.error());
            }
            TurnLatency l = t.latency();
            if (l != null) {
                ObjectNode m = latency.addObject();
                m.put("turn", transcript.size() - 1);
                m.put("endpointing_ms", l.endpointingMs());
                m.put("stt_ms", l.sttMs());
                m.put("responder_ms", l.responderMs());
                m.put("tts_ms", l.ttsMs());
                m.put("platform_ms", l.platformMs());
                m.put("total_ms", l.totalMs());
            }
        }
    }

    /** Where a call's recording is served, once it ended; null when it was never answered. */
    public static String recordingPath(Call c) {
        return c.answeredAt() == null ? null : "/v1/admin/assistant/call/" + c.id() + "/recording";
    }
}
