package dev.scorch.operator.apiserver;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.reconciler.ProfilingPolicyReconciler;
import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reconciler running in-process (plain java-operator-sdk, no Quarkus) against a test control
 * plane, as the operator's own ServiceAccount with exactly the RBAC of deploy/. It counts the
 * reconciles it finishes per policy, so a test can tell a reconcile happened.
 */
final class OperatorUnderTest implements AutoCloseable {
    static final String NAMESPACE = "scorch-system";
    static final String SERVICE_ACCOUNT = "scorch-operator";
    static final OperatorSettings SETTINGS = new OperatorSettings(NAMESPACE, "scorch-collector:test");
    /** The first wait before a refused policy is tried again: short, so a test sees the retry. */
    static final Duration REFUSAL_RETRY = Duration.ofSeconds(2);

    private final Operator operator;
    private final Map<String, AtomicInteger> reconciles;

    private OperatorUnderTest(Operator operator, Map<String, AtomicInteger> reconciles) {
        this.operator = operator;
        this.reconciles = reconciles;
    }

    /** Installs deploy/ (all but the operator Deployment) and starts the operator as its ServiceAccount. */
    static OperatorUnderTest start(ControlPlane controlPlane) {
        DeployManifests.install(controlPlane.adminClient());
        KubernetesClient asOperator = controlPlane.clientAsServiceAccount(NAMESPACE, SERVICE_ACCOUNT);
        Map<String, AtomicInteger> reconciles = new ConcurrentHashMap<>();
        Metrics counting = new Metrics() {
            @Override
            public void finishedReconciliation(HasMetadata policy, Map<String, Object> metadata) {
                reconciles.computeIfAbsent(policy.getMetadata().getName(), name -> new AtomicInteger()).incrementAndGet();
            }
        };
        Operator operator = new Operator(o -> o.withKubernetesClient(asOperator).withCloseClientOnStop(false)
                .withMetrics(counting));
        operator.register(new ProfilingPolicyReconciler(SETTINGS, Clock.systemUTC(), REFUSAL_RETRY));
        operator.start();
        return new OperatorUnderTest(operator, reconciles);
    }

    /** How many reconciles of {@code policy} this operator finished. */
    int reconciles(String policy) {
        AtomicInteger count = reconciles.get(policy);
        return count == null ? 0 : count.get();
    }

    @Override
    public void close() {
        operator.stop();
    }
}
