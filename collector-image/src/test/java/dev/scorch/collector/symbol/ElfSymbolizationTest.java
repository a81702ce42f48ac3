package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.SymbolTable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.elf.ByteSource;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.ElfSymbolReader;
import dev.scorch.testenv.Tier;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Native objects: symbols and build ids checked against binutils ({@code nm}, {@code readelf}). */
class ElfSymbolizationTest {

    @TempDir
    static Path dir;

    private static Path burn;
    private static Path burnStripped;

    @BeforeAll
    static void buildWorkload() throws Exception {
        Tier.UNIT.require(ExternalTools.onPath("cc").isPresent() && ExternalTools.onPath("nm").isPresent() && ExternalTools.onPath("strip").isPresent(),
                "cc, nm and strip build and check the C workload: apt-get install gcc binutils");
        try (InputStream in = ElfSymbolizationTest.class.getResourceAsStream("/workloads/cburn/cburn.c")) {
            Files.copy(in, dir.resolve("cburn.c"));
        }
        ExternalTools.run(dir, "cc", "-O1", "-fno-omit-frame-pointer", "-no-pie", "-o", "cburn", "cburn.c");
        ExternalTools.run(dir, "cp", "cburn", "cburn-stripped");
        ExternalTools.run(dir, "strip", "cburn-stripped");
        burn = dir.resolve("cburn");
        burnStripped = dir.resolve("cburn-stripped");
    }

    private static ElfFile elf(Path file) throws Exception {
        return ElfFile.parse(ByteSource.of(Files.readAllBytes(file)));
    }

