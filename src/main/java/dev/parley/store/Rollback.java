package dev.parley.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Rolls back after a failure without hiding it. On a connection the database dropped, the
 * rollback fails as well, and its "connection is closed" (no SQLState) used to replace the real
 * cause: a create-call during a database restart got a 500 instead of a 503 (issue 15).
 */
public final class Rollback {
    private Rollback() {}

    /** Rolls back {@code c}; a rollback that fails is kept on {@code failure}, which the caller rethrows. */
    public static void after(Connection c, Exception failure) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException r) {
            failure.addSuppressed(r);
        }
    }
}
