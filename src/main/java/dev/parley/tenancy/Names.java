package dev.parley.tenancy;

import dev.parley.error.Problem;
import dev.parley.error.StorableText;

/** Names people give workspaces and keys: shown in listings and terminals, so one line of plain text. */
final class Names {
    static final int MAX_LENGTH = 100;

    private Names() {}

    static String check(String field, String raw) {
        String name = raw == null ? "" : raw.strip();
        if (name.isEmpty()) {
            throw Problem.invalid(field, "'" + field + "' is required: a short name such as \"staging\" or \"billing service\"");
        }
        StorableText.check(field, name);
        if (name.length() > MAX_LENGTH) {
            throw Problem.invalid(field, "'" + field + "' is " + name.length() + " characters long; the limit is " + MAX_LENGTH);
        }
        if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw Problem.invalid(field, "'" + field + "' contains a control character (such as a line break or tab);"
                    + " use one line of plain text");
        }
        return name;
    }
}
