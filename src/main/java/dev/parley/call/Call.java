package dev.parley.call;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

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
        List<TranscriptTurn> transcript) {

    /** Talk time: from answer to end, once both are known. */
    public Optional<Long> durationSeconds() {
        if (answeredAt == null || endedAt == null) {
            return Optional.empty();
        }
        return Optional.of(Duration.between(answeredAt, endedAt).toSeconds());
    }
}
