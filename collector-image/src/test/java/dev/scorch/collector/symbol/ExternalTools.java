package dev.scorch.collector.symbol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Test fixture: runs the real tools (go, nm, cc) that give the ground truth our parsers are checked against. */
public final class ExternalTools {

    private ExternalTools() {}

    /** The Go toolchain: $SCORCH_GO, /usr/local/go/bin/go, or go on the PATH. */
    public static Optional<Path> go() {
        return dev.scorch.testenv.GoToolchain.go();
    }

    public static Optional<Path> onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return Optional.of(Path.of(dir, tool));
            }
        }
        return Optional.empty();
    }

    /** Runs a command in {@code dir}, returns its stdout; fails with its output when it fails. */
    public static String run(Path dir, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("GOFLAGS", "-mod=mod");
        builder.environment().put("GOTOOLCHAIN", "local");
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + process.exitValue() + ":\n" + text);
        }
        return text;
    }

    /** The value of a defined symbol per {@code nm} (dynamic table when {@code dynamic}). */
    public static long nmAddress(Path object, String symbol, boolean dynamic) throws IOException, InterruptedException {
        String out = dynamic ? run(object.getParent(), "nm", "-D", "--defined-only", object.toString())
                : run(object.getParent(), "nm", "--defined-only", object.toString());
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && (f[2].equals(symbol) || f[2].startsWith(symbol + "@"))) {
                return Long.parseUnsignedLong(f[0], 16);
            }
        }
        throw new AssertionError(symbol + " not found by nm in " + object);
    }
}
