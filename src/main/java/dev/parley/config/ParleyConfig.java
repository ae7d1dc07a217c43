package dev.parley.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything Parley reads at start, typed and validated once by {@link ConfigLoader}.
 *
 * @param dataDir where the embedded database and generated files live
 */
public record ParleyConfig(Http http, Database database, Path dataDir) {

    public record Http(String host, int port) {
        /** Largest request body accepted; larger ones get 413. */
        public static final int MAX_BODY_BYTES = 64 * 1024;
    }

    /**
     * @param url an external PostgreSQL server, or empty for the embedded one under the data dir
     */
    public record Database(Optional<DatabaseUrl> url, int poolSize) {
        public boolean embedded() {
            return url.isEmpty();
        }
    }

    /** The embedded database's files: kept across restarts. */
    public Path embeddedDatabaseDir() {
        return dataDir.resolve("postgres");
    }
}
