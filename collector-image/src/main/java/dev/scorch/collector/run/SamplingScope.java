package dev.scorch.collector.run;

import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.kubernetes.PodInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What the sampler opens perf events for: every CPU, or only the cgroups of the pods the policies
 * select (perf cgroup events, filtered in the kernel, so narrow policies cost the collector only
 * their pods' samples), or nothing while no policy selects a pod here.
 *
 * @param cgroups the selected pods' cgroup v2 directories; empty with {@code allCpusReason} null: nothing to sample
 * @param allCpusReason why every CPU is sampled, or null in cgroup mode
 */
public record SamplingScope(List<Path> cgroups, String allCpusReason) {

    /** Perf events per CPU stay bounded: one per cgroup per CPU, each an open file. */
    static final int MAX_CGROUPS = 32;

    public SamplingScope {
        cgroups = List.copyOf(cgroups);
    }

    static SamplingScope allCpus(String reason) {
        return new SamplingScope(List.of(), reason);
    }

    public boolean everyCpu() {
        return allCpusReason != null;
    }

    public boolean idle() {
        return allCpusReason == null && cgroups.isEmpty();
    }

    /**
     * The scope of several policies on one node: every CPU when any of them needs it, else the
     * union of their cgroups (every CPU past {@link #MAX_CGROUPS}), else nothing.
     */
    static SamplingScope union(List<SamplingScope> scopes) {
        TreeSet<Path> cgroups = new TreeSet<>();
        for (SamplingScope scope : scopes) {
            if (scope.everyCpu()) {
                return scope;
            }
            cgroups.addAll(scope.cgroups());
        }
        if (cgroups.size() > MAX_CGROUPS) {
            return allCpus("the policies select " + cgroups.size() + " pod cgroups, more than " + MAX_CGROUPS
                    + " cgroups of perf events per CPU");
        }
        return new SamplingScope(List.copyOf(cgroups), null);
    }

    /**
     * The scope for {@code selected} pods of one policy: cgroup mode with the directories found,
     * else every CPU with the reason.
     *
     * @param policy the policy's name, for the reason
     * @param cgroupMount the cgroup v2 mount, empty on cgroup v1 hosts
     * @param directories pod UID to its cgroup directory, as found on this host
     */
    static SamplingScope of(String policy, PolicyConfig.Targets targets, Optional<Path> cgroupMount, Collection<PodInfo> selected,
            Map<String, Path> directories) {
        if (targets.hostProcesses()) {
            return allCpus("policy " + policy + " profiles host processes, which no pod cgroup holds");
        }
        if (cgroupMount.isEmpty()) {
            return allCpus("no cgroup v2 mount: perf cgroup events need the unified hierarchy");
        }
        if (selected.size() > MAX_CGROUPS) {
            return allCpus("policy " + policy + ": " + selected.size() + " selected pods are more than " + MAX_CGROUPS + " cgroups of perf events per CPU");
        }
        List<Path> cgroups = new ArrayList<>();
        int withContainers = 0;
        for (PodInfo pod : selected) {
            Path directory = directories.get(pod.uid());
            if (directory != null) {
                cgroups.add(directory);
            } else if (!pod.containerNames().isEmpty()) {
                withContainers++;
            }
        }
        // A pod with container ids but no directory has usually finished (its cgroup is gone); only
        // when no selected pod is found at all is the layout unknown, and every CPU the safe choice.
        if (cgroups.isEmpty() && withContainers > 0) {
            return allCpus("policy " + policy + ": no cgroup of the " + withContainers + " selected pod(s) with containers was found under " + cgroupMount.get()
                    + "/kubepods* (a layout other than the kubelet's cgroupfs or systemd driver?)");
        }
        cgroups.sort(null);
        return new SamplingScope(cgroups, null);
    }
}
