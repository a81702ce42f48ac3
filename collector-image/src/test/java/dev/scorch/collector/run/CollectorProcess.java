package dev.scorch.collector.run;

import dev.scorch.collector.kubernetes.CollectorServiceAccount;
import dev.scorch.testenv.ControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The collector's {@code run} as a process of its own, as the image runs it, so a test can send it
 * SIGTERM: it authenticates to the test control plane with the collector's ServiceAccount token
 * and logs to {@code <dir>/collector.log}.
 */
final class CollectorProcess {

    private CollectorProcess() {}

    static Process start(ControlPlane controlPlane, Path dir, Path config, String node) throws IOException {
        Path token = Files.writeString(dir.resolve("token"),
                controlPlane.serviceAccountToken(CollectorServiceAccount.NAMESPACE, CollectorServiceAccount.NAME));
        Path ca = Files.writeString(dir.resolve("ca.crt"), controlPlane.certificateAuthorityPem());
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.scorch.collector.cli.Main",
                "run", "--config", config.toString(), "--api-server", controlPlane.url(), "--api-server-ca", ca.toString(),
                "--token-file", token.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("collector.log").toFile());
        builder.environment().put("SCORCH_NODE_NAME", node);
        return builder.start();
    }
}
