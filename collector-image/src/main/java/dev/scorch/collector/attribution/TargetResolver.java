package dev.scorch.collector.attribution;

import java.util.Optional;

/**
 * Decides which target a process belongs to, or that its samples are dropped (empty result:
 * not selected by the policy). See docs/contracts.md for {@link Target#PENDING}.
 */
public interface TargetResolver {

    /** The pid's target, {@link Target#PENDING}, or empty when the pid is not selected. */
    Optional<Target> resolve(int pid);
}
