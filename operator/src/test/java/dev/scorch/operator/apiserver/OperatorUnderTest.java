package dev.scorch.operator.apiserver;

import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.reconciler.ProfilingPolicyReconciler;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.TestBinaries;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

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
        installDeploy(controlPlane.adminClient());
        KubernetesClient asOperator = controlPlane.clientAsServiceAccount(NAMESPACE, SERVICE_ACCOUNT);
        Operator operator = new Operator(o -> o.withKubernetesClient(asOperator).withCloseClientOnStop(false));
        operator.register(new ProfilingPolicyReconciler(SETTINGS, Clock.systemUTC(), RECHECK_INVALID));
        operator.start();
        return new OperatorUnderTest(operator);
    }

    /** kubectl kustomize deploy/, applied with server-side apply; the Deployment needs an image, so not it. */
    static void installDeploy(KubernetesClient admin) {
        List<HasMetadata> objects = admin.load(new ByteArrayInputStream(
                kustomize(Path.of("..", "deploy")).getBytes(StandardCharsets.UTF_8))).items();
        for (HasMetadata object : objects) {
            if (!object.getKind().equals("Deployment")) {
                admin.resource(object).fieldManager("scorch-test").forceConflicts().serverSideApply();
            }
        }
        TestApiServer.installCrd(admin);
    }

    private static String kustomize(Path directory) {
        try {
            Process kubectl = new ProcessBuilder(TestBinaries.fromEnvironment().kubectl().toString(),
                    "kustomize", directory.toString()).redirectErrorStream(true).start();
            String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kubectl.waitFor() != 0) {
                throw new IllegalStateException("kubectl kustomize " + directory + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("could not run kubectl kustomize " + directory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        operator.stop();
    }
}
