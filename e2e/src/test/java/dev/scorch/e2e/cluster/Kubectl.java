package dev.scorch.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code kubectl} of the test binaries against one kubeconfig: the tool a cluster admin
 * installs Scorch with, so {@code apply -k deploy/} runs exactly as the README says.
 */
public record Kubectl(Path binary, Path kubeconfig) {

    /** Runs {@code kubectl <arguments>} and returns its stdout; fails with stderr when it exits non-zero. */
    public String run(String... arguments) {
        return runWithInput(null, arguments);
    }

    /** Runs {@code kubectl <arguments>} with {@code stdin} as its input (for {@code apply -f -}). */
    public String runWithInput(String stdin, String... arguments) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig=" + kubeconfig));
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).start();
            if (stdin != null) {
                process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            var stdout = process.getInputStream().readAllBytes();
            var stderr = process.getErrorStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl " + String.join(" ", arguments) + " did not finish in 120s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("kubectl " + String.join(" ", arguments) + " failed ("
                        + process.exitValue() + "): " + new String(stderr, StandardCharsets.UTF_8));
            }
            return new String(stdout, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running kubectl", e);
        }
    }
}
