package dev.scorch.collector.symbol;

import dev.scorch.collector.process.ProcessSnapshot;
import java.util.Collection;

/**
 * Asks a runtime to write (or refresh) its {@code /tmp/perf-<nspid>.map} before the symbolizer
 * reads it: a JVM does so on request through its attach mechanism. Implementations rate-limit
 * and remember refusals themselves. Requests belong to a {@link Round}, which bounds how long the
 * profiles built together wait for answers in all; the round is passed along, never kept per thread.
 * A round is told at its start which processes its stacks come from, so every request due to them
 * is sent then, side by side, rather than when the round reaches each process.
 */
@FunctionalInterface
public interface PerfMapWriter {

    PerfMapWriter NONE = processes -> Round.NONE;

    /**
     * Starts a symbolization round over the stacks of {@code processes}: the refreshes due to them
     * are asked for now, and every refresh asked through the round shares one bound on waiting.
     */
    Round beginRound(Collection<? extends ProcessSnapshot> processes);

    /** One symbolization round's requests, used by the one thread that builds the round's profiles. */
    @FunctionalInterface
    interface Round {

        Round NONE = process -> {};

        /** Before {@code process}'s perf map is read: has it written or refreshed, waiting within the round's bound. */
        void refresh(ProcessSnapshot process);
    }
}
