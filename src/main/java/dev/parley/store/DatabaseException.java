package dev.parley.store;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/** A database call that failed; the SQL exception stays the cause, so outages can be told from bugs. */
public final class DatabaseException extends RuntimeException {
    public DatabaseException(String what, SQLException cause) {
        super(what + " failed: " + cause.getMessage(), cause);
    }

    /**
     * The database is down or restarting: no pool connection in time, a connection refused or cut
     * (SQLState class 08), or the server shutting down (57P01-57P03). Work that failed so did not
     * happen and may be tried again; anything else is a real error.
     */
    public static boolean isOutage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P0"))) {
                return true;
            }
        }
        return false;
    }
}
