package dev.scorch.collector.sampling;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The online CPUs, from the kernel's CPU list format ({@code 0-3,8,10-11}). */
public final class OnlineCpus {

    static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");

    private OnlineCpus() {}

    public static List<Integer> read() {
        try {
            return parse(Files.readString(ONLINE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the online CPUs from " + ONLINE, e);
        }
    }

    /** Parses a CPU list such as {@code 0-3,8}; blank means none. */
    public static List<Integer> parse(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : list.strip().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            try {
                int first = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
                int last = dash < 0 ? first : Integer.parseInt(part.substring(dash + 1));
                if (first < 0 || last < first || last - first > 65_536) {
                    throw new IllegalArgumentException("bad CPU range '" + part + "' in '" + list.strip() + "'");
                }
                for (int cpu = first; cpu <= last; cpu++) {
                    cpus.add(cpu);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad CPU list '" + list.strip() + "'", e);
            }
        }
        return cpus;
    }
}
