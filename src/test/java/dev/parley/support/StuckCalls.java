package dev.parley.support;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Calls that are not final in the database (queued, ringing, in progress). After a load has
 * stopped and its calls had time to end, this must be zero: a call left in one of these states is
 * stuck (no owner will end it). The one query both a soak's end and a test can ask.
 */
public final class StuckCalls {
    public static final String COUNT = "SELECT count(*) FROM calls WHERE status IN ('queued', 'ringing', 'in-progress')";

    private StuckCalls() {}

    public static long count(Connection c) throws SQLException {
        try (var rs = c.createStatement().executeQuery(COUNT)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
