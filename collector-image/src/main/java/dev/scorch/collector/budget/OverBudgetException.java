package dev.scorch.collector.budget;

import java.io.IOException;

/**
 * Parsing one object of untrusted input would cost more than its {@link ParseBudget} allows. An
 * {@link IOException} because reading is what is refused: every parser of node files already
 * declares it, so a budget can be charged anywhere without widening signatures, and callers that
 * tell a refusal from an unreadable file catch this type first.
 */
public final class OverBudgetException extends IOException {

    private final String parser;
    private final String limit;
    private final boolean deferred;

    OverBudgetException(String parser, String limit, long needed, long allowed, boolean deferred) {
        super(parser + " input over its " + limit + " budget: " + needed + " > " + allowed
                + (deferred ? " (budget shared by all objects; retried in a later window)" : ""));
        this.parser = parser;
        this.limit = limit;
        this.deferred = deferred;
    }

    /** Which parser refused, e.g. {@code elf}, {@code gopclntab}, {@code perf_map}. */
    public String parser() {
        return parser;
    }

    /** Which limit was exceeded, e.g. {@code read_bytes}, {@code heap_bytes}, {@code sections}. */
    public String limit() {
        return limit;
    }

    /**
     * True when the node-wide budget ran out rather than this object's: the object is not at fault
     * and is tried again once the window refills, so the refusal must not be remembered.
     */
    public boolean deferred() {
        return deferred;
    }
}
