package dev.scorch.collector.unwind;

/** Call-frame information that cannot be right; the object's frames are then unwound without it. */
public final class CfiFormatException extends Exception {

    public CfiFormatException(String message) {
        super(message);
    }
}
