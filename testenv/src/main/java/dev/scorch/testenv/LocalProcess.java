package dev.scorch.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process of the test JVM (etcd, kube-apiserver, kwok, ...) whose output goes to a log
 * file, and which dies when it is closed or, at the latest, when the JVM exits normally.
 *
 * <p>A JVM killed with SIGKILL cannot clean up; the children then outlive it. They listen on
 * loopback ports chosen at random and write only under their own temporary directory, so a
 * leftover never disturbs the next run.
 */
public final class LocalProcess implements AutoCloseable {

    private static final Set<LocalProcess> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Duration GRACE = Duration.ofSeconds(5);

    static {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> RUNNING.forEach(LocalProcess::close)));
    }

    private final String name;
    private final Process process;
    private final Path log;

    private LocalProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} with {@code environment} added to the JVM's, writing stdout and
     * stderr to {@code log}.
     */
    public static LocalProcess start(String name, List<String> command, Map<String, String> environment, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        try {
            LocalProcess started = new LocalProcess(name, builder.start(), log);
            RUNNING.add(started);
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " (" + command.getFirst() + ")", e);
        }
    }

    public static LocalProcess start(String name, List<String> command, Path log) {
        return start(name, command, Map.of(), log);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** The last {@code lines} lines of the log, for error messages that say why a start failed. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log " + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    /** Fails with the log's tail when the process has exited, e.g. on a bad flag or a taken port. */
    public void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with code " + process.exitValue() + "; last log lines of "
                    + log + ":\n" + logTail(30));
        }
    }

    /**
     * Sends SIGTERM and waits up to {@code timeout} for the process to exit, as a kubelet does for
     * its grace period; leaves it running (for {@link #close}) when it does not exit in time.
     *
     * @return the exit code, or empty when the process was still running after {@code timeout}
     */
    public java.util.OptionalInt terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
    }

    /** SIGTERM, then SIGKILL after a grace period; waits until the process is gone. */
    @Override
    public void close() {
        RUNNING.remove(this);
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Closes {@code processes} last-started first, so servers outlive their clients. */
    static void closeAll(List<LocalProcess> processes) {
        processes.reversed().forEach(LocalProcess::close);
    }
}
