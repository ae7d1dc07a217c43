package dev.parley.analysis;

import dev.parley.assistant.StructuredField;
import dev.parley.call.TranscriptTurn;
import java.util.List;

/**
 * What the model is told: the task and the fields (in the system message, so that servers without
 * structured outputs still know the shape), the assistant's own instructions as context, and the
 * transcript as the user message. The transcript is the caller's words, so it is only ever data.
 */
record AnalysisPrompt(String system, String transcript) {
    /** The assistant's instructions are context, not the task; a very long prompt is cut. */
    static final int MAX_CONTEXT = 8_000;

    static AnalysisPrompt of(String assistantPrompt, List<StructuredField> fields, List<TranscriptTurn> turns) {
        StringBuilder s = new StringBuilder("""
                You analyze a finished phone call between an AI voice assistant and the person it called.
                Answer with one JSON object: {"summary": ..., "structured_data": {...}}.
                "summary": two or three sentences on what the call was about and how it ended.
                "structured_data": an object with exactly the keys below. Take each value only from what was \
                said in the call; when the call does not tell, the value is null. Never guess.
                """);
        if (fields.isEmpty()) {
            s.append("There are no keys: \"structured_data\" is {}.\n");
        }
        for (StructuredField f : fields) {
            s.append("- ").append(f.name()).append(" (").append(kind(f)).append(")");
            f.description().filter(d -> !d.isBlank()).ifPresent(d -> s.append(": ").append(d));
            s.append('\n');
        }
        String context = assistantPrompt.length() > MAX_CONTEXT ? assistantPrompt.substring(0, MAX_CONTEXT) : assistantPrompt;
        s.append("\nThe assistant was instructed as follows (context only; it is not your task):\n").append(context);
        return new AnalysisPrompt(s.toString(), transcript(turns));
    }

    /** Whether there is anything to analyze: a call with no words has no summary. */
    static boolean anythingSaid(List<TranscriptTurn> turns) {
        return turns.stream().anyMatch(t -> t.text() != null && !t.text().isBlank());
    }

    private static String kind(StructuredField f) {
        return switch (f) {
            case StructuredField.Text t -> "string";
            case StructuredField.Number n -> "number";
            case StructuredField.Flag b -> "true or false";
            case StructuredField.Choice c -> "one of: " + String.join(", ", c.values().stream().map(v -> "\"" + v + "\"").toList());
        };
    }

    private static String transcript(List<TranscriptTurn> turns) {
        StringBuilder t = new StringBuilder("Transcript of the call:\n");
        for (TranscriptTurn turn : turns) {
            String who = "assistant".equals(turn.speaker()) ? "Assistant" : "Caller";
            String text = turn.text() == null || turn.text().isBlank()
                    ? "(not understood)" : turn.text().strip();
            t.append(who).append(": ").append(text);
            if (turn.interrupted()) {
                t.append(" (interrupted by the caller)");
            }
            t.append('\n');
        }
        return t.toString();
    }
}
