package dev.scorch.operator.app;

import dev.scorch.testenv.ControlPlane;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * A control plane of its own for the packaged operator, with deploy/ installed; the operator
 * authenticates with a real token of its ServiceAccount, as it would in a cluster.
 */
public class ControlPlaneResource implements QuarkusTestResourceLifecycleManager {
    static ControlPlane controlPlane;

    @Override
    public Map<String, String> start() {
        controlPlane = ControlPlane.start(ControlPlane.Options.apiServerOnly());
        dev.scorch.operator.apiserver.DeployManifests.install(controlPlane.adminClient());
        return Map.of(
                "quarkus.kubernetes-client.api-server-url", controlPlane.url(),
                "quarkus.kubernetes-client.token", controlPlane.serviceAccountToken("scorch-system", "scorch-operator"),
                "quarkus.kubernetes-client.ca-cert-data", Base64.getEncoder().encodeToString(
                        controlPlane.certificateAuthorityPem().getBytes(StandardCharsets.UTF_8)),
                "quarkus.kubernetes-client.namespace", "scorch-system",
                "scorch.collector-image", "scorch-collector:app-test",
                "scorch.leader-election.exit-on-lost-lease", "false");
    }

    @Override
    public void stop() {
        if (controlPlane != null) {
            controlPlane.close();
        }
    }
}
