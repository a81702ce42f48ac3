package dev.scorch.bench.operator;

import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.LocalProcess;
import dev.scorch.testenv.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The operator as users run it: the packaged Quarkus application ({@code quarkus-run.jar}) in its
 * own JVM, authenticated with a real token of its ServiceAccount from {@code deploy/}, so its
 * requests are its own in the audit log and RBAC is exactly deploy/'s.
 */
final class PackagedOperator implements AutoCloseable {

    static final String NAMESPACE = "scorch-system";
    static final String SERVICE_ACCOUNT = "scorch-operator";
    static final String USER = "system:serviceaccount:" + NAMESPACE + ":" + SERVICE_ACCOUNT;

    private final LocalProcess process;
    private final URI metrics;

    private PackagedOperator(LocalProcess process, URI metrics) {
        this.process = process;
        this.metrics = metrics;
    }

    /** Starts {@code jar} with the JVM options {@code javaOptions} (e.g. the image's, which the benchmark passes). */
    static PackagedOperator start(ControlPlane controlPlane, Path jar, List<String> javaOptions) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " missing: build it with ./mvnw -pl operator -am package -DskipTests");
        }
        Path work = controlPlane.workDirectory();
        Path kubeconfig = controlPlane.writeKubeconfigWithToken(USER,
                controlPlane.serviceAccountToken(NAMESPACE, SERVICE_ACCOUNT), work.resolve("operator.kubeconfig"));
        int port = LoopbackPorts.free();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java));
        command.addAll(javaOptions);
        command.addAll(List.of("-jar", jar.toString()));
        LocalProcess process = LocalProcess.start("operator", command, Map.of(
                "KUBECONFIG", kubeconfig.toString(),
                "SCORCH_NAMESPACE", NAMESPACE,
                "POD_NAMESPACE", NAMESPACE,
                "SCORCH_COLLECTOR_IMAGE", "registry.invalid/scorch-collector:bench",
                "QUARKUS_HTTP_HOST", "127.0.0.1",
                "QUARKUS_HTTP_PORT", Integer.toString(port)),
                work.resolve("operator.log"));
        awaitReady(process, "http://127.0.0.1:" + port + "/q/health/ready");
        return new PackagedOperator(process, URI.create("http://127.0.0.1:" + port + "/q/metrics"));
    }

    private static void awaitReady(LocalProcess process, String url) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (true) {
                process.requireAlive();
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // Quarkus is still starting.
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("operator not ready at " + url + ":\n" + process.logTail(30));
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The sum of a Prometheus counter over all its series on the operator's /q/metrics, e.g.
     * java-operator-sdk's {@code operator_sdk_reconciliations_started_total}.
     */
    double counter(String name) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String text = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
            return text.lines()
                    .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                    .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .sum();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the operator's metrics at " + metrics, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The operator process's CPU time. */
    ProcessCpu cpu() {
        return ProcessCpu.of(process.pid());
    }

    @Override
    public void close() {
        process.close();
    }
}
