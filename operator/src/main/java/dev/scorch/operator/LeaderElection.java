package dev.scorch.operator;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Leader election through the Lease scorch-operator in the install namespace, so the Deployment can
 * run more than one replica: only the leader reconciles. A leader that loses the lease exits and
 * restarts as a follower, so two replicas never reconcile at once.
 *
 * <p>The exit is ours, not java-operator-sdk's: its own calls {@code System.exit} on the thread that
 * stops leading, and on SIGTERM that thread is the JVM's shutdown hook stopping the operator, which
 * then waits forever for the shutdown it is part of (the kubelet's SIGKILL ends it after the grace
 * period). Exiting from a thread of its own never blocks a shutdown already under way.
 */
@Singleton
public class LeaderElection {
    public static final String LEASE_NAME = "scorch-operator";
    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(OperatorSettings settings, OperatorConfig config) {
        boolean exitOnLostLease = config.leaderElection().exitOnLostLease();
        LeaderCallbacks callbacks = new LeaderCallbacks(
                () -> LOG.infof("Took the lease; reconciling: lease=%s/%s", settings.namespace(), LEASE_NAME),
                () -> stoppedLeading(exitOnLostLease),
                leader -> LOG.infof("The lease has a new holder: lease=%s/%s holder=%s", settings.namespace(),
                        LEASE_NAME, leader));
        return new LeaderElectionConfiguration(LEASE_NAME, settings.namespace(),
                Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), null, callbacks, false);
    }

    /** Called when the lease is lost and when the operator stops; only a lost lease must end the process. */
    private static void stoppedLeading(boolean exitOnLostLease) {
        if (!exitOnLostLease) {
            return;
        }
        LOG.info("Stopped leading; exiting so that this replica restarts as a follower (no-op if already shutting down)");
        Thread.ofPlatform().daemon().name("scorch-lost-lease-exit").start(() -> System.exit(1));
    }
}
