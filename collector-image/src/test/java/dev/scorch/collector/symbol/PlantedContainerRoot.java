package dev.scorch.collector.symbol;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.process.ProcessSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Test fixture: a container as the collector sees it from the host, {@code <dir>/proc/<pid>/root},
 * with symlinks planted inside that point at host files (absolute, or climbing out with {@code ..}),
 * for the tests that prove container files are opened inside their own root.
 */
public final class PlantedContainerRoot {

    /** The contained process's host pid. */
    public static final int PID = 4242;

    private final Path proc;
    private final Path root;

    public PlantedContainerRoot(Path dir) throws IOException {
        proc = dir.resolve("proc");
        root = Files.createDirectories(proc.resolve(PID + "/root"));
    }

    /** The fake {@code /proc} that holds the container's root. */
    public Path proc() {
        return proc;
    }

    /** The file at {@code pathInRoot} (an absolute path inside the container), its directories created. */
    public Path file(String pathInRoot) throws IOException {
        Path file = root.resolve(pathInRoot.substring(1));
        Files.createDirectories(file.getParent());
        return file;
    }

    /** Plants {@code pathInRoot} as a symlink to {@code target}, taken as it is (absolute paths are the container's own). */
    public void link(String pathInRoot, Path target) throws IOException {
        Files.createSymbolicLink(file(pathInRoot), target);
    }

    /** Plants {@code pathInRoot} as a relative symlink with more {@code ..} than the root is deep, then the host file's path. */
    public void climbingLink(String pathInRoot, Path hostFile) throws IOException {
        link(pathInRoot, Path.of("../".repeat(root.getNameCount() + 2) + hostFile.toAbsolutePath().toString().substring(1)));
    }

    /** The symbolizer's default settings, reading {@code /proc} from this fixture. */
    public Symbolizer.Settings symbolizerSettings() {
        Symbolizer.Settings defaults = Symbolizer.Settings.defaults();
        return new Symbolizer.Settings(proc, defaults.hostRoot(), defaults.kallsyms(), defaults.kernelNotes(), defaults.cacheBytes(),
                defaults.negativeTtl(), defaults.kernelRefresh());
    }

    /** The contained process, mapping {@code mappings}, in the host's pid namespace. */
    public ProcessSnapshot process(Mapping... mappings) {
        return process(PID, mappings);
    }

    /** The contained process, with {@code namespacePid} as its pid inside the container, mapping {@code mappings}. */
    public ProcessSnapshot process(int namespacePid, Mapping... mappings) {
        return new Contained(namespacePid, List.of(mappings));
    }

    /** This JVM's libc, a host binary with symbols and call-frame information, by its real path. */
    public static Path hostLibc() throws IOException {
        return Path.of(ProcMaps.of(ProcessHandle.current().pid()).base("/libc.so.6").path()).toRealPath();
    }

    private record Contained(int namespacePid, List<Mapping> mappings) implements ProcessSnapshot {
        @Override
        public int pid() {
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
}
