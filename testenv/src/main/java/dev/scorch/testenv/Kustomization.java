package dev.scorch.testenv;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * A kustomization directory (such as the repository's {@code deploy/}) rendered by the real
 * {@code kubectl kustomize} and applied with server-side apply, as {@code kubectl apply -k} would.
 */
public final class Kustomization {

    private static final String FIELD_MANAGER = "scorch-testenv";

    private Kustomization() {
    }

    /** The objects {@code kubectl kustomize directory} renders. */
    public static List<HasMetadata> render(KubernetesClient client, Path directory) {
        TestBinaries binaries = TestBinaries.fromEnvironment();
        try {
            Process kubectl = new ProcessBuilder(binaries.kubectl().toString(), "kustomize", directory.toString())
                    .redirectErrorStream(false)
                    .start();
            byte[] out = kubectl.getInputStream().readAllBytes();
            String err = new String(kubectl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kubectl.waitFor() != 0) {
                throw new IllegalStateException("kubectl kustomize " + directory + " failed: " + err);
            }
            return client.load(new ByteArrayInputStream(out)).items();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + binaries.kubectl() + " kustomize " + directory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering " + directory, e);
        }
    }

    /**
     * Applies the objects of {@code directory} that {@code include} accepts, CRDs first, and waits
     * until every applied CRD is Established; returns what it applied.
     */
    public static List<HasMetadata> apply(KubernetesClient admin, Path directory, Predicate<HasMetadata> include) {
        List<HasMetadata> objects = render(admin, directory).stream().filter(include)
                .sorted((a, b) -> Boolean.compare(!(a instanceof CustomResourceDefinition), !(b instanceof CustomResourceDefinition)))
                .toList();
        for (HasMetadata object : objects) {
            admin.resource(object).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
            if (object instanceof CustomResourceDefinition crd) {
                awaitEstablished(admin, crd.getMetadata().getName());
            }
        }
        return objects;
    }

    private static void awaitEstablished(KubernetesClient admin, String name) {
        Await.until("CRD " + name + " Established", Duration.ofSeconds(30), () -> {
            CustomResourceDefinition crd = admin.apiextensions().v1().customResourceDefinitions().withName(name).get();
            boolean established = crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
                    && crd.getStatus().getConditions().stream()
                            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
            return established ? null : "not yet Established";
        });
    }
}
