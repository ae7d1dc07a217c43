package dev.parley.safeguards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.number.PhoneNumbers;
import dev.parley.store.Page;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * A workspace's do-not-call list: E.164 numbers it must never dial. Added through the API (one by
 * one or a CSV file) and by callees who opt out during a call; checked by the create-call statement
 * and again just before the INVITE, both with {@link #listedSql}, the one definition of "listed".
 */
public final class DoNotCall {
    public static final int MAX_JSON_NUMBERS = 1_000;
    public static final int MAX_CSV_ROWS = 200_000;
    private static final int ERRORS_SHOWN = 5;

    private final Jdbi jdbi;

    public DoNotCall(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public record Entry(String number, String source, String callId, Instant createdAt, long seq) {}

    /** What a POST did: how many numbers it named, and how many of them were new to the list. */
    public record Added(int numbers, int added) {}

    /**
     * The condition "this workspace's list has this number", as SQL over two expressions of the
     * statement using it (an index lookup on the primary key).
     */
    public static String listedSql(String workspaceId, String number) {
        return "EXISTS (SELECT 1 FROM do_not_call dnc WHERE dnc.workspace_id = " + workspaceId
                + " AND dnc.number = " + number + ")";
    }

    /** {@code {"numbers": ["+1...", ...]}}: every number checked before any is added. */
    public Added addJson(String workspaceId, JsonNode body) {
        ObjectNode root = JsonFields.object(body, "");
        JsonFields.rejectUnknown(root, "", Set.of("numbers"));
        List<JsonNode> items = JsonFields.optionalArray(root, "numbers", "", MAX_JSON_NUMBERS).orElseThrow(
                () -> Problem.invalid("numbers", "'numbers' is required: an array of E.164 numbers, like [\"+14155550123\"];"
                        + " for more than " + MAX_JSON_NUMBERS + " send a CSV file with Content-Type: text/csv"));
        if (items.isEmpty()) {
            throw Problem.invalid("numbers", "'numbers' is empty; name at least one E.164 number");
        }
        Set<String> numbers = new LinkedHashSet<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode n = items.get(i);
            String field = "numbers[" + i + "]";
            if (!n.isTextual()) {
                throw Problem.invalid(field, "'" + field + "' must be a string in E.164 format, like \"+14155550123\"");
            }
            numbers.add(PhoneNumbers.parse(field, n.textValue()).number());
        }
        return new Added(items.size(), insert(workspaceId, numbers, "api"));
    }

    /**
     * A CSV file: the number is each row's first column (quotes allowed); a first row that is not a
     * number is a header. All rows are checked first: a file with bad rows adds nothing, and the
     * message names the first few by line number.
     */
    public Added importCsv(String workspaceId, String csv) {
        Set<String> numbers = new LinkedHashSet<>();
        List<String> errors = new ArrayList<>();
        int rows = 0;
        int line = 0;
        for (String row : (Iterable<String>) csv.lines()::iterator) {
            line++;
            String first = firstColumn(row);
            if (first.isEmpty() || line == 1 && !first.matches("[+0-9(].*")) {
                continue; // blank line, or a header
            }
            if (++rows > MAX_CSV_ROWS) {
                throw Problem.invalid("body", "The file has more than " + MAX_CSV_ROWS + " numbers; split it and send the parts");
            }
            try {
                numbers.add(PhoneNumbers.parse("number", first).number());
            } catch (Problem p) {
                if (errors.size() < ERRORS_SHOWN) {
                    errors.add("line " + line + " ('" + (first.length() > 30 ? first.substring(0, 30) + "..." : first) + "')");
                }
            }
        }
        if (!errors.isEmpty()) {
            throw Problem.invalid("body", "Some rows are not E.164 numbers (like +14155550123), so nothing was added: "
                    + String.join(", ", errors) + "; fix them and send the file again");
        }
        if (rows == 0) {
            throw Problem.invalid("body", "The file has no numbers: send one E.164 number per line, in the first column");
        }
        return new Added(rows, insert(workspaceId, numbers, "csv"));
    }

    /** Puts the callee of {@code callId} on its workspace's list: they asked during the call. A web call has no number to list. */
    public void optOut(String callId) {
        jdbi.useHandle(h -> h.execute("""
                INSERT INTO do_not_call (workspace_id, number, source, call_id)
                SELECT workspace_id, to_number, 'opt-out', id FROM calls WHERE id = ? AND to_number IS NOT NULL
                ON CONFLICT (workspace_id, number) DO NOTHING""", callId));
    }

    public boolean remove(String workspaceId, String rawNumber) {
        String number = PhoneNumbers.parse("number", rawNumber).number();
        return jdbi.withHandle(h -> h.execute("DELETE FROM do_not_call WHERE workspace_id = ? AND number = ?",
                workspaceId, number)) > 0;
    }

    /** Newest first. */
    public Page<Entry> list(String workspaceId, int limit, String cursor) {
        long before = Page.decodeCursor(cursor);
        List<Entry> rows = jdbi.withHandle(h -> h.createQuery("""
                        SELECT number, source, call_id, created_at, seq FROM do_not_call
                         WHERE workspace_id = :ws AND seq < :before ORDER BY seq DESC LIMIT :n""")
                .bind("ws", workspaceId).bind("before", before).bind("n", limit + 1)
                .map((rs, ctx) -> new Entry(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getTimestamp(4).toInstant(), rs.getLong(5)))
                .list());
        boolean more = rows.size() > limit;
        List<Entry> shown = more ? rows.subList(0, limit) : rows;
        return new Page<>(shown, more ? Page.encodeCursor(shown.getLast().seq()) : null);
    }

    private int insert(String workspaceId, Set<String> numbers, String source) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO do_not_call (workspace_id, number, source)
                        SELECT :ws, n, :source FROM unnest(:numbers) AS n
                        ON CONFLICT (workspace_id, number) DO NOTHING""")
                .bind("ws", workspaceId).bind("source", source).bind("numbers", numbers.toArray(String[]::new))
                .execute());
    }

    private static String firstColumn(String row) {
        int comma = row.indexOf(',');
        String first = (comma < 0 ? row : row.substring(0, comma)).strip();
        if (first.length() >= 2 && first.startsWith("\"") && first.endsWith("\"")) {
            first = first.substring(1, first.length() - 1).strip();
        }
        return first;
    }
}
