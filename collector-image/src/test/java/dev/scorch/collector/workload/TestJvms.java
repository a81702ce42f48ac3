package dev.scorch.collector.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.process.ProcessTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The JVMs a test starts, ended by {@link #close()} with everything they leave behind: HotSpot
 * keeps its attach socket {@code /tmp/.java_pid<pid>} and its perf map when killed, and a stale
 * socket at a pid the kernel hands out again makes a later JVM there look like one whose listener
 * never answers. Tests register one as an extension field ({@code @RegisterExtension}), which
 * closes it after each test.
 */
public final class TestJvms implements AutoCloseable, AfterEachCallback {

    private static final Path PROC = Path.of("/proc");
    private static final Duration STARTUP = Duration.ofSeconds(180);
    private static final String IDLE = """
            public class Idle {
                public static void main(String[] args) throws Exception {
                    System.out.println("ready");
                    Thread.sleep(600_000);
                }
            }
            """;

    private final List<Process> started = new ArrayList<>();
    private final List<Path> directories = new ArrayList<>();

    /** A JVM of the test's own JDK that idles once it has started, with {@code options} and no perf map yet. */
    public Process idle(String... options) throws Exception {
        Path dir = directory("scorch-idle-jvm");
        Files.writeString(dir.resolve("Idle.java"), IDLE);
        return start(dir.resolve("Idle.java"), List.of(options), "ready");
    }

    /**
     * Starts the single-file program {@code source} ({@link LaunchedWorkload#javaSource}) and waits
     * for its line {@code ready}; a perf map left at its pid by an earlier process is removed.
     */
    public Process start(Path source, List<String> options, String ready, String... args) throws Exception {
        Process jvm = LaunchedWorkload.javaSource(source, options, args);
        started.add(jvm);
        LaunchedWorkload.awaitLine(jvm, ready, STARTUP);
        Files.deleteIfExists(perfMap(jvm));
        return jvm;
    }

    /** A fresh directory for a test's sources, removed with the JVMs. */
    public Path directory(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        directories.add(dir);
        return dir;
    }

    /** The JVM as the collector's process table knows it once it has sampled it. */
    public static ProcessSnapshot sampled(Process jvm) {
        ProcessTable processes = ProcessTable.ofThisHost();
        processes.sampled((int) jvm.pid());
        return processes.process((int) jvm.pid()).orElseThrow();
    }

    /** Where the JVM writes its perf map ({@code /tmp/perf-<pid>.map}: the test runs in the host's namespaces). */
    public static Path perfMap(Process jvm) {
        return Path.of("/tmp/perf-" + jvm.pid() + ".map");
    }

    /** Its attach socket ({@code /tmp/.java_pid<pid>}). */
    public static Path attachSocket(Process jvm) {
        return Path.of("/tmp/.java_pid" + jvm.pid());
    }

    /**
     * Stops {@code jvm} with SIGSTOP (as a JVM starved on a busy host or frozen by its cgroup looks
     * to the attach mechanism) and waits until the kernel shows it stopped, so no answer races the test.
     */
    public static void stop(Process jvm) throws Exception {
        signal(jvm, "STOP");
        while (!Files.readString(PROC.resolve(jvm.pid() + "/stat")).contains(") T ")) {
            Thread.sleep(20);
        }
    }

    /** Lets a stopped JVM run again. */
    public static void resume(Process jvm) throws Exception {
        signal(jvm, "CONT");
    }

    private static void signal(Process jvm, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(jvm.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        close();
    }

    /** Kills every JVM started and removes its attach socket, attach trigger and perf map, and the test's directories. */
    @Override
    public void close() throws Exception {
        for (Process jvm : started) {
            jvm.destroyForcibly();
            jvm.waitFor(30, TimeUnit.SECONDS);
            Files.deleteIfExists(perfMap(jvm));
            Files.deleteIfExists(attachSocket(jvm));
            Files.deleteIfExists(Path.of("/tmp/.attach_pid" + jvm.pid()));
        }
        started.clear();
        for (Path dir : directories) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> {
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        directories.clear();
    }
}
