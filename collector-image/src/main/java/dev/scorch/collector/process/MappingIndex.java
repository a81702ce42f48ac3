package dev.scorch.collector.process;

import dev.scorch.collector.address.SortedAddresses;
import java.util.function.Consumer;

/**
 * A process's executable mappings sorted by start address, with the kernel time of the MMAP2
 * record behind each ({@link #UNTIMED} for mappings read from /proc or inherited at fork).
 * Immutable: a change builds a new index, so the unwinder's lookup on the sampler thread is a
 * binary search over a {@code long[]} that takes no lock and allocates nothing, and a forked child
 * shares its parent's index instead of copying it (most children exec at once).
 */
final class MappingIndex {

    /** The time of a mapping that no MMAP2 record dated. */
    static final long UNTIMED = Long.MIN_VALUE;
    static final MappingIndex EMPTY = new MappingIndex(new long[0], new Mapping[0], null);

    private final long[] starts;
    private final Mapping[] mappings;
    /** Null when no mapping is dated: processes read from /proc and forked children, most of a table, keep no times. */
    private final long[] mappedAt;

    private MappingIndex(long[] starts, Mapping[] mappings, long[] mappedAt) {
        this.starts = starts;
        this.mappings = mappings;
        this.mappedAt = mappedAt;
    }

    int size() {
        return mappings.length;
    }

    boolean isEmpty() {
        return mappings.length == 0;
    }

    /** The mapping that holds {@code address}, or null. */
    Mapping find(long address) {
        int i = SortedAddresses.floor(starts, address);
        return i >= 0 && mappings[i].contains(address) ? mappings[i] : null;
    }

    /** Hands over the path of every mapping. */
    void paths(Consumer<String> paths) {
        for (Mapping mapping : mappings) {
            paths.accept(mapping.path());
        }
    }

    private long mappedAt(int i) {
        return mappedAt == null ? UNTIMED : mappedAt[i];
    }

    /** This index with {@code mapping} (dated {@code timeNanos}, or {@link #UNTIMED}) replacing whatever it overlaps. */
    MappingIndex with(Mapping mapping, long timeNanos) {
        // Everything from the first mapping that ends after the new one starts, up to the first that starts at or past its end.
        int from = SortedAddresses.floor(starts, mapping.start());
        if (from < 0 || Long.compareUnsigned(mappings[from].limit(), mapping.start()) <= 0) {
            from++;
        }
        int to = from;
        while (to < mappings.length && Long.compareUnsigned(starts[to], mapping.limit()) < 0) {
            to++;
        }
        int size = mappings.length - (to - from) + 1;
        long[] newStarts = new long[size];
        Mapping[] newMappings = new Mapping[size];
        System.arraycopy(starts, 0, newStarts, 0, from);
        System.arraycopy(mappings, 0, newMappings, 0, from);
        newStarts[from] = mapping.start();
        newMappings[from] = mapping;
        System.arraycopy(starts, to, newStarts, from + 1, mappings.length - to);
        System.arraycopy(mappings, to, newMappings, from + 1, mappings.length - to);
        long[] newMappedAt = null;
        if (mappedAt != null || timeNanos != UNTIMED) {
            newMappedAt = new long[size];
            for (int i = 0; i < from; i++) {
                newMappedAt[i] = mappedAt(i);
            }
            newMappedAt[from] = timeNanos;
            for (int i = to; i < mappings.length; i++) {
                newMappedAt[from + 1 + i - to] = mappedAt(i);
            }
        }
        return new MappingIndex(newStarts, newMappings, newMappedAt);
    }

    /** The mappings an MMAP2 record dated at or after {@code timeNanos}: what survives an exec at that time. */
    MappingIndex mappedSince(long timeNanos) {
        int kept = 0;
        for (int i = 0; i < mappings.length; i++) {
            if (survives(i, timeNanos)) {
                kept++;
            }
        }
        if (kept == mappings.length) {
            return this;
        }
        if (kept == 0) {
            return EMPTY;
        }
        long[] newStarts = new long[kept];
        Mapping[] newMappings = new Mapping[kept];
        long[] newMappedAt = new long[kept];
        int n = 0;
        for (int i = 0; i < mappings.length; i++) {
            if (survives(i, timeNanos)) {
                newStarts[n] = starts[i];
                newMappings[n] = mappings[i];
                newMappedAt[n] = mappedAt[i];
                n++;
            }
        }
        return new MappingIndex(newStarts, newMappings, newMappedAt);
    }

    private boolean survives(int i, long execTime) {
        long at = mappedAt(i);
        return at != UNTIMED && at >= execTime;
    }

    /** {@code inherited} with this index's own mappings laid over it (they are newer), all undated except this index's. */
    MappingIndex over(MappingIndex inherited) {
        MappingIndex merged = inherited.untimed();
        for (int i = 0; i < mappings.length; i++) {
            merged = merged.with(mappings[i], mappedAt(i));
        }
        return merged;
    }

    /** The same mappings with no MMAP2 time: a child's inherited mappings belong to the image before any exec of its own. */
    MappingIndex untimed() {
        return mappedAt == null ? this : new MappingIndex(starts, mappings, null);
    }
}
