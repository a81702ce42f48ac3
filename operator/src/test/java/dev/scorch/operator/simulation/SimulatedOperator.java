package dev.scorch.operator.simulation;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.reconciler.ProfilingPolicyReconciler;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.Kustomization;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The reconciler in-process (plain java-operator-sdk) against a simulated cluster, authenticated
 * with a real token of its ServiceAccount, so deploy/'s RBAC is exactly what it has.
 */
final class SimulatedOperator implements AutoCloseable {

    static final String NAMESPACE = "scorch-system";
    static final String SERVICE_ACCOUNT = "scorch-operator";
    private static final OperatorSettings SETTINGS = new OperatorSettings(NAMESPACE, "registry.invalid/scorch-collector:tier4");

    private final Operator operator;

    private SimulatedOperator(Operator operator) {
        this.operator = operator;
    }

    /** Installs deploy/ without the operator Deployment (it needs an image), then starts the reconciler. */
    static SimulatedOperator start(ControlPlane controlPlane) {
        Kustomization.apply(controlPlane.adminClient(), Path.of("..", "deploy"), object -> !"Deployment".equals(object.getKind()));
        KubernetesClient asOperator = controlPlane.clientWithServiceAccountToken(NAMESPACE, SERVICE_ACCOUNT);
        Operator operator = new Operator(o -> o.withKubernetesClient(asOperator).withCloseClientOnStop(false));
        operator.register(new ProfilingPolicyReconciler(SETTINGS, Clock.systemUTC(), ProfilingPolicyReconciler.FIRST_REFUSAL_RETRY));
        operator.start();
        return new SimulatedOperator(operator);
    }

    @Override
    public void close() {
        operator.stop();
    }
}
