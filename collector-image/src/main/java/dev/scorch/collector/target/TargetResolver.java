package dev.scorch.collector.target;

import java.util.Optional;

/**
 * Decides which target a process belongs to, or that its samples are dropped (empty result:
 * not selected by the policy).
 */
public interface TargetResolver {

    Optional<Target> targetOf(int pid);

    /** The process exited or exec'd; cached answers for it must not outlive it. */
    void forget(int pid);
}
