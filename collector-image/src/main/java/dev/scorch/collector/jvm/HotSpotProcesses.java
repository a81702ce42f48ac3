package dev.scorch.collector.jvm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Which processes are HotSpot JVMs: those that map HotSpot's {@code libjvm.so}, read once per pid (bounded, least recent out). */
final class HotSpotProcesses {

    private static final int MAX_TRACKED = 4096;
    private static final int MAX_MAPS_BYTES = 4 << 20;

    private final Path procRoot;
    private final Map<Integer, Boolean> known = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    HotSpotProcesses(Path procRoot) {
        this.procRoot = procRoot;
    }

    /** Whether process {@code pid} maps {@code libjvm.so}. Not thread-safe: the caller holds its lock. */
    boolean isHotSpot(int pid) {
        return known.computeIfAbsent(pid, p -> mapsLibJvm(procRoot.resolve(p + "/maps")));
    }

    private static boolean mapsLibJvm(Path maps) {
        try (InputStream in = Files.newInputStream(maps)) {
            String text = new String(in.readNBytes(MAX_MAPS_BYTES), StandardCharsets.UTF_8);
            return text.contains("/libjvm.so\n") || text.contains("/libjvm.so (deleted)\n");
        } catch (IOException e) {
            return false;
        }
    }
}
