package dev.scorch.collector.bench;

import dev.scorch.collector.perf.RecordDecoder;
import dev.scorch.collector.perf.RecordHandler;
import dev.scorch.collector.perf.RingBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A batch of perf records in memory laid out as the kernel's ring buffer (a metadata page, then a
 * 16 MiB data area), drained from the same place on every replay: the benchmarks' input, decoded
 * by the collector's own ring reader without the kernel.
 */
final class ReplayedRing {

    private static final int PAGE = 4096;
    static final int DATA = 16 << 20;
    /** {@code data_head} and {@code data_tail} in {@code struct perf_event_mmap_page}. */
    private static final long DATA_HEAD = 1024;
    private static final long DATA_TAIL = 1032;

    private final MemorySegment mapping;
    private final RingBuffer ring;
    private final long start;
    private final long bytes;

    /**
     * @param start where in the data area the batch begins; near its end, every replay wraps
     *     around the end of the area as the kernel's writes do
     */
    ReplayedRing(byte[] batch, long start, Arena arena) {
        if (batch.length > DATA) {
            throw new IllegalStateException("batch of " + batch.length + " bytes does not fit the " + DATA + "-byte ring");
        }
        this.mapping = arena.allocate(PAGE + DATA, PAGE);
        this.start = start;
        this.bytes = batch.length;
        for (int i = 0; i < batch.length; i++) {
            mapping.set(JAVA_BYTE, PAGE + (start + i) % DATA, batch[i]);
        }
        this.ring = RingBuffer.over(mapping, PAGE, arena);
    }

    /** Decodes the whole batch again into {@code handler}. */
    void replay(RecordDecoder decoder, RecordHandler handler) {
        mapping.set(JAVA_LONG, DATA_TAIL, start);
        mapping.set(JAVA_LONG, DATA_HEAD, start + bytes);
        ring.drain(decoder, handler);
    }

    /** Records the ring reader could not decode, over every replay. */
    long malformed() {
        return ring.malformed();
    }
}
