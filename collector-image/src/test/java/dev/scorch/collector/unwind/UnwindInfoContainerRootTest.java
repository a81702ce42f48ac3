package dev.scorch.collector.unwind;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.symbol.MappedObjects;
import dev.scorch.collector.symbol.PerfMapWriter;
import dev.scorch.collector.symbol.ProcMaps;
import dev.scorch.collector.symbol.Symbolizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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

    private static final int PID = 4242;
    private static final long START = 0x10000000L;

    @TempDir
    Path dir;

    private Path proc;
    private Path root;
    private Path hostLibc;
    private MappedObjects objectFiles;
    private UnwindInfoCache unwindInfo;

    private record Snapshot(List<Mapping> mappings) implements ProcessSnapshot {
        @Override
        public int pid() {
            return PID;
        }

        @Override
        public int namespacePid() {
            return PID;
        }

        @Override
        public boolean exited() {
            return false;
        }

        @Override
        public String command() {
            return "contained";
        }

        @Override
        public Optional<Mapping> mappingAt(long address) {
            return mappings.stream().filter(m -> m.contains(address)).findFirst();
        }
    }

    @BeforeEach
    void fakeContainer() throws Exception {
        proc = dir.resolve("proc");
        root = Files.createDirectories(proc.resolve(PID + "/root"));
        Files.createDirectories(root.resolve("app"));
        hostLibc = Path.of(ProcMaps.of(ProcessHandle.current().pid()).base("/libc.so.6").path()).toRealPath();
        objectFiles = new MappedObjects(proc, Path.of("/"));
        unwindInfo = new UnwindInfoCache(objectFiles, UnwindInfoCache.Settings.defaults(), false);
    }

    private Mapping mapping(String pathInRoot, Path file) throws Exception {
        return new Mapping(START, START + 0x200000, 0, pathInRoot, (Long) Files.getAttribute(file, "unix:ino"), true);
    }

    private ObjectUnwindInfo unwindInfoOf(Mapping mapping) {
        return unwindInfo.forMapping(new Snapshot(List.of(mapping)), mapping);
    }

    @Test
    void anAbsoluteSymlinkToAHostBinaryGivesNoUnwindInformation() throws Exception {
        Files.createSymbolicLink(root.resolve("app/server"), hostLibc);

        assertThat(unwindInfoOf(mapping("/app/server", hostLibc))).as("the host's %s must not be read", hostLibc).isNull();
        assertThat(objectFiles.parsed()).isZero();
    }

    @Test
    void aDotDotSymlinkCannotClimbOutOfTheContainerRoot() throws Exception {
        Path climb = Path.of("../".repeat(root.getNameCount() + 2) + hostLibc.toString().substring(1));
        Files.createSymbolicLink(root.resolve("app/server"), climb);

        assertThat(unwindInfoOf(mapping("/app/server", hostLibc))).isNull();
        assertThat(objectFiles.parsed()).isZero();
    }

    @Test
    void aBinaryInsideTheRootIsOpenedAndParsedOnceForUnwindingAndSymbols() throws Exception {
        Path copy = Files.copy(hostLibc, root.resolve("app/libc-copy.so"));
        Mapping inside = mapping("/app/libc-copy.so", copy);
        Symbolizer.Settings defaults = Symbolizer.Settings.defaults();
        Symbolizer symbolizer = new Symbolizer(new Symbolizer.Settings(proc, defaults.hostRoot(), defaults.kallsyms(), defaults.kernelNotes(),
                defaults.cacheBytes(), defaults.negativeTtl(), defaults.kernelRefresh()), PerfMapWriter.NONE, objectFiles);

        ObjectUnwindInfo info = unwindInfoOf(inside);
        boolean named = symbolizer.forMapping(new Snapshot(List.of(inside)), inside).symbolize(START + 0x30000, false).resolved();

        assertThat(info).isNotNull();
        assertThat(info.hasCallFrameInformation()).isTrue();
        assertThat(named).isTrue();
        assertThat(objectFiles.parsed()).as("header parses of the one object file").isEqualTo(1);
    }
}
