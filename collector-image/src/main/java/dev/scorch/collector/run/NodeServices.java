package dev.scorch.collector.run;

import dev.scorch.collector.budget.NodeHeapBudget;
import dev.scorch.collector.health.PodConditions;
import dev.scorch.collector.kubernetes.NamespaceCache;
import dev.scorch.collector.kubernetes.PodCache;
import dev.scorch.collector.pull.FetchBudget;
import java.time.Clock;

/**
 * What every policy served on a node shares: the one pod and namespace watch, the one sampler
 * (with its process table and symbolizer), the pids' containers, and the way to this pod's status.
 *
 * @param node this node's name
 * @param pods this node's pods, from the pod watch
 * @param namespaces every namespace's labels, from the namespace watch
 * @param sampling the node's perf events, process table and symbolizer
 * @param containers each pid's container, from its {@code /proc/<pid>/cgroup} read once for all policies
 * @param conditions the conditions of this collector's own pod, written together
 * @param clock wall clock of intervals and conditions
 * @param inMemoryProfiles the one bound of the profiles every policy's backends hold in memory
 *     while their spools cannot be written
 * @param fetchedProfiles the one bound of the Go profiles every policy's pulls and trigger fetches
 *     hold from request to decoded profile
 */
record NodeServices(String node, PodCache pods, NamespaceCache namespaces, NodeSampling sampling, ProcessContainers containers,
        PodConditions conditions, Clock clock, NodeHeapBudget inMemoryProfiles,
        FetchBudget fetchedProfiles) {}
