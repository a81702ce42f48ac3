package dev.scorch.collector.run;

import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.config.RunConfig;
import dev.scorch.collector.export.OfferRound;
import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.health.CollectingReason;
import dev.scorch.collector.health.CollectorState;
import dev.scorch.collector.health.ConditionEvaluator;
import dev.scorch.collector.health.ConditionPublisher;
import dev.scorch.collector.kubernetes.NodeCache;
import dev.scorch.collector.profile.SymbolizedStacks;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The policies this node serves, kept equal to the valid policies of collector.json whose
 * placement admits the node: a new one starts, a changed one restarts, a removed one stops and
 * takes its condition off the pod, and the others are not touched. A policy whose section is
 * invalid is reported ConfigInvalid on its own condition.
 */
final class ServedPolicies {

    private static final System.Logger LOG = System.getLogger(ServedPolicies.class.getName());

    private final NodeServices services;
    private final ExitedProcesses exited;
    private volatile Map<String, PolicyCollection> served = Map.of();
    private final Map<String, ConditionPublisher> invalid = new LinkedHashMap<>();
    private List<RunConfig.InvalidPolicy> invalidPolicies = List.of();
    /** Removed policies whose backends are still closing ({@link #stop}), by name. */
    private final Map<String, Thread> closing = new HashMap<>();

    ServedPolicies(NodeServices services) {
        this.services = services;
        this.exited = new ExitedProcesses(services.sampling().processes());
    }

    /** The policies served now; safe to read from any thread. */
    Collection<PolicyCollection> all() {
        return served.values();
    }

    /** Serves what {@code config} (null: nothing yet) asks of {@code node}, and points the sampler at it. */
    synchronized void follow(RunConfig config, NodeCache.Node node) {
        Map<String, PolicyConfig> wanted = new LinkedHashMap<>();
        if (config != null) {
            config.policies().stream().filter(p -> PolicyPlacement.admits(p.nodes(), node)).forEach(p -> wanted.put(p.name(), p));
        }
        Map<String, PolicyCollection> next = new LinkedHashMap<>();
        List<PolicyCollection> stopping = new ArrayList<>();
        served.forEach((name, running) -> {
            if (running.config().equals(wanted.get(name))) {
                next.put(name, running);
            } else {
                stopping.add(running);
            }
        });
        stop(stopping, wanted.keySet());
        wanted.forEach((name, policy) -> next.computeIfAbsent(name, n -> {
            awaitClosed(n);
            return PolicyCollection.start(policy, services);
        }));
        if (!next.keySet().equals(served.keySet()) || !stopping.isEmpty()) {
            LOG.log(Level.INFO, "node {0}: serving {1} of {2} policies: {3}", services.node(), Integer.toString(next.size()),
                    Integer.toString(config == null ? 0 : config.policies().size()), List.copyOf(next.keySet()));
        }
        served = next;
        followInvalid(config == null ? List.of() : config.invalidPolicies());
        services.sampling().follow(List.copyOf(next.values()));
    }

    /**
     * Stops serving {@code stopping}: each one's interval in progress is exported, then its backends
     * close, all of them side by side (the grace of a send in flight counts from their close). A
     * policy that restarts ({@code restarting}) waits for them: the new one takes over their spool.
     * A removed policy's condition goes at once and its backends close off this thread, so the
     * policies that stay are not held up to {@link ParallelClose#BOUND} (a send held by a backend
     * takes its 5 s grace) before their next interval ends or their conditions are published.
     */
    private void stop(List<PolicyCollection> stopping, Set<String> restarting) {
        closing.values().removeIf(thread -> !thread.isAlive());
        Instant end = services.clock().instant();
        List<ParallelClose.Task> awaited = new ArrayList<>();
        for (PolicyCollection policy : stopping) {
            String name = policy.config().name();
            policy.stopPullsAndTriggers();
            policy.finishInterval(end);
            if (restarting.contains(name)) {
                awaited.addAll(policy.closeBackends());
            } else {
                services.conditions().remove(CollectingCondition.policyType(name));
                List<ParallelClose.Task> backends = policy.closeBackends();
                closing.put(name, Thread.ofVirtual().name("scorch-close-policy-" + name).start(() -> {
                    ParallelClose.run(backends, ParallelClose.BOUND);
                    policy.stopped();
                }));
            }
        }
        ParallelClose.run(awaited, ParallelClose.BOUND);
        stopping.stream().filter(policy -> restarting.contains(policy.config().name())).forEach(PolicyCollection::stopped);
    }

