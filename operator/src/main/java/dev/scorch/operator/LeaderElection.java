package dev.scorch.operator;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Leader election through a Lease in the install namespace, so the Deployment can run more than one
 * replica: only the leader reconciles; a replica that loses the lease exits and restarts as follower.
 */
@Singleton
public class LeaderElection {
    public static final String LEASE_NAME = "scorch-operator";

    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(OperatorSettings settings) {
        return new LeaderElectionConfiguration(LEASE_NAME, settings.namespace());
    }
}
