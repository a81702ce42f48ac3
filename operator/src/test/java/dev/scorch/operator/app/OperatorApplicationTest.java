package dev.scorch.operator.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.operator.Policies;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Tier 3: the packaged Quarkus operator (CDI wiring, configuration, leader election, metrics,
 * health) against a real API server, authenticated as its ServiceAccount with deploy/'s RBAC.
 */
@QuarkusTest
@QuarkusTestResource(value = ControlPlaneResource.class, restrictToAnnotatedClass = true)
class OperatorApplicationTest {
    @TestHTTPResource("/")
    URI root;

    @Test
    void operatorTakesTheLeaseReconcilesAndServesHealthAndMetrics() throws Exception {
        KubernetesClient admin = ControlPlaneResource.controlPlane.adminClient();
        admin.resource(Policies.parse("packaged", """
                export:
                  backends: [{name: parca, parca: {address: 'parca.monitoring:7070', insecure: true}}]
                """)).create();

        await(() -> admin.apps().daemonSets().inNamespace("scorch-system").withName("scorch-collector").get() != null);
        DaemonSet ds = admin.apps().daemonSets().inNamespace("scorch-system").withName("scorch-collector").get();
        assertThat(ds.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage())
                .isEqualTo("scorch-collector:app-test");
        assertThat(admin.leases().inNamespace("scorch-system").withName("scorch-operator").get().getSpec()
                .getHolderIdentity()).isNotBlank();

        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(root.resolve("/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes", "operator_sdk_");
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(root.resolve("/q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
