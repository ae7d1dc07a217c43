package dev.parley.store;

import java.sql.SQLException;

/** A database call that failed; the SQL exception stays the cause, so outages can be told from bugs. */
public final class DatabaseException extends RuntimeException {
    public DatabaseException(String what, SQLException cause) {
        super(what + " failed: " + cause.getMessage(), cause);
    }
}
