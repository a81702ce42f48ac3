package dev.scorch.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The CRD committed under crds/ is the one the API classes generate. The build fails when it is
 * stale; {@code -Dscorch.crd.update=true} rewrites it. Tier 3: the descriptions of embedded
 * Kubernetes types come from a real API server's OpenAPI document.
 */
class CommittedCrdTest {
    static final Path COMMITTED = Path.of("..", "crds", ProfilingPolicyCrd.FILE_NAME);
    private static final Path API_SOURCES = Path.of("src/main/java/dev/scorch/operator/api/v1alpha1");

    @Test
    void committedCrdMatchesTheApiClasses() throws Exception {
        KubernetesClient kubernetes = ControlPlane.shared(ControlPlane.Options.apiServerOnly()).adminClient();
        String generated = ProfilingPolicyCrd.generate(API_SOURCES, KubernetesOpenApi.of(kubernetes));
        if (Boolean.getBoolean("scorch.crd.update")) {
            Files.writeString(COMMITTED, generated, StandardCharsets.UTF_8);
        }
        assertThat(COMMITTED).exists();
        assertThat(Files.readString(COMMITTED, StandardCharsets.UTF_8))
                .as("%s is stale: regenerate it with ./mvnw -pl operator test -Dtest=CommittedCrdTest"
                        + " -Dscorch.crd.update=true and commit it", COMMITTED.normalize())
                .isEqualTo(generated);
    }
}
