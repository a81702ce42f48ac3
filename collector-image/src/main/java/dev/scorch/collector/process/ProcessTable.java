package dev.scorch.collector.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The collector's view of the node's processes, for symbolization at drain time. Fed by the
 * kernel's MMAP2, COMM, FORK and EXIT records, and by {@code /proc/<pid>} for processes that
 * existed before the sampler started (the kernel reports nothing about their images): all of them
 * when sampling starts ({@link #learnRunningProcesses()}), and any other the first time it is sampled.
 *
 * <p>An exited process stays until the interval in which it exited has been drained
 * ({@link #intervalDrained()}), so samples of short-lived processes still resolve. Under process
 * churn that is every process started in an interval: the table is bounded, and once it holds a
 * quarter of its bound the exited processes that were never sampled (no profile can hold them) go.
 *
 * <p>The sampler thread writes, the profile builder reads; both may run at once.
 *
 * <p>One file past the usual size: the record handlers, the bound's evictions and the drain's
 * forgetting all change the one map of processes and the interval that decides who stays.
 */
public final class ProcessTable implements ProcessLookup {

    /**
     * An entry costs about 1 KiB of heap with its mappings (8,207 entries held 8 MiB in a soak with
     * ~200 short-lived processes a second), so this bounds the table to about a quarter of the heap.
     * A node runs a few thousand processes (the kernel's default pid_max is 32,768 up to 32 CPUs);
     * the rest of the bound is for exited processes kept until their interval is drained.
     */
    static final int MAX_PROCESSES = 16_384;
    /** Unseen and gone from /proc for this many intervals: forget it even without an EXIT record. */
    static final int STALE_INTERVALS = 2;

    private final ProcFiles proc;
    private final int maxProcesses;
    private final SharedNames names = new SharedNames();
    private final Map<Integer, ProcessEntry> processes = new ConcurrentHashMap<>();
    /** Pids evicted to make room since the last drain, reported with the drain's forgotten ones. */
    private final List<Integer> evicted = new ArrayList<>();
    private volatile long interval;
    private long untracked;
    private long evictions;
    /** Whether a table past a quarter of its bound is worth scanning for evictable entries again before the next drain. */
    private boolean earlyEvictionWorthwhile = true;
    /** Whether a full table is worth scanning for evictable entries again before the next drain. */
    private boolean evictionWorthwhile = true;

    public ProcessTable(Path procRoot) {
        this(procRoot, MAX_PROCESSES);
    }

    ProcessTable(Path procRoot, int maxProcesses) {
        this.proc = new ProcFiles(procRoot);
        this.maxProcesses = maxProcesses;
    }

    public static ProcessTable ofThisHost() {
        return new ProcessTable(Path.of("/proc"));
    }

    @Override
    public Optional<ProcessSnapshot> process(int pid) {
        return Optional.ofNullable(processes.get(pid));
    }

    /** Processes currently tracked, exited ones included. */
    public int size() {
        return processes.size();
    }

    /**
     * The content of {@code /proc/<pid>/cgroup}, read within its budget; empty when the process is
     * gone or the file was refused (counted in {@link #rejections()}).
     */
    public Optional<String> cgroup(int pid) {
        return proc.cgroup(pid);
    }

    /** /proc files refused as over budget, by {@code parser/limit} (proc_maps, proc_status, cgroup). */
    public Map<String, Long> rejections() {
        return proc.rejections().counts();
    }

    /** Distinct paths and command names the table's processes hold. */
    int sharedNames() {
        return names.size();
    }

    /** Processes that were not tracked because the table was full of live or sampled ones. */
    public long untracked() {
        return untracked;
    }

    /** Exited processes never sampled that were dropped before their interval's drain to make room. */
    public long evictions() {
        return evictions;
    }

    /**
     * Reads the image of every process running now; call it just before the events are enabled.
     * Records describe only what happens later, and the reader gets to a record up to a poll
     * timeout after the kernel wrote it: a process already running that forks short-lived children
     * and exits within that time would be gone from /proc by then, and with it the image its
     * children inherited. The start of {@code perf record} does the same (synthesized MMAP records).
     * Processes with no executable mappings (kernel threads) are left to be tracked on first sight.
     *
     * @return the processes learnt
     */
    public int learnRunningProcesses() {
        int learnt = 0;
        for (int pid : proc.pids()) {
            if (processes.containsKey(pid)) {
                continue;
            }
            ProcFiles.Maps maps = proc.executableMappings(pid);
            if (maps.outcome() != ProcFiles.Outcome.REFUSED && maps.mappings().isEmpty()) {
                continue;
            }
            ProcessEntry entry = track(pid);
            if (entry == null) {
                break;
            }
            maps.mappings().forEach(mapping -> entry.map(names.of(mapping)));
            entry.complete(true);
            entry.procRead(true);
            entry.mapsRefused(maps.outcome() == ProcFiles.Outcome.REFUSED);
            // The name too: once the process is gone, its command (and its children's) is only known from here.
            entry.command();
            learnt++;
        }
        return learnt;
    }

    /**
     * A sample of {@code pid} was taken: on first sight of a process that started before the
     * sampler (no records of its image), read its mappings from /proc.
     */
    public void sampled(int pid) {
        ProcessEntry entry = processes.get(pid);
        if (entry == null) {
            entry = track(pid);
            if (entry == null) {
                return;
            }
        }
        if (!entry.procRead()) {
            readProc(entry);
        }
        entry.seen(interval);
    }

    /** PERF_RECORD_MMAP2 of an executable mapping. */
    public void mapped(int pid, long start, long length, long fileOffset, long inode, String path, long timeNanos) {
        ProcessEntry entry = entryFor(pid);
        if (entry != null && length > 0) {
            entry.map(new Mapping(start, start + length, fileOffset, names.of(path), inode, true), timeNanos);
        }
    }

    /** PERF_RECORD_COMM; on exec the old image's mappings are dropped (MMAP2 records for the new one follow). */
    public void commandChanged(int pid, int tid, String command, boolean exec, long timeNanos) {
        ProcessEntry entry = entryFor(pid);
        if (entry == null) {
            return;
        }
        if (exec) {
            entry.exec(names.of(command), timeNanos);
        } else if (pid == tid) {
            entry.command(names.of(command));
        }
    }

    /**
     * PERF_RECORD_FORK: a new process starts with its parent's mappings (copied now, and looked
     * up in the parent later when its records were read after this one).
     */
    public void forked(int pid, int parentPid) {
        if (pid == parentPid) {
            return;
        }
        ProcessEntry child = entryFor(pid);
        ProcessEntry parent = entryFor(parentPid);
        if (child != null && parent != null) {
            child.forkedFrom(parent);
        }
    }

    /** PERF_RECORD_EXIT of a thread; the process is gone when its main thread exits. */
    public void exited(int pid, int tid) {
        if (pid != tid) {
            return;
        }
        ProcessEntry entry = processes.get(pid);
        if (entry != null) {
            entry.markExited(interval);
        }
    }

    /**
     * The current interval has been drained (its profiles are built): forget processes that
     * exited in it or earlier, and processes not seen for a while whose /proc entry is gone.
     *
     * @return the pids forgotten, for {@code TargetResolver.forget}
     */
    public List<Integer> intervalDrained() {
        return forget(interval);
    }

    /**
     * Like {@link #intervalDrained()}, but keeps the processes that exited in the interval now
     * ending: for consumers whose intervals end at different times, one of which may still hold
     * samples of such a process for a profile it has not built yet.
     */
    public List<Integer> intervalDrainedKeepingLatestExits() {
        return forget(interval - 1);
    }

    private List<Integer> forget(long exitedUpTo) {
        long drained = interval;
        List<Integer> forgotten;
        synchronized (evicted) {
            forgotten = new ArrayList<>(evicted);
            evicted.clear();
        }
        for (Iterator<ProcessEntry> it = processes.values().iterator(); it.hasNext(); ) {
            ProcessEntry entry = it.next();
            // A process never sampled cannot be in any profile: no need to keep it a round longer.
            boolean exitedBefore = entry.exited() && (entry.exitedInInterval() <= exitedUpTo || !entry.sampled());
            boolean stale = !entry.exited() && drained - entry.lastSeenInterval() >= STALE_INTERVALS && !proc.alive(entry.pid());
            if (exitedBefore || stale) {
                it.remove();
                forgotten.add(entry.pid());
            }
        }
        names.keepOnly(inUse -> processes.values().forEach(entry -> entry.names(inUse)));
        interval = drained + 1;
        earlyEvictionWorthwhile = true;
        evictionWorthwhile = true;
        return forgotten;
    }

    private ProcessEntry entryFor(int pid) {
        ProcessEntry entry = processes.get(pid);
        return entry != null ? entry : track(pid);
    }

    private ProcessEntry track(int pid) {
        if (pid <= 0) {
            return null;
        }
        if (!processes.containsKey(pid)) {
            if (processes.size() >= maxProcesses / 4 && earlyEvictionWorthwhile) {
                earlyEvictionWorthwhile = evictExitedNeverSampled() >= Math.max(1, maxProcesses / 32);
            }
            if (processes.size() >= maxProcesses && evictionWorthwhile) {
                evictionWorthwhile = evictExitedNeverSampled() >= Math.max(1, maxProcesses / 8);
            }
            if (processes.size() >= maxProcesses) {
                untracked++;
                return null;
            }
        }
        return processes.computeIfAbsent(pid, p -> new ProcessEntry(p, interval, proc));
    }

    /**
     * Drops every exited process that was never sampled (a short-lived process of a churning node);
     * a sample read later from another CPU's ring finds it gone and reads /proc, as for any unknown pid.
     * Done once the table holds a quarter of its bound, not only when it is full: a host that starts
     * hundreds of processes a second (an image build) otherwise keeps every one of them until the
     * next drain, 11,680 processes and 8.5 MiB of heap in bench/burst.sh.
     *
     * A scan that frees less than an eighth of that quarter (of a full table: an eighth of it) is not
     * repeated before the next drain, so a table of mostly live processes does not cost a scan per
     * new process.
     *
     * @return how many processes it dropped
     */
    private int evictExitedNeverSampled() {
        int before = processes.size();
        for (Iterator<ProcessEntry> it = processes.values().iterator(); it.hasNext(); ) {
            ProcessEntry entry = it.next();
            if (entry.exited() && !entry.sampled()) {
                it.remove();
                evictions++;
                synchronized (evicted) {
                    evicted.add(entry.pid());
                }
            }
        }
        return before - processes.size();
    }

    private void readProc(ProcessEntry entry) {
        entry.procRead(true);
        if (entry.complete()) {
            return;
        }
        ProcFiles.Maps maps = proc.executableMappings(entry.pid());
        switch (maps.outcome()) {
            case READ -> {
                maps.mappings().forEach(mapping -> entry.map(names.of(mapping)));
                entry.complete(true);
            }
            case REFUSED -> entry.mapsRefused(true);
            // The node-wide budget is spent for this minute: a later sample reads it (a spent budget refuses at once).
            case DEFERRED -> entry.procRead(false);
            case GONE -> { }
        }
    }
}
