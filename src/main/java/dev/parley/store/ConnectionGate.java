package dev.parley.store;

import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The pool as the rest of Parley sees it: a connection when the database is there, and an error
 * at once when it is not (issue 15: the API answers 503 within a second of losing its database).
 *
 * <p>A busy pool and a lost database look alike from the outside: no connection comes. The pool
 * waits at most one {@link #SLICE}; when that passes, HikariCP says whether it also failed to open
 * a connection (the timeout's cause). A busy pool is waited on again, up to {@link #PATIENCE} in
 * all, as before; a database that refused a connection ends the wait. From then on, while the pool
 * holds no idle connection, callers fail without waiting: HikariCP keeps reconnecting in the
 * background (it keeps {@code minimumIdle} connections), and the first connection it gets back
 * lets the next caller through, whose success opens the gate for everyone.
 */
final class ConnectionGate implements DataSource {
    /** HikariCP's connection timeout: the longest a caller waits before a lost database is noticed. */
    static final Duration SLICE = Duration.ofMillis(250);
    /** How long a caller waits for a busy pool (one connection per request or call write). */
    static final Duration PATIENCE = Duration.ofSeconds(5);

    private final HikariDataSource pool;
    private volatile boolean unreachable;

    ConnectionGate(HikariDataSource pool) {
        this.pool = pool;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (unreachable && pool.getHikariPoolMXBean().getIdleConnections() == 0) {
            throw new SQLTransientConnectionException(
                    "The database refused the last connection and the pool has none; reconnecting in the background", "08001");
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try {
                Connection c = pool.getConnection();
                unreachable = false;
                return c;
            } catch (SQLTransientConnectionException e) {
                if (e.getCause() != null) {
                    unreachable = true; // the pool could not open a connection: the database is gone, not busy
                    throw e;
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw e;
                }
            }
        }
    }

    /** True while the database is known to refuse connections (the last attempt failed, none came back since). */
    boolean unreachable() {
        return unreachable;
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the pool's connections all use the configured user");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : pool.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || pool.isWrapperFor(iface);
    }
}
