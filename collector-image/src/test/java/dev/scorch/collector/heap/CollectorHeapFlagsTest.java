package dev.scorch.collector.heap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The flags of {@code jvm.options} make the one full GC the heap ceiling asks for give the heap
 * back: a JVM started with them, whose old generation grew to about 30 MiB and then holds about 5,
 * commits at most its live set plus a tenth and the young generation after one {@code System.gc()}.
 * With the JVM's defaults it would keep all of it ({@code ShrinkHeapInSteps} gives nothing back at
 * the first full GC, and up to 70 % may stay free).
 */
class CollectorHeapFlagsTest {

    private static final long MIB = 1 << 20;
    /** {@code -XX:MaxNewSize=8m}: the young generation, which a full GC leaves committed. */
    private static final long YOUNG_GENERATION = 8 * MIB;

    @Test
    void oneFullGcShrinksTheHeapToItsLiveSetWithTheCollectorsFlags() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path options = Path.of("jvm.options").toAbsolutePath();
        Process probe = new ProcessBuilder(java.toString(), "@" + options, "-cp", System.getProperty("java.class.path"),
                ShrinkingHeapProbe.class.getName()).redirectErrorStream(true).start();
        List<String> output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("probe exited: %s", output).isTrue();
        assertThat(probe.exitValue()).as("probe's output: %s", output).isZero();

        String[] bytes = output.getFirst().split(" ");
        long before = Long.parseLong(bytes[0]);
        long after = Long.parseLong(bytes[1]);
        long used = Long.parseLong(bytes[2]);

        assertThat(before).as("committed before the full GC").isGreaterThan(30 * MIB);
        assertThat(after).as("committed after the full GC, %d bytes in use", used).isLessThanOrEqualTo(used + used / 9 + YOUNG_GENERATION + MIB);
    }
}
