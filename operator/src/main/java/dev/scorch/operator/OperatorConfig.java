package dev.scorch.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;

/** Operator configuration ({@code scorch.*} in application.properties or SCORCH_* environment variables). */
@ConfigMapping(prefix = "scorch")
public interface OperatorConfig {

    /** The install namespace: collectors, their config and Secrets live here. */
    @WithDefault("scorch-system")
    String namespace();

    /** The collector image ({@code SCORCH_COLLECTOR_IMAGE}); the build sets it to the matching release. */
    String collectorImage();

    /**
     * {@code capabilities} (unprivileged with the capabilities sampling needs, kernel 5.8 or later)
     * or {@code privileged} ({@code SCORCH_COLLECTOR_SECURITY_MODE}).
     */
    @WithDefault("capabilities")
    String collectorSecurityMode();

    /** CPU requested by each collector container ({@code SCORCH_COLLECTOR_CPU_REQUEST}). */
    @WithDefault("10m")
    String collectorCpuRequest();

    /** Memory requested by each collector container ({@code SCORCH_COLLECTOR_MEMORY_REQUEST}). */
    @WithDefault("64Mi")
    String collectorMemoryRequest();

    /** CPU limit of each collector container, none when unset ({@code SCORCH_COLLECTOR_CPU_LIMIT}). */
    Optional<String> collectorCpuLimit();

    /** Memory limit of each collector container ({@code SCORCH_COLLECTOR_MEMORY_LIMIT}). */
    @WithDefault("160Mi")
    String collectorMemoryLimit();

    /** Priority class of the collector pods, e.g. system-node-critical ({@code SCORCH_COLLECTOR_PRIORITY_CLASS_NAME}). */
    Optional<String> collectorPriorityClassName();

    /**
     * How often, at most, a collector refreshes its pod condition when nothing changed
     * ({@code SCORCH_COLLECTOR_STATUS_UPDATE_SECONDS}); changes are written at once regardless.
     */
    @WithDefault("" + OperatorSettings.DEFAULT_COLLECTOR_STATUS_UPDATE_SECONDS)
    int collectorStatusUpdateSeconds();

    /** Leader election settings. */
    LeaderElectionConfig leaderElection();

    /** Leader election settings ({@code scorch.leader-election.*}). */
    interface LeaderElectionConfig {
        /**
         * Whether a leader that loses its lease exits (and restarts as a follower). Only tests turn
         * it off, because they stop the API server under a running operator.
         */
        @WithDefault("true")
        boolean exitOnLostLease();
    }

    /** Exposes the configuration as plain {@link OperatorSettings} to the reconciler. */
    @Singleton
    class Producer {
        @Produces
        @Singleton
        OperatorSettings settings(OperatorConfig config) {
            return new OperatorSettings(config.namespace(), config.collectorImage(), config.collectorStatusUpdateSeconds(),
                    new CollectorPodSettings(CollectorPodSettings.securityMode(config.collectorSecurityMode()),
                            CollectorPodSettings.resources(config.collectorCpuRequest(), config.collectorMemoryRequest(),
                                    config.collectorCpuLimit(), config.collectorMemoryLimit()),
                            config.collectorPriorityClassName().orElse(null)));
        }
    }
}
