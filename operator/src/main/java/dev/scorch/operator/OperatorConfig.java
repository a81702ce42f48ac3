package dev.scorch.operator;

import dev.scorch.operator.api.v1alpha1.SecurityMode;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.client.utils.Serialization;
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
     * The collectors' security mode ({@code SCORCH_COLLECTOR_SECURITY_MODE}): capabilities, or
     * privileged for kernels older than 5.8 and runtimes that cannot grant CAP_PERFMON.
     */
    @WithDefault("capabilities")
    String collectorSecurityMode();

    /**
     * CPU and memory of each collector container as Kubernetes resources JSON
     * ({@code SCORCH_COLLECTOR_RESOURCES}, e.g. {@code {"requests":{"cpu":"10m"}}}).
     */
    @WithDefault(CollectorPodSettings.DEFAULT_RESOURCES_JSON)
    String collectorResources();

    /** Priority class of the collector pods ({@code SCORCH_COLLECTOR_PRIORITY_CLASS_NAME}); absent uses the cluster default. */
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
            return new OperatorSettings(config.namespace(), collector(config), config.collectorStatusUpdateSeconds());
        }

        /** The collector settings; a value the operator cannot use stops it at start, naming the setting. */
        static CollectorPodSettings collector(OperatorConfig config) {
            SecurityMode mode = switch (config.collectorSecurityMode()) {
                case "capabilities" -> SecurityMode.CAPABILITIES;
                case "privileged" -> SecurityMode.PRIVILEGED;
                default -> throw new IllegalArgumentException("SCORCH_COLLECTOR_SECURITY_MODE (Helm value collector.securityMode)"
                        + " must be capabilities or privileged, not '" + config.collectorSecurityMode() + "'");
            };
            ResourceRequirements resources;
            try {
                resources = Serialization.unmarshal(config.collectorResources(), ResourceRequirements.class);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("SCORCH_COLLECTOR_RESOURCES (Helm value collector.resources) must be"
                        + " Kubernetes resources as JSON, e.g. " + CollectorPodSettings.DEFAULT_RESOURCES_JSON + ": " + e.getMessage(), e);
            }
            return new CollectorPodSettings(config.collectorImage(), mode, resources,
                    config.collectorPriorityClassName().filter(name -> !name.isBlank()).orElse(null));
        }
    }
}
