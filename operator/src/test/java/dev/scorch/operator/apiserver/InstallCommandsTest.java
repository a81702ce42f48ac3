package dev.scorch.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.TestBinaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tier 3: the install commands of docs/operator.md work as written, with the real kubectl. */
class InstallCommandsTest {

    /** Runs the real kubectl from the repository root against {@code controlPlane}; fails on a non-zero exit. */
    static String kubectl(ControlPlane controlPlane, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(TestBinaries.fromEnvironment().kubectl().toString(),
                "--kubeconfig", controlPlane.kubeconfig().toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(new java.io.File("..")).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("kubectl %s:%n%s", String.join(" ", args), output).isZero();
        return output;
    }

    @Test
    void kubectlApplyKustomizeInstallsScorchAndEveryExampleIsAccepted() throws Exception {
        ControlPlane controlPlane = TestApiServer.controlPlane();

        String installed = kubectl(controlPlane, "apply", "-k", "deploy/");
        assertThat(installed).contains("customresourcedefinition.apiextensions.k8s.io/profilingpolicies.scorch.dev",
                "deployment.apps/scorch-operator", "namespace/scorch-system");

        String examples = kubectl(controlPlane, "apply", "--dry-run=server", "-f", "examples/");
        assertThat(examples.lines().filter(l -> l.contains("profilingpolicy.scorch.dev/"))).hasSize(6);
        kubectl(controlPlane, "apply", "-f", "examples/minimal-parca.yaml");
        try {
            assertThat(kubectl(controlPlane, "get", "pp", "everything").lines().findFirst().orElseThrow())
                    .matches("NAME\\s+DESIRED\\s+READY\\s+COLLECTING\\s+STATUS\\s+LAST EXPORT\\s+AGE");
        } finally {
            kubectl(controlPlane, "delete", "-f", "examples/minimal-parca.yaml");
        }
    }
}
