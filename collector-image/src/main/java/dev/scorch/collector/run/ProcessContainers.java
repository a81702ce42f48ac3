package dev.scorch.collector.run;

import dev.scorch.collector.attribution.CgroupParser;
import dev.scorch.collector.attribution.ContainerCgroup;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * The container each pid of the node runs in, read from {@code /proc/<pid>/cgroup} once for every
 * policy served: one entry per pid for the node, however many policies ask, and one
 * {@link Container} per container, shared by its pids. Twenty policies each keeping a cache per
 * pid held 34,820 entries (3.8 MiB) in a burst of process churn; what differs per policy (its
 * selection's answer) is kept per container by each {@link PodTargetResolver}.
 */
public final class ProcessContainers {

    /** The container of a process outside any container (or gone before its cgroup was read). */
    public static final Container NONE = new Container(null, 0);

    /**
     * Pids kept at most, twice the process table's bound. A pid is forgotten when the process table
     * forgets it, but a pid the table never tracked (it was full) never is: past this bound a pid's
     * container is read and answered without being kept.
     */
    static final int MAX_PIDS = 32_768;

    private final IntFunction<Optional<String>> cgroups;
    private final LongSupplier nanoClock;
    private final int maxPids;
    private final Map<Integer, Container> byPid = new ConcurrentHashMap<>();
    /** Each container once, with the number of pids in {@link #byPid} naming it. */
    private final Map<String, Shared> byId = new HashMap<>();

    /**
     * @param cgroups reads a pid's {@code /proc/<pid>/cgroup}
     * @param nanoClock monotonic clock, e.g. {@code System::nanoTime}: when a container was first seen
     */
    public ProcessContainers(IntFunction<Optional<String>> cgroups, LongSupplier nanoClock) {
        this(cgroups, nanoClock, MAX_PIDS);
    }

    ProcessContainers(IntFunction<Optional<String>> cgroups, LongSupplier nanoClock, int maxPids) {
        this.cgroups = cgroups;
        this.nanoClock = nanoClock;
        this.maxPids = maxPids;
    }

    /**
     * The container {@code pid} runs in, {@link #NONE} outside any; its cgroup file is read on the
     * pid's first call only (every call once {@link #MAX_PIDS} pids are kept).
     */
    public Container of(int pid) {
        Container known = byPid.get(pid);
        if (known != null) {
            return known;
        }
        if (byPid.size() >= maxPids) {
            return read(pid, false);
        }
        return byPid.computeIfAbsent(pid, p -> read(p, true));
    }

    /** The process is gone and every policy has built the profiles that saw it. */
    public void forget(int pid) {
        Container gone = byPid.remove(pid);
        if (gone != null && gone != NONE) {
            synchronized (byId) {
                Shared shared = byId.get(gone.cgroup().containerId());
                if (shared != null && --shared.pids == 0) {
                    byId.remove(gone.cgroup().containerId());
                }
            }
        }
    }

    /** Pids known, for tests and metrics. */
    public int pids() {
        return byPid.size();
    }

    /** Distinct containers of the pids known. */
    public int containers() {
        synchronized (byId) {
            return byId.size();
        }
    }

    private Container read(int pid, boolean kept) {
        Optional<ContainerCgroup> parsed = cgroups.apply(pid).flatMap(CgroupParser::parse);
        if (parsed.isEmpty()) {
            return NONE;
        }
        synchronized (byId) {
            Shared shared = byId.get(parsed.get().containerId());
            if (shared == null) {
                Container first = new Container(parsed.get(), nanoClock.getAsLong());
                if (!kept) {
                    return first;
                }
                shared = new Shared(first);
                byId.put(parsed.get().containerId(), shared);
            }
            if (kept) {
                shared.pids++;
            }
            return shared.container;
        }
    }

    /**
     * A container as the node knows it.
     *
     * @param cgroup what its cgroup path says; null for {@link #NONE}
     * @param firstSeenNanos when a process of it was first seen, on the node's monotonic clock
     */
    public record Container(ContainerCgroup cgroup, long firstSeenNanos) {}

    private static final class Shared {
        final Container container;
        int pids;

        Shared(Container container) {
            this.container = container;
        }
    }
}
