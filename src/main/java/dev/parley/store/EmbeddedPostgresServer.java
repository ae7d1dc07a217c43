package dev.parley.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server Parley runs itself when no database URL is given: real PostgreSQL binaries
 * (from the zonky artifacts) with their files under {@code <data-dir>/postgres}, kept across restarts.
 *
 * <p>Ownership of a data dir is an OS file lock on {@code <data-dir>/parley.lock}, held for the life
 * of the process that started the server; the OS drops it even on {@code kill -9}. So:
 * <ul>
 *   <li>the lock is free: we own the dir. A postmaster still running there is an orphan of a killed
 *       Parley; we stop it and start our own.
 *   <li>the lock is held: another Parley ({@code serve}) runs the server. A tool such as
 *       {@code parley init} connects to that server's port (read from {@code postmaster.pid}) and
 *       leaves it running; a second {@code serve} refuses to start.
 * </ul>
 */
final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    static final String DATABASE = "parley";

    private final EmbeddedPostgres postgres; // null when we only borrowed another process's server
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final int port;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, FileChannel lockChannel, FileLock lock, int port) {
        this.postgres = postgres;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.port = port;
    }

    /**
     * @param shareWithRunningServer true for tools that may use the server of a running {@code serve};
     *     false for {@code serve}, which must be the only owner
     */
    public static EmbeddedPostgresServer open(Path dataDir, boolean shareWithRunningServer) {
        try {
            Files.createDirectories(dataDir);
            Path pgDir = dataDir.resolve("postgres");
            FileChannel channel = FileChannel.open(dataDir.resolve("parley.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                channel.close();
                Optional<Postmaster> running = Postmaster.read(pgDir).filter(Postmaster::alive);
                if (!shareWithRunningServer) {
                    throw new IllegalStateException("Another Parley is already serving from " + dataDir
                            + "; stop it first, or give this one its own --data-dir");
                }
                if (running.isEmpty()) {
                    throw new IllegalStateException("Another Parley holds " + dataDir
                            + " but its database is not up yet; wait a few seconds and try again");
                }
                log.info("Using the database of the Parley already running on this data dir (port {})", running.get().port());
                return new EmbeddedPostgresServer(null, null, null, running.get().port());
            }
            Postmaster.read(pgDir).filter(Postmaster::alive).ifPresent(EmbeddedPostgresServer::stopOrphan);
            long started = System.nanoTime();
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(pgDir)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    // The library's defaults trade durability for test speed; an accepted call must survive a crash.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("max_connections", "200")
                    .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
                    // The library's own hook would stop PostgreSQL while Parley's shutdown still records how
                    // its live calls ended (hooks run concurrently); close() stops it last, in order.
                    .setRegisterShutdownHook(false)
                    .start();
            createDatabaseIfMissing(pg.getPort());
            log.info("Embedded PostgreSQL up on port {} in {} ms, files in {}", pg.getPort(),
                    (System.nanoTime() - started) / 1_000_000, pgDir);
            return new EmbeddedPostgresServer(pg, channel, lock, pg.getPort());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded PostgreSQL under " + dataDir, e);
        }
    }

    /** Null when another process, or another part of this one, holds the data dir. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public String user() {
        return "postgres";
    }

    public int port() {
        return port;
    }

    private static void createDatabaseIfMissing(int port) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
             var check = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            check.setString(1, DATABASE);
            if (!check.executeQuery().next()) {
                try (var create = c.createStatement()) {
                    create.execute("CREATE DATABASE " + DATABASE);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create the '" + DATABASE + "' database in the embedded PostgreSQL", e);
        }
    }

    private static void stopOrphan(Postmaster orphan) {
        log.warn("Stopping a PostgreSQL (pid {}) left running on this data dir by a Parley that did not shut down", orphan.pid());
        ProcessHandle.of(orphan.pid()).ifPresent(p -> {
            p.destroy(); // SIGTERM: PostgreSQL's smart shutdown
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("PostgreSQL pid " + orphan.pid() + " did not stop; stop it by hand", e);
            }
        });
    }

    @Override
    public void close() {
        try {
            if (postgres != null) {
                postgres.close();
            }
            if (lock != null) {
                lock.release();
                lockChannel.close();
            }
        } catch (IOException e) {
            log.warn("Embedded PostgreSQL did not stop cleanly", e);
        }
    }

    /** What {@code postmaster.pid} says: line 1 the pid, line 4 the port. */
    record Postmaster(long pid, int port) {
        static Optional<Postmaster> read(Path pgDir) {
            Path file = pgDir.resolve("postmaster.pid");
            try {
                List<String> lines = Files.readAllLines(file);
                return Optional.of(new Postmaster(Long.parseLong(lines.get(0).strip()), Integer.parseInt(lines.get(3).strip())));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }

        boolean alive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }
}
