package dev.parley.assistant;

import java.util.List;
import java.util.Optional;

/**
 * One value the model extracts from a call's transcript once the call is over, as an assistant's
 * {@code structured_data} declares it ({@code {"name", "type", "description"?, "enum"?}}); checked
 * by {@link StructuredFields}. The kind decides the JSON type of the value in the call's
 * {@code structured_data}, which is null when the call did not tell.
 */
public sealed interface StructuredField {
    String name();

    Optional<String> description();

    /** The {@code type} as the config spells it. */
    default String type() {
        return switch (this) {
            case Text t -> "string";
            case Number n -> "number";
            case Flag f -> "boolean";
            case Choice c -> "enum";
        };
    }

    record Text(String name, Optional<String> description) implements StructuredField {}

    record Number(String name, Optional<String> description) implements StructuredField {}

    record Flag(String name, Optional<String> description) implements StructuredField {}

    /** One of {@code values}, spelled exactly as declared. */
    record Choice(String name, Optional<String> description, List<String> values) implements StructuredField {
        public Choice {
            values = List.copyOf(values);
        }
    }
}
