package dev.scorch.collector.symbol;

import dev.scorch.collector.process.ProcessSnapshot;

/**
 * Asks a runtime to write (or refresh) its {@code /tmp/perf-<nspid>.map} before the symbolizer
 * reads it: a JVM does so on request through its attach mechanism. Implementations rate-limit
 * and remember refusals themselves. Requests belong to a {@link Round}, which bounds how long the
 * profiles built together wait for answers in all; the round is passed along, never kept per thread.
 */
@FunctionalInterface
public interface PerfMapWriter {

    PerfMapWriter NONE = () -> Round.NONE;

    /** Starts a symbolization round: the refreshes asked through it share one bound on waiting. */
    Round beginRound();

    /** One symbolization round's requests, used by the one thread that builds the round's profiles. */
    @FunctionalInterface
    interface Round {

        Round NONE = process -> {};

        /** Before {@code process}'s perf map is read: has it written or refreshed, waiting within the round's bound. */
        void refresh(ProcessSnapshot process);
    }
}
