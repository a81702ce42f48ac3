package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.Policies;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicyStatus;
import dev.scorch.operator.reconciler.ProfilingPolicyReconciler;
import dev.scorch.testenv.AuditEvent;
import dev.scorch.testenv.AuditLog;
import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The reconciler running in-process (plain java-operator-sdk, no Quarkus) against a test control
 * plane, as the operator's own ServiceAccount with exactly the RBAC of deploy/: a JUnit extension
 * that starts it once per test class and stops it after, registered as a static field
 * ({@code @RegisterExtension static final OperatorUnderTest operator = OperatorUnderTest.onApiServer();}).
 *
 * <p>Tests read the cluster through it: the admin client, the shared collector objects and their
 * {@code collector.json}, the policies' status, the operator's own writes from the audit log and the
 * reconciles it finished per policy, so a test can tell a reconcile happened.
 */
final class OperatorUnderTest implements BeforeAllCallback, AfterAllCallback {
    static final String NAMESPACE = "scorch-system";
    static final String SERVICE_ACCOUNT = "scorch-operator";
    /** The operator's user name in the audit log. */
    static final String USER = "system:serviceaccount:" + NAMESPACE + ":" + SERVICE_ACCOUNT;
    static final OperatorSettings SETTINGS = new OperatorSettings(NAMESPACE, "scorch-collector:test");
    /** The first wait before a refused policy is tried again: short, so a test sees the retry. */
    static final Duration REFUSAL_RETRY = Duration.ofSeconds(2);
    /** A backend for policies whose backend does not matter to the test. */
    static final String PARCA = """
            export:
              backends: [{name: parca, parca: {address: 'parca.monitoring:7070', insecure: true}}]
            """;
    private static final String COLLECTOR = "scorch-collector";

    private final ControlPlane.Options options;
    private final Map<String, AtomicInteger> reconciles = new ConcurrentHashMap<>();
    private ControlPlane controlPlane;
    private KubernetesClient admin;
    private Operator operator;

    private OperatorUnderTest(ControlPlane.Options options) {
        this.options = options;
    }

    /** On a bare API server (no controllers) whose audit log records every write. */
    static OperatorUnderTest onApiServer() {
        return new OperatorUnderTest(ControlPlane.Options.apiServerOnly().auditedBy(AuditLog.WRITES_POLICY));
    }

    /** On tier 4's control plane, with kube-controller-manager (garbage collection) and the scheduler. */
    static OperatorUnderTest withControllers() {
        return new OperatorUnderTest(ControlPlane.Options.withControllers());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        controlPlane = ControlPlane.shared(options);
        admin = controlPlane.adminClient();
        DeployManifests.install(admin);
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (operator != null) {
            operator.stop();
        }
    }

    /** Installs deploy/ (all but the operator Deployment) and starts the operator as its ServiceAccount. */
    private void start() {
        KubernetesClient asOperator = controlPlane.clientAsServiceAccount(NAMESPACE, SERVICE_ACCOUNT);
        Metrics counting = new Metrics() {
            @Override
            public void finishedReconciliation(HasMetadata policy, Map<String, Object> metadata) {
                reconciles.computeIfAbsent(policy.getMetadata().getName(), name -> new AtomicInteger()).incrementAndGet();
            }
        };
        operator = new Operator(o -> o.withKubernetesClient(asOperator).withCloseClientOnStop(false).withMetrics(counting));
        operator.register(new ProfilingPolicyReconciler(SETTINGS, Clock.systemUTC(), REFUSAL_RETRY));
        operator.start();
    }

    /** Stops the operator and starts a new one: empty caches, a full list of everything. */
    void restart() {
        operator.stop();
        start();
    }

    ControlPlane controlPlane() {
        return controlPlane;
    }

    KubernetesClient admin() {
        return admin;
    }

    /** How many reconciles of {@code policy} the operator finished, restarts included. */
    int reconciles(String policy) {
        AtomicInteger count = reconciles.get(policy);
        return count == null ? 0 : count.get();
    }

    /** Creates the policy {@code name} with {@code specYaml} as the admin. */
    ProfilingPolicy create(String name, String specYaml) {
        return admin.resource(Policies.parse(name, specYaml)).create();
    }

    /** Replaces the spec of the policy {@code name} with {@code specYaml}, as the admin. */
    void edit(String name, String specYaml) {
        admin.resources(ProfilingPolicy.class).withName(name).edit(p -> Policies.parse(name, specYaml));
    }

    void delete(String policy) {
        admin.resources(ProfilingPolicy.class).withName(policy).delete();
    }

    ProfilingPolicy policy(String name) {
        return admin.resources(ProfilingPolicy.class).withName(name).get();
    }

    /** The status of {@code name}, failing the assertion while it has none. */
    ProfilingPolicyStatus status(String name) {
        ProfilingPolicy policy = policy(name);
        assertThat(policy.getStatus()).as("status of %s", name).isNotNull();
        return policy.getStatus();
    }

    /** The shared collector DaemonSet, or null. */
    DaemonSet daemonSet() {
        return admin.apps().daemonSets().inNamespace(NAMESPACE).withName(COLLECTOR).get();
    }

    /** The shared collector ConfigMap, or null. */
    ConfigMap configMap() {
        return admin.configMaps().inNamespace(NAMESPACE).withName(COLLECTOR).get();
    }

    /** Whether collector.json has a section for {@code policy}: the collectors serve it. */
    boolean served(String policy) {
        ConfigMap config = configMap();
        return config != null && sectionIn(config, policy) != null;
    }

    /** The section of collector.json for {@code policy}. */
    JsonNode section(String policy) {
        JsonNode section = sectionIn(configMap(), policy);
        if (section == null) {
            throw new AssertionError("collector.json has no section " + policy);
        }
        return section;
    }

    private static JsonNode sectionIn(ConfigMap config, String policy) {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(config.getData().get("collector.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (JsonNode section : json.path("policies")) {
            if (section.path("name").asText().equals(policy)) {
                return section;
            }
        }
        return null;
    }

    /** How many writes the operator made (lease renewals aside), from the audit log. */
    long writes() {
        return AuditLog.writesBy(controlPlane.auditLog(), USER);
    }

    /** The operator's writes since {@code from} to {@code resource} (and {@code subresource}, null for none). */
    List<AuditEvent> writesSince(Instant from, String resource, String subresource) {
        return writesSince(from).stream()
                .filter(event -> resource.equals(event.resource()) && Objects.equals(subresource, event.subresource()))
                .toList();
    }

    /** The operator's writes since {@code from}, lease renewals included. */
    List<AuditEvent> writesSince(Instant from) {
        return AuditLog.read(controlPlane.auditLog()).stream()
                .filter(event -> USER.equals(event.effectiveUser()) && event.isWrite())
                .filter(event -> !event.received().isBefore(from))
                .toList();
    }
}
