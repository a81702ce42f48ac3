package dev.scorch.e2e.workload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A native workload whose profile has one known hot function, compiled from
 * {@code hot-loop.c} by the test itself (gcc, frame pointers kept, symbols kept) so a profile of
 * it can be checked by name.
 *
 * @param binary the compiled program; run it with {@link #command(int, int)}
 * @param hotFunction the function that takes nearly all of the program's CPU time
 */
public record HotLoopProgram(Path binary, String hotFunction) {

    /** Whether a C compiler is on the PATH, for a tier guard. */
    public static boolean compilerAvailable() {
        return Files.isExecutable(Path.of("/usr/bin/cc")) || Files.isExecutable(Path.of("/usr/bin/gcc"));
    }

    /** Compiles the workload into {@code directory} with {@code hotFunction} as its hot function's name. */
    public static HotLoopProgram compile(Path directory, String hotFunction) {
        if (!hotFunction.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("not a C identifier: " + hotFunction);
        }
        try {
            Path source = directory.resolve("hot-loop.c");
            if (!Files.exists(source)) {
                try (InputStream in = HotLoopProgram.class.getResourceAsStream("hot-loop.c")) {
                    Files.copy(in, source);
                }
            }
            Path binary = directory.resolve(hotFunction);
            Path log = directory.resolve(hotFunction + ".cc.log");
            Process cc = new ProcessBuilder(
                            "cc", "-O1", "-g", "-fno-omit-frame-pointer", "-fno-inline",
                            "-DHOT_FUNCTION=" + hotFunction, "-o", binary.toString(), source.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
                throw new IllegalStateException("cc failed for " + source + ": " + Files.readString(log));
            }
            return new HotLoopProgram(binary, hotFunction);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compile the hot-loop workload in " + directory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while compiling the hot-loop workload", e);
        }
    }

    /**
     * The command line that runs the workload, busy for {@code busyMillis} of every
     * {@code periodMillis} so two workloads and a collector share two cores with the build.
     */
    public List<String> command(int busyMillis, int periodMillis) {
        return List.of(binary.toString(), Integer.toString(busyMillis), Integer.toString(periodMillis));
    }
}
