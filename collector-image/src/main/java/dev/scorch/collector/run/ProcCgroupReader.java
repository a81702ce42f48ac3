package dev.scorch.collector.run;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads {@code <proc>/<pid>/cgroup}, bounded: a real file is a few hundred bytes. */
public final class ProcCgroupReader {

    static final int MAX_BYTES = 16 * 1024;

    private final Path procRoot;

    /** @param procRoot the host's {@code /proc} (the collector runs with hostPID) */
    public ProcCgroupReader(Path procRoot) {
        this.procRoot = procRoot;
    }

    /** The cgroup file's content, or empty when the process is gone or the file is unreadable. */
    public Optional<String> read(int pid) {
        try (InputStream in = Files.newInputStream(procRoot.resolve(Integer.toString(pid)).resolve("cgroup"))) {
            return Optional.of(new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
