package dev.scorch.testenv;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The {@code workloads/gopprof} Go service (net/http/pprof with every allocation, contention and
 * blocking event recorded), built once per test JVM by the real Go toolchain and run on a loopback
 * port, by the test itself or as a pod's container ({@link #attach}). Its control endpoints make it
 * allocate, burn CPU, leak goroutines and contend on a mutex on request, in functions named
 * {@code main.scorch*}.
 */
public final class GoPprofProgram implements AutoCloseable {

    private static Path binary;

    /** Null when someone else runs the program (a pod's container). */
    private final Process process;
    private final URI base;
    private final HttpClient client = HttpClient.newHttpClient();

    private GoPprofProgram(Process process, URI base) {
        this.process = process;
        this.base = base;
    }

    /** Builds the program (once) and starts it on a free loopback port. */
    public static GoPprofProgram start(Tier tier) throws Exception {
        return start(tier, 0);
    }

    /** Starts the program again on {@code port}, as a restarted pod comes back on its address. */
    public static GoPprofProgram restartOn(Tier tier, int port) throws Exception {
        return start(tier, port);
    }

    /** Starts the program with {@code launcher}, e.g. inside a cgroup, on a free loopback port. */
    public static GoPprofProgram start(Tier tier, Launcher launcher) throws Exception {
        return start(tier, 0, launcher);
    }

    /** Controls a program someone else started (a pod's container) listening at {@code base}; closing it leaves the program running. */
    public static GoPprofProgram attach(URI base) {
        return new GoPprofProgram(null, base);
    }

    /** The command line that runs the program listening on {@code address} (host:port), as a pod's container. */
    public static List<String> command(Tier tier, String address) throws Exception {
        return List.of(binary(tier).toString(), "-addr", address);
    }

    /** Starts a command line. */
    public interface Launcher {
        Process start(List<String> command) throws IOException;
    }

    private static GoPprofProgram start(Tier tier, int port) throws Exception {
        return start(tier, port, command -> new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    }

    private static GoPprofProgram start(Tier tier, int port, Launcher launcher) throws Exception {
        Path built = binary(tier);
        Path portFile = Files.createTempDirectory("scorch-gopprof-run").resolve("port");
        Process process = launcher.start(List.of(built.toString(), "-addr", "127.0.0.1:" + port, "-port-file", portFile.toString()));
        for (int i = 0; i < 500 && !Files.exists(portFile); i++) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gopprof exited with " + process.exitValue());
            }
            Thread.sleep(20);
        }
        if (!Files.exists(portFile)) {
            process.destroyForcibly();
            throw new IllegalStateException("gopprof did not start listening within 10 s");
        }
        return new GoPprofProgram(process, URI.create("http://127.0.0.1:" + Files.readString(portFile).strip()));
    }

    /** The built binary, for tests that run it their own way (in a cgroup, in a pod). */
    public static synchronized Path binary(Tier tier) throws Exception {
        if (binary != null) {
            return binary;
        }
        Optional<Path> go = GoToolchain.go();
        tier.require(go.isPresent(), "the Go toolchain builds the gopprof workload: install Go (1.22+) or set SCORCH_GO");
        Path dir = Files.createTempDirectory("scorch-gopprof");
        for (String name : new String[] {"main.go", "go.mod"}) {
            try (InputStream in = GoPprofProgram.class.getResourceAsStream("/workloads/gopprof/" + name)) {
                Files.copy(in, dir.resolve(name));
            }
        }
        ProcessBuilder build = new ProcessBuilder(go.get().toString(), "build", "-o", "gopprof", ".")
                .directory(dir.toFile()).redirectErrorStream(true);
        build.environment().put("GOFLAGS", "-mod=mod");
        build.environment().put("GOTOOLCHAIN", "local");
        build.environment().put("CGO_ENABLED", "0");
        Process process = build.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("go build of gopprof failed:\n" + output);
        }
        binary = dir.resolve("gopprof");
        return binary;
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI base() {
        return base;
    }


    /** Allocates {@code count} objects of {@code size} bytes in main.scorchAllocate and finishes two GCs. */
    public void allocate(int count, int size) throws IOException, InterruptedException {
        call("/alloc?count=" + count + "&size=" + size);
    }

    /** Starts {@code count} goroutines that block forever in main.scorchLeak. */
    public void leakGoroutines(int count) throws IOException, InterruptedException {
        call("/leak?count=" + count);
    }

    /** Makes four goroutines contend on one mutex in main.scorchContend, {@code rounds} times each. */
    public void contend(int rounds) throws IOException, InterruptedException {
        call("/contend?rounds=" + rounds);
    }

    /** Burns one CPU in main.scorchBurn for {@code seconds}, in the background. */
    public void burn(int seconds) throws IOException, InterruptedException {
        call("/burn?seconds=" + seconds);
    }

    private void call(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(pathAndQuery + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    @Override
    public void close() throws InterruptedException {
        client.close();
        if (process != null) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