    /** nm's defined function symbols ({@code T}/{@code t}/{@code W}/{@code i}) with a size: address -> names. */
    private static Map<Long, Set<String>> nmFunctions(Path file, boolean dynamic) throws Exception {
        String out = dynamic ? ExternalTools.run(file.getParent(), "nm", "-D", "-S", "--defined-only", file.toString())
                : ExternalTools.run(file.getParent(), "nm", "-S", "--defined-only", file.toString());
        Map<Long, Set<String>> functions = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 4 && "TtWi".contains(f[2]) && Long.parseLong(f[1], 16) > 0) {
                String name = f[3].contains("@") ? f[3].substring(0, f[3].indexOf('@')) : f[3];
                functions.computeIfAbsent(Long.parseUnsignedLong(f[0], 16), a -> new HashSet<>()).add(name);
            }
        }
        return functions;
    }

    @Test
    void staticFunctionsResolveFromSymtab() throws Exception {
        SymbolTable table = ElfSymbolReader.read(elf(burn));

        long burnStatic = ExternalTools.nmAddress(burn, "burn_static", false);
        assertThat(table.lookup(burnStatic + 3).name()).isEqualTo("burn_static");
        assertThat(table.lookup(ExternalTools.nmAddress(burn, "burn_global", false)).name()).isEqualTo("burn_global");
    }

    @Test
    void buildIdMatchesReadelf() throws Exception {
        String readelf = ExternalTools.run(dir, "readelf", "-n", burn.toString());
        String expected = readelf.lines().filter(l -> l.contains("Build ID:")).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst()
                .orElseThrow();

        assertThat(elf(burn).buildId()).isEqualTo(expected);
        assertThat(elf(burnStripped).buildId()).isEqualTo(expected);
    }

    @Test
    void strippedExecutableReportsNoSymbolTable() throws Exception {
        ObjectSymbols symbols = ObjectSymbols.read(elf(burnStripped));
        Mapping text = new Mapping(0x400000, 0x500000, 0, burnStripped.toString(), 1, true);

        assertThat(symbols.symbolize(text, ExternalTools.nmAddress(burn, "burn_static", false), false).miss())
                .isEqualTo(MissReason.NO_SYMBOL_TABLE);
    }

    @Test
    void aStrippedExecutableIsCompletedFromItsBuildIdDebugFile() throws Exception {
        Tier.UNIT.require(ExternalTools.onPath("objcopy").isPresent(), "objcopy (binutils) makes the debug file: apt-get install binutils");
        String buildId = elf(burn).buildId();
        Path hostRoot = dir.resolve("host");
        Path debugFile = hostRoot.resolve("usr/lib/debug/.build-id/" + buildId.substring(0, 2) + "/" + buildId.substring(2) + ".debug");
        Files.createDirectories(debugFile.getParent());
        ExternalTools.run(dir, "objcopy", "--only-keep-debug", burn.toString(), debugFile.toString());
        long burnStatic = ExternalTools.nmAddress(burn, "burn_static", false);
        Process process = new ProcessBuilder(burnStripped.toString(), "spin").start();
        try {
            assertThat(new String(process.getInputStream().readNBytes(9))).isEqualTo("spinning\n");
            ProcMaps maps = ProcMaps.of(process.pid());
            Mapping text = maps.mappingAt(burnStatic).orElseThrow();

            Symbolization withDebugFile = new Symbolizer(Symbolizer.Settings.defaults().withHostRoot(hostRoot)).forMapping(maps, text, PerfMapWriter.Round.NONE)
                    .symbolize(burnStatic + 2, false);
            Symbolization without = new Symbolizer(Symbolizer.Settings.defaults().withHostRoot(dir.resolve("empty"))).forMapping(maps, text, PerfMapWriter.Round.NONE)
                    .symbolize(burnStatic + 2, false);

            assertThat(withDebugFile.frames()).extracting(SymbolizedFrame::function).containsExactly("burn_static");
            assertThat(without.miss()).isEqualTo(MissReason.NO_SYMBOL_TABLE);
        } finally {
            process.destroyForcibly().waitFor();
        }
    }

    @Test
    void everyLibcFunctionResolvesToItsOwnNameOrAnAlias() throws Exception {
        Mapping libc = ProcMaps.of(ProcessHandle.current().pid()).base("/libc.so.6");
        Path file = Path.of(libc.path());
        SymbolTable table = ElfSymbolReader.read(elf(file));
        Map<Long, Set<String>> expected = nmFunctions(file, true);

        List<String> wrong = new ArrayList<>();
        for (Map.Entry<Long, Set<String>> function : expected.entrySet()) {
            SymbolTable.Hit hit = table.lookup(function.getKey());
            if (hit == null || !function.getValue().contains(hit.name())) {
                wrong.add(Long.toHexString(function.getKey()) + " " + function.getValue() + " -> " + (hit == null ? "miss" : hit.name()));
            }
        }
        System.out.printf("libc.so.6 (.dynsym): %d of %d function addresses named as nm names them%n", expected.size() - wrong.size(),
                expected.size());
        assertThat(expected).hasSizeGreaterThan(1000);
        assertThat(wrong).isEmpty();
    }

    @Test
    void runningProcessResolvesThroughProcWithItsLoadBias() throws Exception {
        Process process = new ProcessBuilder(burn.toString(), "spin").start();
        try {
            assertThat(new String(process.getInputStream().readNBytes(9))).isEqualTo("spinning\n");
            ProcMaps maps = ProcMaps.of(process.pid());
            Mapping libc = maps.base("/libc.so.6");
            long printf = libc.start() + ExternalTools.nmAddress(Path.of(libc.path()), "printf", true);
            long burnGlobal = ExternalTools.nmAddress(burn, "burn_global", false);
            Symbolizer symbolizer = new Symbolizer();

            Symbolization inLibc = symbolizer.forMapping(maps, maps.mappingAt(printf).orElseThrow(), PerfMapWriter.Round.NONE).symbolize(printf + 1, true);
            Symbolization inMain = symbolizer.forMapping(maps, maps.mappingAt(burnGlobal).orElseThrow(), PerfMapWriter.Round.NONE).symbolize(burnGlobal + 1, false);

            assertThat(inLibc.frames()).extracting(SymbolizedFrame::function).containsExactly("printf");
            assertThat(inMain.frames()).extracting(SymbolizedFrame::function).containsExactly("burn_global");
        } finally {
            process.destroyForcibly().waitFor();
        }
    }
}
