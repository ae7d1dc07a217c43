package dev.parley.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** What a call's transcript (as the API returns it) says, for assertions. */
public final class Transcripts {
    private Transcripts() {}

    /** The lines one side said, in order: {@code speaker} is "assistant" or "caller". */
    public static List<String> said(JsonNode call, String speaker) {
        List<String> out = new ArrayList<>();
        call.get("transcript").forEach(t -> {
            if (t.get("speaker").asText().equals(speaker)) {
                out.add(t.get("text").asText());
            }
        });
        return out;
    }
}
