package dev.parley.config;

/** A setting that cannot be used; the message names the key and says how to fix it. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
