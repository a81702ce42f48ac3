package dev.scorch.collector.symbol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.testenv.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the symbolizer finds files and symbols for real processes, and how it fails. */
class SymbolizerTest {

    @TempDir
    Path dir;

    private static ProcMaps self;
    private static Mapping libcText;
    private static long getenv;

    @BeforeAll
    static void findLibc() throws Exception {
        Tier.UNIT.require(ExternalTools.onPath("nm").isPresent(), "nm (binutils) gives the ground-truth addresses: apt-get install binutils");
        self = ProcMaps.of(ProcessHandle.current().pid());
        Mapping base = self.base("/libc.so.6");
        getenv = base.start() + ExternalTools.nmAddress(Path.of(base.path()), "getenv", true);
        libcText = self.mappingAt(getenv).orElseThrow();
    }

    /** A process as the process table would describe it, with a chosen namespace pid and exit state. */
    private record Snapshot(int pid, int namespacePid, boolean exited, List<Mapping> mappings) implements ProcessSnapshot {
        @Override
        public String command() {
            return "test";
        }

        @Override
        public Optional<Mapping> mappingAt(long address) {
            return mappings.stream().filter(m -> m.contains(address)).findFirst();
        }
    }

    private static String name(Symbolization symbolization) {
        assertThat(symbolization.resolved()).as("miss: %s", symbolization.miss()).isTrue();
        return symbolization.frames().get(0).function();
    }

    @Test
    void jitFramesResolveFromThePerfMapNamedByTheNamespacePid() throws Exception {
        int namespacePid = 3_000_000 + ThreadLocalRandom.current().nextInt(1_000_000); // no host process has it
        Path perfMap = Path.of("/tmp/perf-" + namespacePid + ".map"); // /proc/<self>/root/tmp is /tmp here
        Files.writeString(perfMap, "7f0000001000 100 LInterpreter;\n0x7f0000001100 0x80 Lcom/example/Hot;::run\n");
        try {
            Mapping jit = new Mapping(0x7f0000000000L, 0x7f0000100000L, 0, "", 0, true);
            Snapshot process = new Snapshot(self.pid(), namespacePid, false, List.of(jit));
            MappingSymbols symbols = new Symbolizer().forMapping(process, jit, PerfMapWriter.Round.NONE);

            assertThat(name(symbols.symbolize(0x7f0000001140L, false))).isEqualTo("Lcom/example/Hot;::run");
            assertThat(name(symbols.symbolize(0x7f0000001001L, true))).isEqualTo("LInterpreter;");
            assertThat(symbols.symbolize(0x7f0000002000L, false).miss()).isEqualTo(MissReason.NO_SYMBOL_AT_ADDRESS);
        } finally {
            Files.deleteIfExists(perfMap);
        }
    }

    @Test
    void anonymousMemoryWithoutPerfMapIsItsOwnMissReason() {
        Mapping jit = new Mapping(0x7f0000000000L, 0x7f0000100000L, 0, "", 0, true);
        Symbolizer symbolizer = new Symbolizer();

        Symbolization missed = symbolizer.forMapping(new Snapshot(self.pid(), 4_999_999, false, List.of(jit)), jit, PerfMapWriter.Round.NONE).symbolize(0x7f0000000010L, false);

        assertThat(missed.miss()).isEqualTo(MissReason.ANONYMOUS_MEMORY);
        assertThat(symbolizer.metrics().misses(MissReason.ANONYMOUS_MEMORY)).isEqualTo(1);
    }

    @Test
    void aFileThePathNoLongerHoldsIsReadThroughMapFiles() {
        Mapping renamed = new Mapping(libcText.start(), libcText.limit(), libcText.fileOffset(), "/nonexistent/libc.so.6", libcText.inode(), true);
        Snapshot process = new Snapshot(self.pid(), self.pid(), false, List.of(renamed));

        assertThat(name(new Symbolizer().forMapping(process, renamed, PerfMapWriter.Round.NONE).symbolize(getenv + 1, false))).isEqualTo("getenv");
    }

    @Test
    void anExitedProcessIsSymbolizedFromTheHostPath() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Snapshot process = new Snapshot((int) gone.pid(), (int) gone.pid(), true, List.of(libcText));

