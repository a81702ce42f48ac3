package dev.scorch.collector.unwind;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.GoPclntab;
import dev.scorch.collector.symbol.elf.GoSpDeltas;

import java.util.List;

/**
 * What the unwinder keeps of one object file: its load segments (runtime address to link-time
 * address), its compiled call-frame information, and for a Go binary its pc/SP-delta table with
 * the function tables already read from it. Shared by every process that maps the file; thread-safe.
 */
public final class ObjectUnwindInfo {

    /** Returned by {@link #linkAddress} when the address is in no load segment. */
    public static final long OUTSIDE = Long.MIN_VALUE;

    private final long[] segmentOffsets;
    private final long[] segmentFileSizes;
    private final long[] segmentAddresses;
    private final UnwindTable table;
    private final GoPclntab go;
    /** The Go SP-delta tables read so far; null without a Go table. */
    private final GoSpDeltaCache goSpDeltas;

    ObjectUnwindInfo(List<ElfFile.Segment> loads, UnwindTable table, GoPclntab go) {
        this.segmentOffsets = loads.stream().mapToLong(ElfFile.Segment::offset).toArray();
        this.segmentFileSizes = loads.stream().mapToLong(ElfFile.Segment::fileSize).toArray();
        this.segmentAddresses = loads.stream().mapToLong(ElfFile.Segment::virtualAddress).toArray();
        this.table = table;
        this.go = go;
        this.goSpDeltas = go == null ? null : new GoSpDeltaCache(go);
    }

    /** The link-time address of runtime {@code address} mapped through {@code mapping}, or {@link #OUTSIDE}. */
    public long linkAddress(Mapping mapping, long address) {
        long fileOffset = address - mapping.start() + mapping.fileOffset();
        for (int i = 0; i < segmentOffsets.length; i++) {
            if (Long.compareUnsigned(fileOffset - segmentOffsets[i], segmentFileSizes[i]) < 0) {
                return fileOffset - segmentOffsets[i] + segmentAddresses[i];
            }
        }
        return OUTSIDE;
    }

    /** The CFI rule at a link-time address; {@link UnwindRule#NONE} without CFI there. */
    public long rule(long linkAddress) {
        return table == null ? UnwindRule.NONE : table.find(linkAddress);
    }

    public boolean hasCallFrameInformation() {
        return table != null && table.rows() > 0;
    }

    public boolean isGo() {
        return go != null;
    }

    /**
     * The SP delta at a link-time address of a Go function (see {@link GoPclntab#spDeltas}), or
     * {@link GoSpDeltas#UNKNOWN} when the table does not say or cannot be read; the file
     * is read once per function.
     */
    public int goSpDelta(long linkAddress) {
        return goSpDeltas == null ? GoSpDeltas.UNKNOWN : goSpDeltas.at(linkAddress);
    }

    /** Heap bytes held, for the cache bound. */
    public long estimatedBytes() {
        long goBytes = go == null ? 0 : go.estimatedBytes() + GoSpDeltaCache.estimatedBytes();
        return 96 + segmentOffsets.length * 24L + (table == null ? 0 : table.estimatedBytes()) + goBytes;
    }
}
