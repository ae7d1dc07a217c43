package dev.parley.telephony.telnyx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.error.Problem;

/**
 * One Call Control webhook, the fields Parley reads of it:
 * {@code {"data": {"id", "event_type", "payload": {"call_control_id", "client_state", "hangup_cause",
 * "sip_hangup_cause", "result", ...}}}}.
 *
 * @param id the event's own id: a webhook Telnyx sends again carries the same one
 * @param sipCode {@code sip_hangup_cause} as a number, when Telnyx gave one
 * @param result the answering-machine verdict of {@code call.machine.*} events
 */
record TelnyxEvent(String id, String type, String callControlId, String clientState, String hangupCause,
                   Integer sipCode, String result) {

    static TelnyxEvent parse(JsonNode body) {
        JsonNode data = body.path("data");
        JsonNode payload = data.path("payload");
        String type = data.path("event_type").asText("");
        if (type.isEmpty() || !payload.isObject()) {
            throw Problem.invalid("data.event_type", "A Telnyx webhook has data.event_type and data.payload;"
                    + " this body has not");
        }
        return new TelnyxEvent(data.path("id").asText(""), type, payload.path("call_control_id").asText(""),
                payload.path("client_state").asText(""), payload.path("hangup_cause").asText(""),
                sipCode(payload.path("sip_hangup_cause").asText("")), payload.path("result").asText(""));
    }

    private static Integer sipCode(String text) {
        return text.matches("[1-6][0-9]{2}") ? Integer.valueOf(text) : null;
    }
}