    /** Waits for the backends of a removed policy named {@code name} to close, if they still are: a policy of that name reuses their spool. */
    private void awaitClosed(String name) {
        Thread stopping = closing.remove(name);
        if (stopping != null) {
            try {
                stopping.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void followInvalid(List<RunConfig.InvalidPolicy> now) {
        invalidPolicies = now;
        List<String> names = now.stream().map(RunConfig.InvalidPolicy::name).toList();
        invalid.keySet().removeIf(name -> {
            boolean fixed = !names.contains(name);
            if (fixed && !served.containsKey(name)) {
                services.conditions().remove(CollectingCondition.policyType(name));
            }
            return fixed;
        });
        for (String name : names) {
            String type = CollectingCondition.policyType(name);
            invalid.computeIfAbsent(name, n -> services.conditions().publisher(type));
        }
    }

    /**
     * Ends the intervals due at {@code now}, their stacks resolved in one round and their profiles
     * made durable in one {@link OfferRound}, then lets the node forget processes no policy needs any more.
     */
    synchronized void finishDue(Instant now) {
        List<PolicyCollection> due = served.values().stream().filter(policy -> !now.isBefore(policy.intervalEnd())).toList();
        Set<Integer> pids = new HashSet<>();
        if (!due.isEmpty()) {
            services.sampling().drain();
            // One cut for all: policies selecting the same processes then hold the same counts.
            services.sampling().betweenSamples(() -> due.forEach(PolicyCollection::drainAhead));
            due.forEach(policy -> pids.addAll(policy.drainedPids()));
        }
        // The round knows every process of its stacks at its start: the JVMs among them are all asked then, side by side.
        SymbolizedStacks round = services.sampling().profiles().round(pids);
        OfferRound offers = new OfferRound();
        try {
            for (PolicyCollection policy : due) {
                policy.finishInterval(now, round, offers);
                exited.finished(policy.config().name(), now);
            }
        } finally {
            offers.commit();
        }
        for (int pid : exited.retire(served.keySet())) {
            services.containers().forget(pid);
        }
    }

    /** The earliest moment after {@code now} something is due: an interval's end or a condition turning by time alone. */
    Instant nextDue(Instant now, Instant latest, Optional<CollectorState.Failure> failure, Optional<String> podWatchFailure) {
        Instant due = latest;
        for (PolicyCollection policy : served.values()) {
            due = policy.intervalEnd().isBefore(due) ? policy.intervalEnd() : due;
            Optional<Instant> change = ConditionEvaluator.nextChange(policy.state(failure, podWatchFailure), now);
            if (change.isPresent() && change.get().isBefore(due)) {
                due = change.get();
            }
        }
        return due;
    }

    /**
     * Evaluates each policy's condition; the caller flushes the pod's conditions.
     *
     * @return each served policy's condition as evaluated now
     */
    synchronized Map<String, CollectingCondition> publish(Optional<CollectorState.Failure> failure, Optional<String> podWatchFailure) {
        Map<String, CollectingCondition> conditions = new LinkedHashMap<>();
        for (PolicyCollection policy : served.values()) {
            policy.publish(failure, podWatchFailure);
            conditions.put(policy.config().name(), policy.condition());
        }
        for (RunConfig.InvalidPolicy policy : invalidPolicies) {
            invalid.get(policy.name()).update(new ConditionEvaluator.Verdict(CollectingReason.ConfigInvalid,
                    "node " + services.node() + ": " + policy.message()), null);
        }
        return conditions;
    }

    /** The last export of any policy served here. */
    Optional<Instant> lastExport() {
        return served.values().stream().map(p -> p.state(Optional.empty(), Optional.empty()).lastExport())
                .flatMap(Optional::stream).max(Instant::compareTo);
    }

    /**
     * Shutdown began: no backend starts a new send, and the sends in flight get their grace from
     * now. Not synchronized: the interval loop may hold this while it builds profiles.
     */
    void stopSending() {
        served.values().forEach(PolicyCollection::stopSending);
    }

    /**
     * Exports every interval in progress and closes every policy's backends (shutdown), the
     * backends side by side until {@code deadline} ({@link System#nanoTime}).
     */
    synchronized void closeAll(long deadline) {
        services.sampling().drain();
        Instant end = services.clock().instant();
        SymbolizedStacks round = services.sampling().profiles().round();
        OfferRound offers = new OfferRound();
        List<ParallelClose.Task> backends = new ArrayList<>();
        try {
            for (PolicyCollection policy : served.values()) {
                policy.stopPullsAndTriggers();
                policy.finishInterval(end, round, offers);
                backends.addAll(policy.closeBackends());
            }
        } finally {
            offers.commit();
        }
        ParallelClose.run(backends, ParallelClose.until(deadline));
        served.values().forEach(PolicyCollection::stopped);
        for (Thread removed : closing.values()) {
            try {
                removed.join(ParallelClose.until(deadline));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
