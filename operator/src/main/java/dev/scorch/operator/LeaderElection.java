package dev.scorch.operator;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Leader election through the Lease scorch-operator in the install namespace, so the Deployment can
 * run more than one replica: only the leader reconciles. A leader that loses the lease exits and
 * restarts as a follower, so two replicas never reconcile at once.
 */
@Singleton
public class LeaderElection {
    public static final String LEASE_NAME = "scorch-operator";

    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(
            OperatorSettings settings, OperatorConfig config) {
        return new LeaderElectionConfiguration(LEASE_NAME, settings.namespace(),
                Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), null, null,
                config.leaderElection().exitOnLostLease());
    }
}
