package dev.parley.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server for the whole test run; each test class gets a fresh database on it,
 * reached by URL exactly as an external server would be ({@code --database-url}).
 */
public final class TestPostgres {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {}

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setServerConfig("max_connections", "400")
                        .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the test PostgreSQL", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the JVM is going away
                }
            }));
        }
        return server;
    }

    /** Makes the database unreachable, as when its server goes away: new connections refused, open ones ended. */
    public static void cutOff(String databaseUrl) {
        String name = databaseUrl.substring(databaseUrl.lastIndexOf('/') + 1);
        try (Connection c = server().getPostgresDatabase().getConnection(); var st = c.createStatement()) {
            st.execute("ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS false");
            st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Undoes {@link #cutOff}: the database takes connections again. */
    public static void restore(String databaseUrl) {
        String name = databaseUrl.substring(databaseUrl.lastIndexOf('/') + 1);
        try (Connection c = server().getPostgresDatabase().getConnection(); var st = c.createStatement()) {
            st.execute("ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS true");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new, empty database; returns its URL in the libpq form users pass to --database-url. */
    public static String newDatabaseUrl() {
        EmbeddedPostgres pg = server();
        String name = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); var st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/" + name;
    }
}
