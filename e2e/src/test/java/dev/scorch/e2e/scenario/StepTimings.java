package dev.scorch.e2e.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** How long each observed step of the scenario took, printed at the end and written to a report file. */
final class StepTimings {

    private final Map<String, Duration> steps = new LinkedHashMap<>();

    void record(String step, Duration took) {
        steps.put(step, took);
        System.out.printf("e2e timing: %s: %.1f s%n", step, took.toMillis() / 1000.0);
    }

    /** A Markdown table of the steps, for docs/benchmarks.md. */
    String table() {
        StringBuilder table = new StringBuilder("| step | seconds |\n|---|---|\n");
        steps.forEach((step, took) -> table.append(String.format("| %s | %.1f |%n", step, took.toMillis() / 1000.0)));
        return table.toString();
    }

    void writeTo(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, table());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
