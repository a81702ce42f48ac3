package dev.scorch.collector.config;

/**
 * collector.json is missing, unreadable or wrong. The message names the file and the field, e.g.
 * {@code collector.json: export.backends[1].parca.address: required}, so the pod condition
 * (reason ConfigInvalid) tells the admin what to fix.
 */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
