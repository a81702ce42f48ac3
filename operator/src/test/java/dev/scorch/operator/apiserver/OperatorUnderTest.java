package dev.scorch.operator.apiserver;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.reconciler.ProfilingPolicyReconciler;
import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;

/**
 * The reconciler running in-process (plain java-operator-sdk, no Quarkus) against a test control
 * plane, as the operator's own ServiceAccount with exactly the RBAC of deploy/.
 */
final class OperatorUnderTest implements AutoCloseable {
    static final String NAMESPACE = "scorch-system";
    static final String SERVICE_ACCOUNT = "scorch-operator";
    static final OperatorSettings SETTINGS = new OperatorSettings(NAMESPACE, "scorch-collector:test");
    /** Short, so a test that fixes a missing Secret sees the recheck quickly. */
    static final Duration RECHECK_INVALID = Duration.ofSeconds(2);

    private final Operator operator;

    private OperatorUnderTest(Operator operator) {
        this.operator = operator;
    }

    /** Installs deploy/ (all but the operator Deployment) and starts the operator as its ServiceAccount. */
    static OperatorUnderTest start(ControlPlane controlPlane) {
        DeployManifests.install(controlPlane.adminClient());
        KubernetesClient asOperator = controlPlane.clientAsServiceAccount(NAMESPACE, SERVICE_ACCOUNT);
        Operator operator = new Operator(o -> o.withKubernetesClient(asOperator).withCloseClientOnStop(false));
        operator.register(new ProfilingPolicyReconciler(SETTINGS, Clock.systemUTC(), RECHECK_INVALID));
        operator.start();
        return new OperatorUnderTest(operator);
    }

    @Override
    public void close() {
        operator.stop();
    }
}
