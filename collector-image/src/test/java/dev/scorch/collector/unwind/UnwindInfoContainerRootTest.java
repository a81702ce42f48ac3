package dev.scorch.collector.unwind;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.MappedObjects;
import dev.scorch.collector.symbol.PerfMapWriter;
import dev.scorch.collector.symbol.PlantedContainerRoot;
import dev.scorch.collector.symbol.Symbolizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unwinder reaches a container's binaries the way the symbolizer does, through one shared
 * {@link MappedObjects}: inside a fake {@code /proc/<pid>/root}, a binary path that is an absolute
 * or {@code ..} symlink to a host binary gives no unwind information (the host file is never read),
 * and a binary inside the root is opened and parsed once for both readers.
 */
class UnwindInfoContainerRootTest {

    private static final long START = 0x10000000L;

    @TempDir
    Path dir;

    private PlantedContainerRoot container;
    private Path hostLibc;
    private MappedObjects objectFiles;
    private UnwindInfoCache unwindInfo;

    @BeforeEach
    void fakeContainer() throws Exception {
        container = new PlantedContainerRoot(dir);
        hostLibc = PlantedContainerRoot.hostLibc();
        objectFiles = new MappedObjects(container.proc(), Path.of("/"));
        unwindInfo = new UnwindInfoCache(objectFiles, UnwindInfoCache.Settings.defaults(), false);
    }

    private Mapping mapping(String pathInRoot, Path file) throws Exception {
        return new Mapping(START, START + 0x200000, 0, pathInRoot, (Long) Files.getAttribute(file, "unix:ino"), true);
    }

    private ObjectUnwindInfo unwindInfoOf(Mapping mapping) {
        return unwindInfo.forMapping(container.process(mapping), mapping);
    }

    @Test
    void anAbsoluteSymlinkToAHostBinaryGivesNoUnwindInformation() throws Exception {
        container.link("/app/server", hostLibc);

        assertThat(unwindInfoOf(mapping("/app/server", hostLibc))).as("the host's %s must not be read", hostLibc).isNull();
        assertThat(objectFiles.parsed()).isZero();
    }

    @Test
    void aDotDotSymlinkCannotClimbOutOfTheContainerRoot() throws Exception {
        container.climbingLink("/app/server", hostLibc);

        assertThat(unwindInfoOf(mapping("/app/server", hostLibc))).isNull();
        assertThat(objectFiles.parsed()).isZero();
    }

    @Test
    void aBinaryInsideTheRootIsOpenedAndParsedOnceForUnwindingAndSymbols() throws Exception {
        Path copy = Files.copy(hostLibc, container.file("/app/libc-copy.so"));
        Mapping inside = mapping("/app/libc-copy.so", copy);
        Symbolizer symbolizer = new Symbolizer(container.symbolizerSettings(), PerfMapWriter.NONE, objectFiles);

        ObjectUnwindInfo info = unwindInfoOf(inside);
        boolean named = symbolizer.forMapping(container.process(inside), inside, PerfMapWriter.Round.NONE).symbolize(START + 0x30000, false).resolved();

        assertThat(info).isNotNull();
        assertThat(info.hasCallFrameInformation()).isTrue();
        assertThat(named).isTrue();
        assertThat(objectFiles.parsed()).as("header parses of the one object file").isEqualTo(1);
    }
}
