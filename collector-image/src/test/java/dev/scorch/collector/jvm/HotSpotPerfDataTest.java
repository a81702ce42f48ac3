package dev.scorch.collector.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.workload.TestJvms;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a real JVM's performance data file says of its attach mechanism, and what a hostile one cannot do. */
class HotSpotPerfDataTest {

    private static final Path PROC = Path.of("/proc");

    @RegisterExtension
    final TestJvms jvms = new TestJvms();

    @Test
    void aJvmWithItsAttachMechanismSaysEnabled() throws Exception {
        CpuWideSampling.require();
        Process jvm = jvms.idle();

        assertThat(HotSpotPerfData.attach(PROC, (int) jvm.pid())).isEqualTo(HotSpotPerfData.Attach.ENABLED);
    }

    @Test
    void aJvmRunWithDisableAttachMechanismSaysDisabled() throws Exception {
        CpuWideSampling.require();
        Process jvm = jvms.idle("-XX:+DisableAttachMechanism");

        assertThat(HotSpotPerfData.attach(PROC, (int) jvm.pid())).isEqualTo(HotSpotPerfData.Attach.DISABLED);
    }

    @Test
    void aJvmWithoutPerformanceDataSaysNothing() throws Exception {
        CpuWideSampling.require();
        Process jvm = jvms.idle("-XX:-UsePerfData", "-XX:+DisableAttachMechanism");

        assertThat(HotSpotPerfData.attach(PROC, (int) jvm.pid())).isEqualTo(HotSpotPerfData.Attach.UNKNOWN);
    }

    @Test
    void aProcessThatIsNoJvmSaysNothing() {
        assertThat(HotSpotPerfData.attach(PROC, (int) ProcessHandle.current().pid() + 1_000_000)).isEqualTo(HotSpotPerfData.Attach.UNKNOWN);
    }

    @Test
    void truncatedCorruptedOrRandomFilesSayNothingAndNeverThrow() throws Exception {
        CpuWideSampling.require();
        Process jvm = jvms.idle();
        byte[] real = Files.readAllBytes(perfDataFile(jvm));
        Random random = new Random(14);
        for (int i = 0; i < 2000; i++) {
            byte[] hostile = real.clone();
            if (i % 3 == 0) {
                hostile = java.util.Arrays.copyOf(hostile, random.nextInt(real.length));
            }
            for (int flips = 0; flips < 1 + random.nextInt(8) && hostile.length > 0; flips++) {
                // The prologue and the first entries' headers, where lengths and offsets are.
                hostile[random.nextInt(Math.min(hostile.length, 1200))] = (byte) random.nextInt();
            }
            HotSpotPerfData.Attach said = HotSpotPerfData.parse(ByteBuffer.wrap(hostile));
            assertThat(said).isNotNull();
        }
        byte[] noise = new byte[4096];
        random.nextBytes(noise);
        assertThat(HotSpotPerfData.parse(ByteBuffer.wrap(noise))).isEqualTo(HotSpotPerfData.Attach.UNKNOWN);
        assertThat(HotSpotPerfData.parse(ByteBuffer.wrap(real))).isEqualTo(HotSpotPerfData.Attach.ENABLED);
    }

    private static Path perfDataFile(Process jvm) throws Exception {
        try (var files = Files.list(Path.of("/tmp"))) {
            return files.filter(dir -> dir.getFileName().toString().startsWith("hsperfdata_"))
                    .map(dir -> dir.resolve(Long.toString(jvm.pid()))).filter(Files::isRegularFile).findFirst().orElseThrow();
        }
    }
}