        assertThat(name(new Symbolizer().forMapping(process, libcText, PerfMapWriter.Round.NONE).symbolize(getenv + 1, false))).isEqualTo("getenv");
    }

    @Test
    void aFileReplacedAtItsPathIsNotMistakenForTheMappedOne() throws Exception {
        Path other = dir.resolve("libc.so.6");
        Files.copy(Path.of(libcText.path()), other);
        Mapping mapped = new Mapping(libcText.start(), libcText.limit(), libcText.fileOffset(), other.toString(), libcText.inode(), true);
        Snapshot process = new Snapshot(self.pid(), self.pid(), false, List.of(mapped));
        Mapping elsewhere = new Mapping(0x1000, 0x2000, 0, other.toString(), libcText.inode(), true);

        Symbolization replaced = new Symbolizer().forMapping(new Snapshot(self.pid(), self.pid(), false, List.of(elsewhere)), elsewhere, PerfMapWriter.Round.NONE)
                .symbolize(0x1010, false);

        assertThat(replaced.miss()).isEqualTo(MissReason.FILE_REPLACED);
        assertThat(name(new Symbolizer().forMapping(process, mapped, PerfMapWriter.Round.NONE).symbolize(getenv + 1, false))).isEqualTo("getenv");
    }

    @Test
    void aFifoAtTheMappedPathCostsAFrameNotAHang() throws Exception {
        Tier.UNIT.require(ExternalTools.onPath("mkfifo").isPresent(), "mkfifo (coreutils) makes the hostile file");
        Path fifo = dir.resolve("app");
        ExternalTools.run(dir, "mkfifo", fifo.toString());
        long inode = (Long) Files.getAttribute(fifo, "unix:ino");
        Mapping mapping = new Mapping(0x1000, 0x2000, 0, fifo.toString(), inode, true);
        Snapshot process = new Snapshot(self.pid(), self.pid(), true, List.of(mapping));

        Symbolization result = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> new Symbolizer().forMapping(process, mapping, PerfMapWriter.Round.NONE).symbolize(0x1010, false));

        assertThat(result.miss()).isEqualTo(MissReason.FILE_UNREACHABLE);
    }

    @Test
    void aFileThatIsNotElfIsCachedAsMalformed() throws Exception {
        Path text = dir.resolve("script");
        Files.writeString(text, "#!/bin/sh\necho not elf\n");
        long inode = (Long) Files.getAttribute(text, "unix:ino");
        Mapping mapping = new Mapping(0x1000, 0x2000, 0, text.toString(), inode, true);
        Snapshot process = new Snapshot(self.pid(), self.pid(), true, List.of(mapping));
        Symbolizer symbolizer = new Symbolizer();

        assertThat(symbolizer.forMapping(process, mapping, PerfMapWriter.Round.NONE).symbolize(0x1010, false).miss()).isEqualTo(MissReason.MALFORMED_OBJECT);
        assertThat(symbolizer.forMapping(process, mapping, PerfMapWriter.Round.NONE).symbolize(0x1010, false).miss()).isEqualTo(MissReason.MALFORMED_OBJECT);
        assertThat(symbolizer.metrics().misses(MissReason.MALFORMED_OBJECT)).isEqualTo(2);
    }

    @Test
    void theSameObjectIsParsedOnceAndSharedAcrossMappings() {
        Symbolizer symbolizer = new Symbolizer();
        symbolizer.forMapping(self, libcText, PerfMapWriter.Round.NONE).symbolize(getenv, false);
        long cached = symbolizer.cachedBytes();

        symbolizer.forMapping(self, libcText, PerfMapWriter.Round.NONE).symbolize(getenv, false);

        assertThat(cached).isPositive();
        assertThat(symbolizer.cachedBytes()).isEqualTo(cached);
    }

    @Test
    void kernelAddressesHiddenByKptrRestrictAreReportedAsSuch() throws Exception {
        Path kallsyms = dir.resolve("kallsyms");
        Files.writeString(kallsyms, "0000000000000000 T _text\n0000000000000000 T do_syscall_64\n0000000000000000 t ext4_read [ext4]\n");
        Symbolizer symbolizer = new Symbolizer(Symbolizer.Settings.defaults().withKallsyms(kallsyms));

        assertThat(symbolizer.kernel().symbolize(0xffffffff81000010L, false).miss()).isEqualTo(MissReason.KERNEL_ADDRESSES_HIDDEN);
        assertThat(symbolizer.metrics().misses(MissReason.KERNEL_ADDRESSES_HIDDEN)).isEqualTo(1);
    }

    @Test
    void unreadableKallsymsIsReportedAsSuch() {
        Symbolizer symbolizer = new Symbolizer(Symbolizer.Settings.defaults().withKallsyms(dir.resolve("missing")));

        assertThat(symbolizer.kernel().symbolize(0xffffffff81000010L, false).miss()).isEqualTo(MissReason.KALLSYMS_UNREADABLE);
    }

    @Test
    void kernelSymbolsResolveIncludingModules() throws Exception {
        Path kallsyms = dir.resolve("kallsyms");
        Files.writeString(kallsyms, """
                ffffffff81000000 T _text
                ffffffff81001000 T do_syscall_64
                ffffffff81002000 D some_data
                ffffffff81003000 t helper
                ffffffffc0001000 t ext4_read\t[ext4]
                """);
        MappingSymbols kernel = new Symbolizer(Symbolizer.Settings.defaults().withKallsyms(kallsyms)).kernel();

        assertThat(name(kernel.symbolize(0xffffffff81001004L, false))).isEqualTo("do_syscall_64");
        assertThat(name(kernel.symbolize(0xffffffff81002004L, false))).isEqualTo("do_syscall_64"); // data symbols are not functions
        assertThat(name(kernel.symbolize(0xffffffff81003000L, true))).isEqualTo("do_syscall_64"); // return address: the call precedes it
        assertThat(name(kernel.symbolize(0xffffffffc0001010L, false))).isEqualTo("ext4_read");
    }

    @Test
    void theVdsoIsNamedFromTheCollectorsOwnCopy() throws Exception {
        Mapping vdso = self.mappings().stream().filter(m -> m.path().equals("[vdso]")).findFirst().orElse(null);
        Tier.UNIT.require(vdso != null, "this process has no [vdso] mapping");
        Symbolizer symbolizer = new Symbolizer();
        MappingSymbols symbols = symbolizer.forMapping(self, vdso, PerfMapWriter.Round.NONE);

        long clockGettime = -1;
        for (long address = vdso.start(); address < vdso.limit() && clockGettime < 0; address += 4) {
            Symbolization s = symbols.symbolize(address, false);
            if (s.resolved() && s.frames().get(0).function().contains("clock_gettime")) {
                clockGettime = address;
            }
        }
        assertThat(clockGettime).as("some vdso address resolves to clock_gettime").isPositive();
    }
}
