package dev.scorch.collector.residency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.residency.RuntimeFilePages.Range;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Only clean, read-only mappings of the runtime's own files are given back, never the class-data
 * archive's rewritten pages, a written page, anonymous memory or another file; and giving them back
 * leaves the JVM running with fewer of them resident.
 */
class RuntimeFilePagesTest {

    private static final String HOME = "/opt/java";

    @Test
    void givesBackCleanReadOnlyMappingsOfTheRuntimesFilesOnly() {
        String smaps = mapping("7f0000000000-7f0000100000 r-xp 002e3000 fe:00 11 /opt/java/lib/server/libjvm.so", 0)
                + mapping("7f0000100000-7f0000200000 r--p 01680000 fe:00 11 /opt/java/lib/server/libjvm.so", 940)
                + mapping("7f0000200000-7f0000210000 rw-p 0176b000 fe:00 11 /opt/java/lib/server/libjvm.so", 0)
                + mapping("7f0000300000-7f0000400000 r--p 00000000 fe:00 12 /opt/java/lib/modules", 0)
                + mapping("0000000031001000-00000000318cb000 r--p 00000000 fe:00 13 /opt/java/lib/server/classes.jsa", 0)
                + mapping("7f0000500000-7f0000600000 r-xp 00000000 fe:00 14 /usr/lib/x86_64-linux-gnu/libc.so.6", 0)
                + mapping("7f0000600000-7f0000700000 r--p 00000000 00:00 0 ", 0)
                + mapping("7f0000700000-7f0000800000 r--p 00000000 fe:00 15 /opt/javaother/lib/libx.so", 0);

        assertThat(RuntimeFilePages.releasable(smaps, HOME)).containsExactly(
                new Range(0x7f0000000000L, 0x7f0000100000L), new Range(0x7f0000300000L, 0x7f0000400000L));
    }

    @Test
    void thisJvmRunsOnWithFewerOfItsRuntimePagesResident() throws Exception {
        long before = resident("libjvm.so");

        assertThat(RuntimeFilePages.release()).isPositive();
        // The JVM's own code runs on: a full collection maps back the pages it needs from the page cache.
        System.gc();

        assertThat(resident("libjvm.so")).isLessThan(before);
    }

    private static String mapping(String first, int privateDirtyKb) {
        return first + "\nSize:               1024 kB\nRss:                 512 kB\nAnonHugePages:         0 kB\n"
                + "Private_Clean:       512 kB\nPrivate_Dirty:       " + privateDirtyKb + " kB\nVmFlags: rd ex mr mw me\n";
    }

    /** KiB resident in this process's mappings whose path ends with {@code name}. */
    private static long resident(String name) throws Exception {
        long kib = 0;
        boolean counting = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (!line.isEmpty() && (Character.isLowerCase(line.charAt(0)) || Character.isDigit(line.charAt(0)))) {
                counting = line.endsWith(name);
            } else if (counting && line.startsWith("Rss:")) {
                kib += Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return kib;
    }
}
