package dev.parley.call;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.ai.Usage;
import java.util.Optional;

/**
 * What is known of a call once it is over, stored with its final status and carried by its
 * {@code call.report} and its {@code GET}: the model's short summary and the values of the
 * assistant's {@code structured_data} fields ({@code {name: value or null}}), both empty when the
 * call was not analyzed; and what the call used of paid providers.
 */
public record CallAnalysis(Optional<String> summary, Optional<ObjectNode> structuredData, Usage.Snapshot usage) {
    public static final Usage.Snapshot NO_USAGE = new Usage.Snapshot(0, 0, 0, 0);

    /** A call nobody analyzed: ended before it was dialed, found lost, or its assistant runs offline. */
    public static CallAnalysis none(Usage.Snapshot usage) {
        return new CallAnalysis(Optional.empty(), Optional.empty(), usage);
    }
}
