package dev.scorch.collector.workload;

import dev.scorch.testenv.Tier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ground-truth workloads: C programs under {@code src/test/c}, compiled by the test with frame
 * pointers and without inlining (so every sampled function shows up in the callchain), non-PIE
 * so {@code nm} addresses are the runtime addresses.
 */
public final class CWorkloads {

    private static final Path SOURCES = Path.of("src/test/c");
    private static final Path BUILD = Path.of("target/workloads");

    private CWorkloads() {}

    /** Compiles {@code <name>.c} (once per build) and returns the executable. */
    public static Path compile(String name) {
        return compile(name, List.of("-O1", "-fno-omit-frame-pointer", "-fno-inline", "-no-pie"));
    }

    /** Compiles {@code <name>.c} with {@code flags} (once per build) and returns the executable. */
    public static synchronized Path compile(String name, List<String> flags) {
        Tier.REAL_KERNEL.require(Files.isExecutable(Path.of("/usr/bin/gcc")),
                "gcc is not installed; the ground-truth workloads are C programs (apt-get install -y gcc)");
        Path source = SOURCES.resolve(name + ".c");
        Path binary = BUILD.resolve(name);
        try {
            if (Files.exists(binary) && Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) > 0) {
                return binary.toAbsolutePath();
            }
            Files.createDirectories(BUILD);
            List<String> command = new ArrayList<>(List.of("gcc"));
            command.addAll(flags);
            command.addAll(List.of("-o", binary.toString(), source.toString()));
            run(command);
            return binary.toAbsolutePath();
        } catch (IOException e) {
            throw new IllegalStateException("cannot compile " + source, e);
        }
    }

    /** Address range [start, end) of every defined text symbol, from {@code nm -S}. */
    public static Map<String, long[]> textSymbols(Path binary) {
        String out = run(List.of("nm", "-S", "--defined-only", binary.toString()));
        Map<String, long[]> symbols = new TreeMap<>();
        Pattern line = Pattern.compile("^([0-9a-f]+) ([0-9a-f]+) [tT] (\\S+)$");
        for (String l : out.lines().toList()) {
            Matcher m = line.matcher(l);
            if (m.matches()) {
                long start = Long.parseUnsignedLong(m.group(1), 16);
                symbols.put(m.group(3), new long[] {start, start + Long.parseUnsignedLong(m.group(2), 16)});
            }
        }
        return symbols;
    }

    /** Parses {@code key=<number>} pairs from a workload's output. */
    public static Map<String, Long> figures(String output) {
        Map<String, Long> figures = new TreeMap<>();
        Matcher m = Pattern.compile("(\\w+)=(-?\\d+)").matcher(output);
        while (m.find()) {
            figures.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return figures;
    }

    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
