package dev.parley.call;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.ai.Usage;
import dev.parley.amd.AnsweredBy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A call as stored. {@code summary} and {@code structuredData} are null until the call ended and was
 * analyzed ({@link CallAnalysis}); {@code usage} is zero until it ended; {@code answeredBy} is null
 * until a detector (or the carrier) decided, and on calls that do not detect machines;
 * {@code carrierCode} is a carrier's own code for the call's end (Twilio's ErrorCode or SipResponseCode).
 * {@code attempt} is 1 for a call created through the API and n for its nth try under a retry rule;
 * {@code parentCallId} is the first attempt's id on every later one (null on the first).
 * {@code channel} is what carried it; a web call's {@code toNumber} is null.
 */
public record Call(
        String id,
        String workspaceId,
        String assistantId,
        String toNumber,
        String fromNumber,
        CallStatus status,
        JsonNode variables,
        JsonNode metadata,
        String webhookUrl,
        String endedReason,
        Integer sipCode,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant answeredAt,
        Instant endedAt,
        Instant scheduledAt,
        String dtmf,
        List<CallEvent> history,
        List<TranscriptTurn> transcript,
        String summary,
        JsonNode structuredData,
        Usage.Snapshot usage,
        AnsweredBy answeredBy,
        String carrierCode,
        int attempt,
        String parentCallId,
        Channel channel) {

    /** Talk time: from answer to end, once both are known. */
    public Optional<Long> durationSeconds() {
        if (answeredAt == null || endedAt == null) {
            return Optional.empty();
        }
        return Optional.of(Duration.between(answeredAt, endedAt).toSeconds());
    }
}
