package dev.scorch.collector.kubernetes;

import dev.scorch.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The collectors' ServiceAccount in a test control plane with exactly the RBAC the install
 * manifests give it: {@code deploy/namespace.yaml} and {@code deploy/collector-rbac.yaml} applied
 * as they are (ServiceAccount {@code scorch-collector} and its bindings). The client authenticates
 * with a real token of that ServiceAccount (TokenRequest API).
 */
public final class CollectorServiceAccount {

    public static final String NAMESPACE = "scorch-system";
    public static final String NAME = "scorch-collector";
    private static final Path DEPLOY = Path.of("..", "deploy");

    private CollectorServiceAccount() {}

    /** Installs (idempotently) the namespace, ServiceAccount and RBAC; returns a client acting as the collector. */
    public static ApiServer create(ControlPlane controlPlane) throws KubernetesException {
        KubernetesClient admin = controlPlane.adminClient();
        for (String manifest : List.of("namespace.yaml", "collector-rbac.yaml")) {
            try (InputStream in = Files.newInputStream(DEPLOY.resolve(manifest))) {
                admin.load(in).serverSideApply();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + DEPLOY.resolve(manifest), e);
            }
        }
        namespaceWithDefaultAccount(admin, NAMESPACE, Map.of());
        String token = controlPlane.serviceAccountToken(NAMESPACE, NAME);
        return new ApiServer(URI.create(controlPlane.url()),
                ApiServer.trusting(controlPlane.certificateAuthorityPem().getBytes(StandardCharsets.UTF_8)), () -> token);
    }

    /**
     * A namespace with its {@code default} ServiceAccount, which pods need; no controller manager
     * runs at tier 3 to create it.
     */
    public static void namespaceWithDefaultAccount(KubernetesClient admin, String namespace, Map<String, String> labels) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).withLabels(labels).endMetadata().build())
                .serverSideApply();
        admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("default").endMetadata().build()).serverSideApply();
    }
}
