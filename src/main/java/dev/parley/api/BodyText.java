package dev.parley.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.error.StorableText;
import java.util.Map;

/**
 * Checks every string of a parsed JSON body, names and values at any depth, with
 * {@link StorableText}, before any handler sees it: free-form objects ({@code metadata},
 * {@code variables}, an assistant's config) reach the database as they came, so checking field by
 * field would miss some. The 400 names the field by its path, e.g. {@code metadata.order} or
 * {@code config.flow.steps[0].say}.
 */
final class BodyText {
    private static final int MAX_PATH = 120;

    private BodyText() {}

    static void check(JsonNode node) {
        check(node, "");
    }

    private static void check(JsonNode node, String path) {
        if (node.isTextual()) {
            StorableText.check(path.isEmpty() ? "body" : path, node.textValue());
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), shorten(path + "[" + i + "]"));
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                // A bad name is reported at its parent: the name itself cannot be echoed back as it is.
                StorableText.check(path.isEmpty() ? "a field name of the body" : "a field name in " + path, f.getKey());
                check(f.getValue(), shorten(path.isEmpty() ? f.getKey() : path + "." + f.getKey()));
            }
        }
    }

    private static String shorten(String path) {
        if (path.length() <= MAX_PATH) {
            return path;
        }
        int cut = Character.isLowSurrogate(path.charAt(MAX_PATH)) ? MAX_PATH - 1 : MAX_PATH; // never split a pair
        return path.substring(0, cut) + "...";
    }
}
