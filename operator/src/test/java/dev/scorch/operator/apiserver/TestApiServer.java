package dev.scorch.operator.apiserver;

import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The shared tier-3 control plane (etcd + kube-apiserver, RBAC on) with the committed CRD installed. */
public final class TestApiServer {
    static final Path CRD = Path.of("..", "crds", "profilingpolicies.scorch.dev-v1.yml");

    private static boolean crdInstalled;

    private TestApiServer() {}

    /** The control plane; skips (or fails, in CI) through the tier guard when binaries are missing. */
    public static synchronized ControlPlane controlPlane() {
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        if (!crdInstalled) {
            installCrd(controlPlane.adminClient());
            crdInstalled = true;
        }
        return controlPlane;
    }

    static void installCrd(KubernetesClient client) {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .load(CRD.toFile()).fieldManager("scorch-test").forceConflicts().serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).waitUntilCondition(
                c -> c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus().getConditions().stream()
                        .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")),
                30, TimeUnit.SECONDS);
    }
}
