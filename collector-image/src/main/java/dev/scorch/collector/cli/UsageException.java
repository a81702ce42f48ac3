package dev.scorch.collector.cli;

/** The command line is wrong; the message says which option and why. */
public final class UsageException extends Exception {

    public UsageException(String message) {
        super(message);
    }
}
