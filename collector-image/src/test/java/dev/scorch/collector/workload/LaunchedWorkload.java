package dev.scorch.collector.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Test workloads that say on their standard output when they are ready to be measured. */
public final class LaunchedWorkload {

    private LaunchedWorkload() {}

    /**
     * Starts the single-file Java program {@code source} with the test's own JDK (source launch, no
     * profiling flag unless {@code jvmOptions} has one), in the source's directory.
     */
    public static Process javaSource(Path source, List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.add(source.toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(source.getParent().toFile()).redirectErrorStream(true).start();
    }

    /**
     * Waits until {@code workload} prints the line {@code ready}, skipping any other line (a JVM's
     * thread dump on another profiler's SIGQUIT, for one); fails when it exits or takes longer
     * than {@code timeout}.
     */
    public static void awaitLine(Process workload, String ready, Duration timeout) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(workload.getInputStream()));
        CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.equals(ready)) {
                        return line;
                    }
                }
                return "exited";
            } catch (IOException e) {
                return e.toString();
            }
        });
        assertThat(seen.get(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("line of the workload, pid %d", workload.pid()).isEqualTo(ready);
    }
}
