package dev.scorch.collector.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the collector's command line in this JVM and keeps what it printed, for tests of the CLI. */
final class CapturedCommandLine {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs {@code args} as {@code scorch-collector} with every command. */
    int run(String... args) {
        return run(new Main("scorch-collector", Main.COMMANDS), List.of(args));
    }

    /** Runs {@code args} through {@code main} (a chosen program name or commands). */
    int run(Main main, List<String> args) {
        return main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
