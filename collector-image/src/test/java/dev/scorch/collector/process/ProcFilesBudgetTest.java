package dev.scorch.collector.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import dev.scorch.collector.budget.TotalBudget;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile {@code /proc/<pid>/maps}, {@code status} and {@code cgroup} files (megabytes, no newline,
 * huge line counts) are refused within their budget, named by parser and limit, and remembered
 * for the process's life; a real-sized file is read.
 */
class ProcFilesBudgetTest {

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final String MAPS_LINE = "7f1c2b000000-7f1c2b1d5000 r-xp 00028000 fd:01 1315678                    /usr/lib/libc.so.6\n";
    private static final String STATUS = "Name:\tapp\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nNSpid:\t42\t7\n";
    private static final String CGROUP = "0::/kubepods.slice/kubepods-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789.slice/cri-containerd-"
            + "ab".repeat(32) + ".scope\n";

    @TempDir
    Path proc;

    private Path process(int pid, long startTime) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(dir.resolve("stat"), pid + " (a) b) S 1 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 " + startTime + " 1000 10\n");
        Files.writeString(dir.resolve("maps"), MAPS_LINE);
        Files.writeString(dir.resolve("status"), STATUS);
        Files.writeString(dir.resolve("cgroup"), CGROUP);
        return dir;
    }

    private static void repeat(Path file, String text, long times) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long i = 0; i < times; i++) {
                out.write(bytes);
            }
        }
    }

    private static void noNewline(Path file, int bytes) throws IOException {
        byte[] content = new byte[bytes];
        Arrays.fill(content, (byte) 'a');
        Files.write(file, content);
    }

    /** Runs {@code read} and returns what it allocated on this thread. */
    private static <T> long allocatedBy(Supplier<T> read) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        read.get();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void realSizedFilesAreRead() throws IOException {
        process(42, 1000);
        ProcFiles files = new ProcFiles(proc);

        assertThat(files.executableMappings(42).outcome()).isEqualTo(ProcFiles.Outcome.READ);
        assertThat(files.executableMappings(42).mappings()).extracting(Mapping::path).containsExactly("/usr/lib/libc.so.6");
        assertThat(files.status(42)).contains(new ProcFiles.Status("app", 7));
        assertThat(files.cgroup(42)).contains(CGROUP);
        assertThat(files.rejections().counts()).isEmpty();
    }

    @Test
    void eightMegabytesOfMapsWithoutANewlineAreRefusedAsAnOverlongLineWithoutHoldingThem() throws IOException {
        noNewline(process(42, 1000).resolve("maps"), 8 << 20);
        ProcFiles files = new ProcFiles(proc);

        long allocated = allocatedBy(() -> files.executableMappings(42));

        assertThat(files.rejections().counts()).containsExactly(Map.entry("proc_maps/line_bytes", 1L));
        assertThat(allocated).as("bytes allocated reading 8 MiB").isLessThan(1 << 20);
    }

    @Test
    void mapsWithMoreLinesThanAnyProcessMayMapAreRefusedByLineCount() throws IOException {
        repeat(process(42, 1000).resolve("maps"), "0-1 r--p 0 0:0 0\n", 300_000);
        ProcFiles files = new ProcFiles(proc);

        assertThat(files.executableMappings(42).outcome()).isEqualTo(ProcFiles.Outcome.REFUSED);
        assertThat(files.rejections().counts()).containsExactly(Map.entry("proc_maps/steps", 1L));
    }

    @Test
    void mapsOverTheReadBudgetAreRefusedByBytesRead() throws IOException {
        String longLine = "7f1c2b000000-7f1c2b1d5000 r--p 00028000 fd:01 1315678 /" + "p".repeat(19_000) + "\n";
        repeat(process(42, 1000).resolve("maps"), longLine, 3_600);
        ProcFiles files = new ProcFiles(proc);

        long allocated = allocatedBy(() -> files.executableMappings(42));

        assertThat(files.rejections().counts()).containsExactly(Map.entry("proc_maps/read_bytes", 1L));
        assertThat(allocated).as("bytes allocated reading a 65 MiB file stop at its read budget").isLessThan(ProcFiles.MAPS.readBytes() + (8L << 20));
    }

    @Test
    void aRefusalIsRememberedForTheProcessesLifeAndForgottenWhenThePidIsReused() throws IOException {
        Path dir = process(42, 1000);
        noNewline(dir.resolve("maps"), 1 << 20);
        ProcFiles files = new ProcFiles(proc);
        assertThat(files.executableMappings(42).outcome()).isEqualTo(ProcFiles.Outcome.REFUSED);

        Files.writeString(dir.resolve("maps"), MAPS_LINE);
        assertThat(files.executableMappings(42).outcome()).as("same process, not read again").isEqualTo(ProcFiles.Outcome.REFUSED);
        assertThat(files.status(42)).as("another file of the process is still read").isPresent();

        process(42, 2000);
        assertThat(files.executableMappings(42).outcome()).as("a new process with the same pid").isEqualTo(ProcFiles.Outcome.READ);
        assertThat(files.rejections().counts()).containsExactly(Map.entry("proc_maps/line_bytes", 1L));
    }

    @Test
    void aSpentNodeWideBudgetDefersTheReadWithoutRememberingIt() throws IOException {
        process(42, 1000);
        AtomicLong now = new AtomicLong();
        TotalBudget total = new TotalBudget(16 << 10, Long.MAX_VALUE, Duration.ofMinutes(1), now::get);
        ProcFiles files = new ProcFiles(proc, total);
        files.cgroup(42);
        files.status(42);
        files.status(42);
        files.status(42);

        assertThat(files.executableMappings(42).outcome()).isEqualTo(ProcFiles.Outcome.DEFERRED);
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(files.executableMappings(42).outcome()).isEqualTo(ProcFiles.Outcome.READ);
    }

    @Test
    void aLongGroupsLineInStatusIsSkippedButAnOverlongNameIsRefused() throws IOException {
        Path dir = process(42, 1000);
        Files.writeString(dir.resolve("status"), "Name:\tapp\nGroups:\t" + "65534 ".repeat(65_536) + "\nNSpid:\t42\t7\n");
        ProcFiles files = new ProcFiles(proc);
        assertThat(files.status(42)).contains(new ProcFiles.Status("app", 7));

        Files.writeString(process(43, 1000).resolve("status"), "Name:\t" + "x".repeat(64 << 10) + "\nNSpid:\t43\n");
        assertThat(files.status(43)).isEmpty();
        assertThat(files.rejections().counts()).containsExactly(Map.entry("proc_status/line_bytes", 1L));
    }

    @Test
    void megabytesOfStatusAreRefusedByBytesRead() throws IOException {
        repeat(process(42, 1000).resolve("status"), "Groups:\t" + "1 ".repeat(2000) + "\n", 1_000);
        ProcFiles files = new ProcFiles(proc);

        assertThat(files.status(42)).isEmpty();
        assertThat(files.rejections().counts()).containsKey("proc_status/read_bytes");
    }

    @Test
    void cgroupFilesOfMegabytesOrWithoutNewlineOrWithThousandsOfLinesAreRefused() throws IOException {
        noNewline(process(42, 1000).resolve("cgroup"), 4 << 20);
        repeat(process(43, 1000).resolve("cgroup"), "0::/\n", 10_000);
        repeat(process(44, 1000).resolve("cgroup"), "0::/" + "d/".repeat(5000) + "\n", 2);
        ProcFiles files = new ProcFiles(proc);

        long allocated = allocatedBy(() -> {
            files.cgroup(42);
            files.cgroup(43);
            return files.cgroup(44);
        });

        assertThat(files.cgroup(42)).isEmpty();
        assertThat(files.cgroup(43)).isEmpty();
        assertThat(files.cgroup(44)).isEmpty();
        assertThat(files.rejections().counts()).containsOnlyKeys("cgroup/line_bytes", "cgroup/steps", "cgroup/read_bytes");
        assertThat(allocated).as("bytes allocated reading three hostile cgroup files").isLessThan(1 << 20);
    }

    @Test
    void aProcessWhoseMapsAreRefusedSaysSoToTheSymbolizer() throws IOException {
        noNewline(process(42, 1000).resolve("maps"), 1 << 20);
        ProcessTable table = new ProcessTable(proc);

        table.sampled(42);

        assertThat(table.process(42).orElseThrow().mapsRefused()).isTrue();
        assertThat(table.rejections()).containsExactly(Map.entry("proc_maps/line_bytes", 1L));
    }
}
