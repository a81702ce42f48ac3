package dev.scorch.collector.residency;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives back the pages of the Java runtime's own files that the JVM touched to start and no longer
 * uses: {@code libjvm.so}'s text (17 MiB resident after start-up, about 12 in use later) and the
 * module image's (about 2 MiB, not read again once the classes are loaded), measured in
 * docs/benchmarks.md. The kernel maps a 64 KiB window around every page a fault touches, so
 * start-up leaves most of these files resident for the process's life though they are clean
 * copies of the page cache; {@code madvise(MADV_DONTNEED)} unmaps them from this process, and a
 * page still in use is mapped again from the page cache at its next touch.
 *
 * <p>Only a mapping that cannot lose data is given back: a file under the runtime's home
 * ({@code java.home}), mapped for the JVM's whole life (its libraries and module image, never
 * unloaded), without write permission and without a privately modified page. The class-data
 * archive is left alone: its pages hold the pointers the JVM rewrote when it mapped it.
 */
public final class RuntimeFilePages {

    private static final System.Logger LOG = System.getLogger(RuntimeFilePages.class.getName());
    private static final int MADV_DONTNEED = 4;
    private static final MethodHandle MADVISE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("madvise").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    /** One mapping to give back: [start, limit). */
    record Range(long start, long limit) {}

    private RuntimeFilePages() {}

    /**
     * Gives the pages back after {@code first}, then every {@code every}, on a virtual thread for
     * the process's life.
     */
    public static void releaseAfter(Duration first, Duration every) {
        Thread.ofVirtual().name("scorch-runtime-pages").start(() -> {
            try {
                Thread.sleep(first);
                while (true) {
                    release();
                    Thread.sleep(every);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Gives the pages back now; returns the bytes of the mappings given back. */
    public static long release() {
        List<Range> ranges;
        try {
            ranges = releasable(Files.readString(Path.of("/proc/self/smaps")), System.getProperty("java.home"));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read /proc/self/smaps to give back the runtime''s start-up pages: {0}", e.toString());
            return 0;
        }
        long bytes = 0;
        for (Range range : ranges) {
            try {
                if ((int) MADVISE.invokeExact(range.start(), range.limit() - range.start(), MADV_DONTNEED) == 0) {
                    bytes += range.limit() - range.start();
                }
            } catch (Throwable e) {
                LOG.log(Level.WARNING, "cannot give back the runtime''s start-up pages: {0}", e.toString());
                return bytes;
            }
        }
        LOG.log(Level.DEBUG, "gave back the pages of {0} KiB of the runtime''s file mappings", Long.toString(bytes >> 10));
        return bytes;
    }

    /** The mappings of {@code smaps} (as /proc/self/smaps reads) that {@link #release} may give back. */
    static List<Range> releasable(String smaps, String javaHome) {
        String home = javaHome.endsWith("/") ? javaHome : javaHome + "/";
        List<Range> ranges = new ArrayList<>();
        Range candidate = null;
        for (String line : smaps.split("\n")) {
            if (isMappingLine(line)) {
                String[] f = line.trim().split("\\s+", 6);
                String path = f.length == 6 ? f[5] : "";
                boolean fits = f[1].startsWith("r") && f[1].charAt(1) == '-' && path.startsWith(home) && !path.endsWith(".jsa");
                int dash = line.indexOf('-');
                candidate = fits
                        ? new Range(Long.parseUnsignedLong(line, 0, dash, 16), Long.parseUnsignedLong(line, dash + 1, line.indexOf(' '), 16))
                        : null;
            } else if (candidate != null && line.startsWith("Private_Dirty:")) {
                if (line.substring("Private_Dirty:".length()).trim().equals("0 kB")) {
                    ranges.add(candidate);
                }
                candidate = null;
            }
        }
        return ranges;
    }

    /** A mapping's first line starts with its lowercase hex start address; its fields start with a capital. */
    private static boolean isMappingLine(String line) {
        if (line.isEmpty()) {
            return false;
        }
        char c = line.charAt(0);
        int dash = line.indexOf('-');
        return ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) && dash > 0 && line.indexOf(' ') > dash;
    }
}
