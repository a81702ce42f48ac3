package dev.scorch.collector.unwind;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.ElfFormatException;
import dev.scorch.collector.symbol.elf.GoPclntab;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the unwinder keeps of one object file: its load segments (runtime address to link-time
 * address), its compiled call-frame information, and for a Go binary its pc/SP-delta table with
 * the answers already read from it. Shared by every process that maps the file; thread-safe.
 */
public final class ObjectUnwindInfo {

    /** Returned by {@link #linkAddress} when the address is in no load segment. */
    public static final long OUTSIDE = Long.MIN_VALUE;

    private final long[] segmentOffsets;
    private final long[] segmentFileSizes;
    private final long[] segmentAddresses;
    private final UnwindTable table;
    private final GoPclntab go;
    /**
     * {@link #goSpDelta} answers by address, direct-mapped: the unwinder asks for every Go leaf
     * sample, a hot leaf is sampled at a few dozen addresses, and answering afresh reads the file
     * three times (function table slice, {@code _func} field, pcsp table). A slot packs address and
     * answer in one long, so a racing reader sees a whole entry or none. Null without a Go table.
     */
    private final AtomicLongArray goSpDeltas;
    private static final int SP_DELTA_SLOTS = 1024;
    private static final int SP_DELTA_BITS = 16;
    private static final int SP_DELTA_UNKNOWN = (1 << SP_DELTA_BITS) - 1;
    private static final long MAX_CACHED_ADDRESS = (1L << (Long.SIZE - SP_DELTA_BITS - 1)) - 1;

    ObjectUnwindInfo(List<ElfFile.Segment> loads, UnwindTable table, GoPclntab go) {
        this.segmentOffsets = loads.stream().mapToLong(ElfFile.Segment::offset).toArray();
        this.segmentFileSizes = loads.stream().mapToLong(ElfFile.Segment::fileSize).toArray();
        this.segmentAddresses = loads.stream().mapToLong(ElfFile.Segment::virtualAddress).toArray();
        this.table = table;
        this.go = go;
        this.goSpDeltas = go == null ? null : new AtomicLongArray(SP_DELTA_SLOTS);
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

    /** {@link GoPclntab#spDelta}, or {@link GoPclntab#UNKNOWN_SP_DELTA} when the table cannot be read. */
    public int goSpDelta(long linkAddress) {
        if (go == null) {
            return GoPclntab.UNKNOWN_SP_DELTA;
        }
        if (linkAddress <= 0 || linkAddress > MAX_CACHED_ADDRESS) {
            return readGoSpDelta(linkAddress);
        }
        int slot = (int) (linkAddress ^ (linkAddress >>> 10)) & (SP_DELTA_SLOTS - 1);
        long entry = goSpDeltas.getOpaque(slot);
        if (entry != 0 && entry >>> SP_DELTA_BITS == linkAddress) {
            int delta = (int) entry & SP_DELTA_UNKNOWN;
            return delta == SP_DELTA_UNKNOWN ? GoPclntab.UNKNOWN_SP_DELTA : delta;
        }
        int delta;
        try {
            delta = go.spDelta(linkAddress);
        } catch (IOException | ElfFormatException | RuntimeException e) {
            return GoPclntab.UNKNOWN_SP_DELTA; // not kept: a later sample may read it
        }
        if (delta == GoPclntab.UNKNOWN_SP_DELTA || (delta >= 0 && delta < SP_DELTA_UNKNOWN)) {
            goSpDeltas.setOpaque(slot, linkAddress << SP_DELTA_BITS | (delta == GoPclntab.UNKNOWN_SP_DELTA ? SP_DELTA_UNKNOWN : delta));
        }
        return delta;
    }

    private int readGoSpDelta(long linkAddress) {
        try {
            return go.spDelta(linkAddress);
        } catch (IOException | ElfFormatException | RuntimeException e) {
            return GoPclntab.UNKNOWN_SP_DELTA;
        }
    }

    /** Heap bytes held, for the cache bound. */
    public long estimatedBytes() {
        long goBytes = go == null ? 0 : go.estimatedBytes() + 16 + SP_DELTA_SLOTS * 8L;
        return 96 + segmentOffsets.length * 24L + (table == null ? 0 : table.estimatedBytes()) + goBytes;
    }
}
