package dev.parley.cli;

import dev.parley.config.ConfigLoader;
import dev.parley.config.ParleyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options every command shares; they override the config file and PARLEY_* variables. */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file with settings (default: ./parley.properties if present, or $PARLEY_CONFIG)")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the embedded database and data live (default ./data)")
    String dataDir;

    @Option(names = "--database-url", paramLabel = "URL",
            description = "External PostgreSQL, e.g. postgresql://user:pass@host:5432/parley (default: embedded)")
    String databaseUrl;

    ParleyConfig load(Map<String, String> extra) {
        Map<String, String> overrides = new HashMap<>(extra);
        overrides.put(ConfigLoader.DATA_DIR, dataDir);
        overrides.put(ConfigLoader.DATABASE_URL, databaseUrl);
        return ConfigLoader.load(configFile(), System.getenv(), overrides);
    }

    private Optional<Path> configFile() {
        if (config != null) {
            return Optional.of(config);
        }
        String env = System.getenv("PARLEY_CONFIG");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env));
        }
        Path local = Path.of("parley.properties");
        return Files.isRegularFile(local) ? Optional.of(local) : Optional.empty();
    }
}
