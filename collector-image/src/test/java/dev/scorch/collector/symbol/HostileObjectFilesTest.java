package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.SymbolTable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.symbol.elf.ByteSource;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.GoPclntab;
import dev.scorch.collector.symbol.elf.HostileObjectFiles;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crafted object files that once exhausted the collector's heap or stalled its interval loop
 * (generated here, megabytes each) are refused within their budget, by a named limit, and the
 * refusal is remembered by file identity.
 */
class HostileObjectFilesTest {

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    private record Snapshot(int pid, List<Mapping> mappings) implements ProcessSnapshot {
        @Override
        public int namespacePid() {
            return pid;
        }

        @Override
        public boolean exited() {
            return false;
        }

        @Override
        public String command() {
            return "hostile";
        }

        @Override
        public Optional<Mapping> mappingAt(long address) {
            return mappings.stream().filter(m -> m.contains(address)).findFirst();
        }
    }

    private static long allocatedBy(ThrowingRunnable action) throws Exception {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        action.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static ParseBudget elfBudget() {
        return ParseBudget.of(ElfFile.limits());
    }

    @Test
    void sixtyFiveThousandSectionsNamedFromOneUnterminatedTableAreRefusedByNameLength() throws Exception {
        Path file = HostileObjectFiles.unterminatedSectionNames(dir.resolve("names.elf"));
        long allocated = allocatedBy(() -> {
            try (FileChannel channel = FileChannel.open(file)) {
                assertThatThrownBy(() -> ElfFile.parse(ByteSource.of(channel), elfBudget()))
                        .isInstanceOfSatisfying(OverBudgetException.class, e -> assertThat(e.limit()).isEqualTo("section_name_length"));
            }
        });
        // the file's two 4 MiB tables are read once each; nothing is copied per section
        assertThat(allocated).isLessThan(Files.size(file) + (4L << 20));
    }

    @Test
    void tenThousandHeadersOfOneSymbolTableAreReadAsOneTable() throws Exception {
        Path file = HostileObjectFiles.repeatedSymbolTable(dir.resolve("symtab.elf"), 10_000, 100_000);
        ParseBudget budget = elfBudget();
        long[] functions = new long[1];
        long allocated = allocatedBy(() -> {
            try (FileChannel channel = FileChannel.open(file)) {
                functions[0] = ObjectSymbols.read(ElfFile.parse(ByteSource.of(channel), budget), null, null).functionCount();
            }
        });
        assertThat(functions[0]).isEqualTo(100_000);
        assertThat(budget.heapBytes()).isLessThanOrEqualTo(ElfFile.limits().heapBytes());
        assertThat(allocated).isLessThan(64L << 20);
    }

    @Test
    void aGoTableWhoseOffsetsDefeatEveryCacheRunsOutOfReadBudgetInsteadOfTime() throws Exception {
        Path file = HostileObjectFiles.scatteredGoFunctionTable(dir.resolve("pclntab.elf"), 2_000_000, 7);
        ParseBudget budget = elfBudget();
        try (FileChannel channel = FileChannel.open(file)) {
            ElfFile elf = ElfFile.parse(ByteSource.of(channel), budget);
            assertThatThrownBy(() -> GoPclntab.find(elf))
                    .isInstanceOfSatisfying(OverBudgetException.class, e -> assertThat(e.limit()).isIn("read_bytes", "steps"));
        }
        assertThat(budget.readBytes()).isLessThanOrEqualTo(ElfFile.limits().readBytes());
    }

    @Test
    void aRefusedFileIsRememberedByIdentityAndCountedByLimit() throws Exception {
        Path file = HostileObjectFiles.unterminatedSectionNames(dir.resolve("mapped.elf"));
        long inode = (Long) Files.getAttribute(file, "unix:ino");
        Mapping mapping = new Mapping(0x400000, 0x500000, 0, file.toString(), inode, true);
        Snapshot process = new Snapshot((int) ProcessHandle.current().pid(), List.of(mapping));
        Symbolizer symbolizer = new Symbolizer();

        Symbolization first = symbolizer.forMapping(process, mapping, PerfMapWriter.Round.NONE).symbolize(0x401000, false);
        Symbolization again = symbolizer.forMapping(process, mapping, PerfMapWriter.Round.NONE).symbolize(0x401000, false);

        assertThat(first.miss()).isEqualTo(MissReason.OVER_BUDGET);
        assertThat(again.miss()).isEqualTo(MissReason.OVER_BUDGET);
        assertThat(symbolizer.rejections().counts()).as("parsed and refused once").containsExactly(Map.entry("elf/section_name_length", 1L));
        assertThat(symbolizer.metrics().misses(MissReason.OVER_BUDGET)).isEqualTo(2);
    }
}
