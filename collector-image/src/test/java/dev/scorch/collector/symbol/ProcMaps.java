package dev.scorch.collector.symbol;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.process.ProcessSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Test fixture: a live process as the symbolizer sees it, read from {@code /proc/<pid>/maps}. (The
 * collector's own process table is fed by perf records; tests of symbolization only need maps.)
 */
public record ProcMaps(int pid, String command, List<Mapping> mappings) implements ProcessSnapshot {

    public static ProcMaps of(long pid) throws IOException {
        List<Mapping> mappings = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/maps"))) {
            String[] f = line.trim().split("\\s+", 6);
            String[] range = f[0].split("-");
            mappings.add(new Mapping(Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16), Long.parseUnsignedLong(f[2], 16),
                    f.length > 5 ? f[5] : "", Long.parseLong(f[4]), f[1].charAt(2) == 'x'));
        }
        String command = Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        return new ProcMaps((int) pid, command, mappings);
    }

    /** The mapping of {@code file} that starts at file offset 0 (the load base of a shared object). */
    public Mapping base(String fileNameSuffix) {
        return mappings.stream().filter(m -> m.path().endsWith(fileNameSuffix) && m.fileOffset() == 0).findFirst()
                .orElseThrow(() -> new AssertionError("no mapping of " + fileNameSuffix + " in pid " + pid));
    }

    @Override
    public int namespacePid() {
        return pid;
    }

    @Override
    public Optional<Mapping> mappingAt(long address) {
        return mappings.stream().filter(m -> m.contains(address)).findFirst();
    }

    @Override
    public boolean exited() {
        return false;
    }
}
