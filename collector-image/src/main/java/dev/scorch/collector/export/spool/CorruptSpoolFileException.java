package dev.scorch.collector.export.spool;

/** A spool file that is not a complete record of ours: truncated, torn, or foreign. */
public final class CorruptSpoolFileException extends Exception {
    public CorruptSpoolFileException(String message) {
        super(message);
    }
}
