package dev.scorch.collector.symbol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.Mapping;
import dev.scorch.testenv.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files a container names (perf maps, binaries by path) are opened inside the container's root: a
 * fake {@code /proc/<pid>/root} directory whose absolute symlinks point at host files yields those
 * paths inside the fake root, never the host's files.
 */
class ContainerRootTest {

    private static final long JIT_START = 0x7f0000000000L;

    @TempDir
    Path dir;

    private PlantedContainerRoot container;
    private Path hostFile;

    @BeforeEach
    void fakeContainer() throws Exception {
        container = new PlantedContainerRoot(dir);
        hostFile = Files.writeString(dir.resolve("host-secret.map"), "7f0000001000 100 HostOnlySecret\n");
    }

    private Symbolizer symbolizer() {
        return new Symbolizer(container.symbolizerSettings());
    }

    private Symbolization jitFrame(int namespacePid) {
        Mapping jit = new Mapping(JIT_START, JIT_START + 0x100000, 0, "", 0, true);
        return symbolizer().forMapping(container.process(namespacePid, jit), jit, PerfMapWriter.Round.NONE).symbolize(0x7f0000001010L, false);
    }

    @Test
    void anAbsolutePerfMapSymlinkToAHostFileResolvesInsideTheContainerAndFindsNothing() throws Exception {
        container.link("/tmp/perf-7.map", hostFile.toAbsolutePath());

        Symbolization frame = jitFrame(7);

        assertThat(frame.resolved()).as("the host file %s must not be read", hostFile).isFalse();
        assertThat(frame.miss()).isEqualTo(MissReason.ANONYMOUS_MEMORY);
    }

    @Test
    void anAbsolutePerfMapSymlinkResolvesAgainstTheContainerRoot() throws Exception {
        Files.writeString(container.file("/jit/map"), "7f0000001000 100 ContainerJit\n");
        container.link("/tmp/perf-8.map", Path.of("/jit/map"));

        Symbolization frame = jitFrame(8);

        assertThat(frame.resolved()).as("miss: %s", frame.miss()).isTrue();
        assertThat(frame.frames().get(0).function()).isEqualTo("ContainerJit");
    }

    @Test
    void aDotDotPerfMapSymlinkCannotClimbOutOfTheContainerRoot() throws Exception {
        container.climbingLink("/tmp/perf-9.map", hostFile);

        assertThat(jitFrame(9).resolved()).isFalse();
    }

    @Test
    void aBinaryPathSymlinkedToAHostBinaryIsNotOpenedOnTheHost() throws Exception {
        Tier.UNIT.require(ExternalTools.onPath("nm").isPresent(), "nm (binutils) gives the ground-truth addresses: apt-get install binutils");
        Path libc = PlantedContainerRoot.hostLibc();
        container.link("/app/server", libc);
        Path copy = Files.copy(libc, container.file("/app/libc-copy.so"));
        long getenv = ExternalTools.nmAddress(libc, "getenv", true);

        Mapping viaHostLink = new Mapping(0x10000000L, 0x20000000L, 0, "/app/server", (Long) Files.getAttribute(libc, "unix:ino"), true);
        Mapping inside = new Mapping(0x10000000L, 0x20000000L, 0, "/app/libc-copy.so", (Long) Files.getAttribute(copy, "unix:ino"), true);
        Symbolizer symbolizer = symbolizer();

        Symbolization escaped = symbolizer.forMapping(container.process(viaHostLink), viaHostLink, PerfMapWriter.Round.NONE)
                .symbolize(0x10000000L + getenv, false);
        Symbolization contained = symbolizer.forMapping(container.process(inside), inside, PerfMapWriter.Round.NONE).symbolize(0x10000000L + getenv, false);

        assertThat(escaped.miss()).isEqualTo(MissReason.FILE_UNREACHABLE);
        assertThat(contained.resolved()).as("miss: %s", contained.miss()).isTrue();
        assertThat(contained.frames().get(0).function()).isEqualTo("getenv");
    }
}
