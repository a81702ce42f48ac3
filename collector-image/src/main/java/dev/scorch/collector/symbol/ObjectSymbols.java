package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.SymbolTable;
import dev.scorch.collector.symbol.elf.SymbolTableBuilder;
import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.ElfFormatException;
import dev.scorch.collector.symbol.elf.ElfSymbolReader;
import dev.scorch.collector.symbol.elf.GoPclntab;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;

/**
 * What the symbolizer keeps of one object file: its build id, its load segments (to turn a runtime
 * address into a link-time address) and its function tables: the Go pc/line table, and {@code
 * .symtab} and {@code .dynsym} merged. Immutable and shared by every process that maps the file.
 *
 * <p>Names (and the Go table) stay in the object file, which this object keeps open: a lookup reads
 * the few bytes it needs. The file is closed once the object is unreachable (the symbol cache has
 * let it go and no profile being built still uses it), so an eviction never breaks a lookup in
 * progress.
 */
public final class ObjectSymbols {

    private static final Cleaner FILES = Cleaner.create();

    private final String buildId;
    private final boolean absolute;
    private final long[] segmentOffsets;
    private final long[] segmentFileSizes;
    private final long[] segmentAddresses;
    private final GoPclntab go;
    private final SymbolTable functions;

    private ObjectSymbols(String buildId, List<ElfFile.Segment> loads, GoPclntab go, SymbolTable functions, Closeable files) {
        this.buildId = buildId;
        this.absolute = loads == null;
        List<ElfFile.Segment> segments = loads == null ? List.of() : loads;
        this.segmentOffsets = segments.stream().mapToLong(ElfFile.Segment::offset).toArray();
        this.segmentFileSizes = segments.stream().mapToLong(ElfFile.Segment::fileSize).toArray();
        this.segmentAddresses = segments.stream().mapToLong(ElfFile.Segment::virtualAddress).toArray();
        this.go = go;
        this.functions = functions;
        if (files != null) {
            FILES.register(this, () -> {
                try {
                    files.close();
                } catch (IOException e) {
                    // a read-only file: nothing is lost
                }
            });
        }
    }

    /**
     * Symbols whose addresses are runtime addresses already (perf map files, kallsyms): no load
     * segments, no translation.
     */
    public static ObjectSymbols absolute(SymbolTable functions) {
        return absolute(functions, null);
    }

    /** As {@link #absolute(SymbolTable)}, for a table whose names stay in a file that {@code file} closes. */
    public static ObjectSymbols absolute(SymbolTable functions, Closeable file) {
        return new ObjectSymbols("", null, null, functions, file);
    }

    /** Reads the function tables of a parsed ELF file whose source stays readable while the result is used. */
    public static ObjectSymbols read(ElfFile elf) throws IOException, ElfFormatException {
        return read(elf, null, null);
    }

    /**
     * Reads the function tables of {@code elf}, adding the {@code .symtab} of its separate debug
     * file (same build id, same link-time addresses) when {@code debug} is not null.
     *
     * @param files closes the files behind {@code elf} and {@code debug}; owned by the result from now
     *     on, closed when it is unreachable (null: nothing to close)
     */
    public static ObjectSymbols read(ElfFile elf, ElfFile debug, Closeable files) throws IOException, ElfFormatException {
        GoPclntab go = GoPclntab.find(elf);
        SymbolTableBuilder builder = SymbolTable.builder();
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
        return new ObjectSymbols(elf.buildId(), loads, go, functions, files);
    }

    public String buildId() {
        return buildId;
    }

    public int functionCount() {
        return functions.size() + (go == null ? 0 : go.size());
    }

    /** Heap bytes held, for the cache bound. */
    public long estimatedBytes() {
        return 128 + buildId.length() * 2L + segmentOffsets.length * 24L + functions.estimatedBytes()
                + (go == null ? 0 : go.estimatedBytes());
    }

    /** Resolves runtime {@code address} of the process that maps this object through {@code mapping}. */
    public Symbolization symbolize(Mapping mapping, long address, boolean returnAddress) {
        if (functionCount() == 0) {
            return Symbolization.missed(MissReason.NO_SYMBOL_TABLE);
        }
        long lookup = returnAddress ? address - 1 : address;
        if (absolute) {
            return lookup(lookup);
        }
        long fileOffset = lookup - mapping.start() + mapping.fileOffset();
        for (int i = 0; i < segmentOffsets.length; i++) {
            if (Long.compareUnsigned(fileOffset - segmentOffsets[i], segmentFileSizes[i]) < 0) {
                return lookup(fileOffset - segmentOffsets[i] + segmentAddresses[i]);
            }
        }
        return Symbolization.missed(MissReason.OUTSIDE_LOAD_SEGMENTS);
    }

    /**
     * The innermost function containing {@code address} among the Go table and the ELF symbols:
     * the one that starts later (a C function linked into a Go binary lies inside the range the Go
     * table gives its predecessor); Go's name when both start at the same address.
     */
    private Symbolization lookup(long address) {
        SymbolTable.Hit fromGo;
        SymbolTable.Hit fromElf;
        try {
            fromGo = go == null ? null : go.lookup(address);
            fromElf = functions.lookup(address);
        } catch (IOException | UncheckedIOException e) {
            return Symbolization.missed(MissReason.FILE_UNREACHABLE);
        } catch (ElfFormatException e) {
            return Symbolization.missed(MissReason.MALFORMED_OBJECT);
        }
        if (fromGo == null || (fromElf != null && Long.compareUnsigned(fromElf.start(), fromGo.start()) > 0)) {
            return named(fromElf);
        }
        return named(fromGo);
    }

    private static Symbolization named(SymbolTable.Hit hit) {
        return hit == null ? Symbolization.missed(MissReason.NO_SYMBOL_AT_ADDRESS) : Symbolization.of(SymbolizedFrame.named(hit.name()));
    }
}
