package dev.parley.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.parley.config.ParleyConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/** The one PostgreSQL Parley uses, embedded or external, migrated and pooled. */
public final class Database implements AutoCloseable {
    private final EmbeddedPostgresServer embedded;
    private final HikariDataSource pool;
    private final ConnectionGate dataSource;
    private final Jdbi jdbi;

    private Database(EmbeddedPostgresServer embedded, HikariDataSource pool) {
        this.embedded = embedded;
        this.pool = pool;
        this.dataSource = new ConnectionGate(pool);
        this.jdbi = Jdbi.create(dataSource);
    }

    /**
     * @param tool true for short-lived commands ({@code init}) that may share a running server's
     *     embedded database; false for {@code serve}
     */
    public static Database open(ParleyConfig config, boolean tool, MeterRegistry registry) {
        ParleyConfig.Database db = config.database();
        EmbeddedPostgresServer embedded = null;
        HikariConfig hikari = new HikariConfig();
        if (db.embedded()) {
            embedded = EmbeddedPostgresServer.open(config.dataDir(), tool);
            hikari.setJdbcUrl(embedded.jdbcUrl());
            hikari.setUsername(embedded.user());
        } else {
            var url = db.url().orElseThrow();
            hikari.setJdbcUrl(url.jdbcUrl());
            if (url.user() != null) {
                hikari.setUsername(url.user());
            }
            if (url.password() != null) {
                hikari.setPassword(url.password());
            }
        }
        hikari.setPoolName("parley");
        hikari.setMaximumPoolSize(tool ? 2 : db.poolSize());
        hikari.setMinimumIdle(tool ? 1 : Math.min(4, db.poolSize()));
        hikari.setConnectionTimeout(ConnectionGate.SLICE.toMillis()); // waits for a busy pool are the gate's
        // A database that stops answering without closing its connections (a host gone, not a
        // restart) fails a connection attempt in 2 s rather than the driver's 10.
        hikari.addDataSourceProperty("connectTimeout", "2");
        hikari.setInitializationFailTimeout(15_000);
        hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
        hikari.addDataSourceProperty("ApplicationName", "parley");
        if (registry != null) {
            hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        }
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw new IllegalStateException("Cannot connect to PostgreSQL at " + hikari.getJdbcUrl()
                    + ": check the host, port, database name, user and password (" + rootMessage(e) + ")", e);
        }
        Database database = new Database(embedded, ds);
        try {
            Flyway.configure().dataSource(database.dataSource).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
        return database;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** True when a trivial query answers within two seconds; false at once while the database refuses connections. */
    public boolean reachable() {
        try (Connection c = dataSource.getConnection(); var st = c.createStatement()) {
            st.setQueryTimeout(2);
            st.execute("SELECT 1");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
