package dev.scorch.operator.apiserver;

import dev.scorch.testenv.TestBinaries;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** deploy/ as `kubectl apply -k deploy/` would install it, minus the operator Deployment (no image in tests). */
public final class DeployManifests {
    private DeployManifests() {}

    /** kubectl kustomize deploy/, applied with server-side apply; the Deployment needs an image, so not it. */
    public static void install(KubernetesClient admin) {
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

}
