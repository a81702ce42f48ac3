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
    /**
     * The SP-delta tables of the Go functions last read, so an address not asked before but in a
     * function seen recently needs no read either: a busy Go program's leaves spread over
     * thousands of addresses in far fewer functions. Replaced round-robin; a function with more
     * rows than {@link #MAX_KEPT_ROWS} (Go's have a handful) is not kept.
     */
    private final GoPclntab.SpDeltas[] goFunctions;
    private int nextGoFunction;
    private static final int GO_FUNCTION_SLOTS = 64;
    private static final int MAX_KEPT_ROWS = 32;
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
        this.goFunctions = go == null ? null : new GoPclntab.SpDeltas[GO_FUNCTION_SLOTS];
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
            delta = functionSpDeltas(linkAddress);
        } catch (IOException | ElfFormatException | RuntimeException e) {
            return GoPclntab.UNKNOWN_SP_DELTA; // not kept: a later sample may read it
        }
        if (delta == GoPclntab.UNKNOWN_SP_DELTA || (delta >= 0 && delta < SP_DELTA_UNKNOWN)) {
            goSpDeltas.setOpaque(slot, linkAddress << SP_DELTA_BITS | (delta == GoPclntab.UNKNOWN_SP_DELTA ? SP_DELTA_UNKNOWN : delta));
        }
        return delta;
    }

    /** From a function table read recently, else read from the file (and kept when small). */
    private int functionSpDeltas(long linkAddress) throws IOException, ElfFormatException {
        for (GoPclntab.SpDeltas function : goFunctions) {
            if (function != null && function.contains(linkAddress)) {
                return function.at(linkAddress);
            }
        }
        GoPclntab.SpDeltas function = go.spDeltas(linkAddress);
        if (function == null) {
            return GoPclntab.UNKNOWN_SP_DELTA;
        }
        if (function.ends().length <= MAX_KEPT_ROWS) {
            goFunctions[nextGoFunction++ & (GO_FUNCTION_SLOTS - 1)] = function;
        }
        return function.at(linkAddress);
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
        long goBytes = go == null ? 0 : go.estimatedBytes() + 16 + SP_DELTA_SLOTS * 8L + GO_FUNCTION_SLOTS * (80 + MAX_KEPT_ROWS * 12L);
        return 96 + segmentOffsets.length * 24L + (table == null ? 0 : table.estimatedBytes()) + goBytes;
    }
}
