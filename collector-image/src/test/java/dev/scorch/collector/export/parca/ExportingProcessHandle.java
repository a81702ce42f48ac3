package dev.scorch.collector.export.parca;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Starts {@link ExportingProcess} in a child JVM and talks to it over its stdin and stdout. */
final class ExportingProcessHandle implements AutoCloseable {

    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    ExportingProcessHandle(Path spoolRoot, String parcaAddress, int boundInRecords, Path log) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            process = new ProcessBuilder(List.of(java, "-Xmx64m", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"),
                    ExportingProcess.class.getName(), spoolRoot.toString(), parcaAddress, Integer.toString(boundInRecords)))
                    .redirectError(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the exporting JVM", e);
        }
        commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread.ofVirtual().start(() -> {
            try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process died; expect() reports it
            }
        });
        expect(line -> line.startsWith("READY"), Duration.ofSeconds(60));
    }

    String offer(int firstSeq, int count, Duration interval) {
        commands.println("offer " + firstSeq + " " + count + " " + interval.toMillis());
        return expect(line -> line.equals("OFFERED " + (firstSeq + count - 1)), Duration.ofSeconds(120));
    }

    Map<String, String> health() {
        commands.println("health");
        String line = expect(l -> l.startsWith("HEALTH "), Duration.ofSeconds(30));
        Map<String, String> fields = new HashMap<>();
        for (String pair : line.substring("HEALTH ".length()).split(" ")) {
            int eq = pair.indexOf('=');
            fields.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return fields;
    }

    long healthValue(String field) {
        return Long.parseLong(health().get(field));
    }

    /** SIGKILL: no shutdown hook, no close, nothing flushed beyond what is already on disk. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    private String expect(Predicate<String> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                String line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line != null && wanted.test(line)) {
                    return line;
                }
                if (line == null && !process.isAlive()) {
                    throw new AssertionError("exporting JVM exited with " + process.exitValue());
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("exporting JVM did not answer within " + timeout);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        commands.close();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            kill();
        }
    }
}
