package dev.scorch.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Operator configuration ({@code scorch.*} in application.properties or SCORCH_* environment variables). */
@ConfigMapping(prefix = "scorch")
public interface OperatorConfig {

    /** The install namespace: collectors, their config and Secrets live here. */
    @WithDefault("scorch-system")
    String namespace();

    /** The collector image used when a policy names none; the build sets it to the matching release. */
    String collectorImage();

    /** Exposes the configuration as plain {@link OperatorSettings} to the reconciler. */
    @Singleton
    class Producer {
        @Produces
        @Singleton
        OperatorSettings settings(OperatorConfig config) {
            return new OperatorSettings(config.namespace(), config.collectorImage());
        }
    }
}
