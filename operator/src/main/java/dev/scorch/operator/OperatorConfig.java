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
            return new OperatorSettings(config.namespace(), config.collectorImage(), config.collectorStatusUpdateSeconds());
        }
    }
}
