package dev.scorch.collector.perf;

import dev.scorch.collector.linux.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** Waits with poll(2) until one of a fixed set of perf events has crossed its wake-up watermark. */
public final class EventPoller {

    private final MemorySegment pollFds;
    private final MemorySegment callState;
    private final int count;

    public EventPoller(List<PerfEvent> events, Arena arena) {
        this.count = events.size();
        this.pollFds = arena.allocate(LibC.POLLFD, count);
        this.callState = LibC.allocateCallState(arena);
        long stride = LibC.POLLFD.byteSize();
        for (int i = 0; i < count; i++) {
            pollFds.set(JAVA_INT, i * stride, events.get(i).fd());
            pollFds.set(JAVA_SHORT, i * stride + 4, LibC.POLLIN);
        }
    }

    /** Blocks up to {@code timeoutMillis}; returns how many events are ready (0 on timeout). */
    public int await(int timeoutMillis) throws ErrnoException {
        return LibC.poll(pollFds, count, timeoutMillis, callState);
    }
}
