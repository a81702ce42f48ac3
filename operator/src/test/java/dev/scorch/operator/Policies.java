package dev.scorch.operator;

import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Policies for tests: the examples of examples/ and inline YAML. */
public final class Policies {
    public static final OperatorSettings SETTINGS = new OperatorSettings("scorch-system", "scorch-collector:test");

    private Policies() {}

    /** examples/<file>, with a uid and generation as the API server would set them. */
    public static ProfilingPolicy example(String file) {
        try {
            return withIdentity(Serialization.unmarshal(
                    Files.readString(Path.of("..", "examples", file)), ProfilingPolicy.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A policy named {@code name} whose spec is {@code specYaml} (indented by the caller's text block). */
    public static ProfilingPolicy parse(String name, String specYaml) {
        String yaml = "apiVersion: scorch.dev/v1alpha1\nkind: ProfilingPolicy\nmetadata:\n  name: " + name
                + "\nspec:\n  " + specYaml.strip().replace("\n", "\n  ") + "\n";
        return withIdentity(Serialization.unmarshal(yaml, ProfilingPolicy.class));
    }

    private static ProfilingPolicy withIdentity(ProfilingPolicy policy) {
        policy.getMetadata().setUid("0d9e7c52-1d7b-4f3e-9a51-6f2b5c1a0001");
        policy.getMetadata().setGeneration(1L);
        return policy;
    }
}
