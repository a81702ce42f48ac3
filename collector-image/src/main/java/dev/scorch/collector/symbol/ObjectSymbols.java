package dev.scorch.collector.symbol;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.ElfFormatException;
import dev.scorch.collector.symbol.elf.ElfSymbolReader;
import dev.scorch.collector.symbol.elf.GoPclntab;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the symbolizer keeps of one object file: its build id, its load segments (to turn a runtime
 * address into a link-time address) and its function table, merged from the Go pc/line table,
 * {@code .symtab} and {@code .dynsym}. Immutable and shared by every process that maps the file.
 */
public final class ObjectSymbols {

    private final String buildId;
    private final boolean absolute;
    private final long[] segmentOffsets;
    private final long[] segmentFileSizes;
    private final long[] segmentAddresses;
    private final SymbolTable functions;

    private ObjectSymbols(String buildId, List<ElfFile.Segment> loads, SymbolTable functions) {
        this.buildId = buildId;
        this.absolute = loads == null;
        List<ElfFile.Segment> segments = loads == null ? List.of() : loads;
        this.segmentOffsets = segments.stream().mapToLong(ElfFile.Segment::offset).toArray();
        this.segmentFileSizes = segments.stream().mapToLong(ElfFile.Segment::fileSize).toArray();
        this.segmentAddresses = segments.stream().mapToLong(ElfFile.Segment::virtualAddress).toArray();
        this.functions = functions;
    }

    /**
     * Symbols whose addresses are runtime addresses already (perf map files, kallsyms): no load
     * segments, no translation.
     */
    public static ObjectSymbols absolute(SymbolTable functions) {
        return new ObjectSymbols("", null, functions);
    }

    /** Reads the function tables of a parsed ELF file. */
    public static ObjectSymbols read(ElfFile elf) throws IOException, ElfFormatException {
        return read(elf, null);
    }

    /**
     * Reads the function tables of {@code elf}, adding the {@code .symtab} of its separate debug
     * file (same build id, same link-time addresses) when {@code debug} is not null.
     */
    public static ObjectSymbols read(ElfFile elf, ElfFile debug) throws IOException, ElfFormatException {
        SymbolTable.Builder builder = SymbolTable.builder();
        // Go's table first: it names every Go function; the ELF tables add C (cgo) and assembly.
        GoPclntab.addFunctions(elf, builder);
        if (debug != null) {
            ElfSymbolReader.addTo(debug, builder);
        }
        ElfSymbolReader.addTo(elf, builder);
        SymbolTable functions = builder.build();
        List<ElfFile.Segment> loads = new ArrayList<>();
        for (ElfFile.Segment segment : elf.segments()) {
            if (segment.type() == ElfFile.PT_LOAD) {
                loads.add(segment);
            }
        }
        return new ObjectSymbols(elf.buildId(), loads, functions);
    }

    public String buildId() {
        return buildId;
    }

    public int functionCount() {
        return functions.size();
    }

    /** Heap bytes held, for the cache bound. */
    public long estimatedBytes() {
        return 128 + buildId.length() * 2L + segmentOffsets.length * 24L + functions.estimatedBytes();
    }

    /** Resolves runtime {@code address} of the process that maps this object through {@code mapping}. */
    public Symbolization symbolize(Mapping mapping, long address, boolean returnAddress) {
        if (functions.size() == 0) {
            return Symbolization.missed(MissReason.NO_SYMBOL_TABLE);
        }
        long lookup = returnAddress ? address - 1 : address;
        if (absolute) {
            return named(functions.lookup(lookup));
        }
        long fileOffset = lookup - mapping.start() + mapping.fileOffset();
        for (int i = 0; i < segmentOffsets.length; i++) {
            if (Long.compareUnsigned(fileOffset - segmentOffsets[i], segmentFileSizes[i]) < 0) {
                return named(functions.lookup(fileOffset - segmentOffsets[i] + segmentAddresses[i]));
            }
        }
        return Symbolization.missed(MissReason.OUTSIDE_LOAD_SEGMENTS);
    }

    private static Symbolization named(SymbolTable.Hit hit) {
        return hit == null ? Symbolization.missed(MissReason.NO_SYMBOL_AT_ADDRESS) : Symbolization.of(SymbolizedFrame.named(hit.name()));
    }
}
