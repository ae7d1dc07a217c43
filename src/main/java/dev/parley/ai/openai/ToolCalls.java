package dev.parley.ai.openai;

import com.openai.models.chat.completions.ChatCompletionChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The tool calls of one streamed completion, put together from their fragments: the first
 * fragment of a call carries its index, id and name, later ones only the index and more of the
 * arguments' JSON, and the fragments of parallel calls interleave. The index, not the order of
 * arrival, says which call a fragment belongs to.
 */
final class ToolCalls {
    /** One whole call, as the model asked for it. */
    record Call(String id, String name, String arguments) {}

    private static final class Building {
        String id = "";
        final StringBuilder name = new StringBuilder();
        final StringBuilder arguments = new StringBuilder();
    }

    private final TreeMap<Long, Building> byIndex = new TreeMap<>();

    void add(ChatCompletionChunk.Choice.Delta.ToolCall fragment) {
        Building b = byIndex.computeIfAbsent(fragment.index(), i -> new Building());
        fragment.id().filter(id -> !id.isEmpty()).ifPresent(id -> b.id = id);
        fragment.function().ifPresent(f -> {
            f.name().ifPresent(b.name::append);
            f.arguments().ifPresent(b.arguments::append);
        });
    }

    boolean isEmpty() {
        return byIndex.isEmpty();
    }

    /** The calls in index order; a call the model gave no id gets one, as the reply must quote it. */
    List<Call> calls() {
        List<Call> out = new ArrayList<>();
        byIndex.forEach((index, b) -> out.add(new Call(b.id.isEmpty() ? "call_" + index : b.id, b.name.toString(),
                b.arguments.isEmpty() ? "{}" : b.arguments.toString())));
        return out;
    }
}
