package dev.scorch.collector.sampling;

import dev.scorch.collector.perf.EventAttributes;
import dev.scorch.collector.perf.PerfEvent;

import java.nio.file.Path;
import java.util.List;

/**
 * How the sampler opens its events.
 *
 * @param frequencyHz samples per second per CPU
 * @param kernelStacks include kernel frames in callchains
 * @param cpus the CPUs to sample (normally every online CPU)
 * @param cgroups cgroup v2 directories to narrow sampling to in the kernel; empty samples everything
 * @param dataPages ring buffer data pages per CPU, a power of two
 * @param userStackBytes bytes of user stack copied into each sample for the unwinder; 0 for the
 *     kernel's frame-pointer callchain only
 * @param tasks thread ids to sample in user space only, each followed into the threads and
 *     children it starts (what an unprivileged user may do under {@code perf_event_paranoid} 2);
 *     empty samples every task (or the cgroups) on the CPUs
 */
public record SamplerOptions(int frequencyHz, boolean kernelStacks, List<Integer> cpus, List<Path> cgroups, int dataPages,
        int userStackBytes, List<Integer> tasks) {

    /** The smallest ring a CPU gets: 64 pages (256 KiB), seconds of frame-pointer samples even at 1,000 Hz. */
    public static final int DEFAULT_DATA_PAGES = 64;
    /**
     * The largest ring a CPU gets: 4,096 pages (16 MiB, about 1.9 s of stack-copy samples at 1,000
     * Hz), on nodes of up to 4 CPUs. The rings are kernel memory, outside the collector's heap and
     * RSS (the mapping's pages are not counted there).
     */
    public static final int MAX_DATA_PAGES = 4096;
    /**
     * All CPUs' rings together stay within 64 MiB (plus a metadata page per CPU): at 99 Hz with the
     * stack copy 4 MiB per CPU up to 16 CPUs, then less per CPU (1 MiB on 64 CPUs, 512 KiB on 128);
     * at 1,000 Hz 16 MiB per CPU up to 4 CPUs, 4 MiB on 16; never below {@link #DEFAULT_DATA_PAGES}.
     */
    public static final long MAX_RING_BYTES_PER_NODE = 64L << 20;
    /**
     * Seconds of samples a CPU's ring is sized to hold: the longest the reader thread may wait for
     * a CPU without losing a sample. On a loaded 2-CPU machine it waited over a second at times
     * (docs/benchmarks.md, "Lost samples").
     */
    public static final int RING_SECONDS = 4;
    /**
     * What a sample holds besides its stack copy: header, ip, ids, time, CPU, period, three
     * registers, the two stack sizes and a callchain of about 50 entries.
     */
    static final int SAMPLE_BYTES_BESIDES_STACK = 512;
    /** perf's own default for {@code --call-graph dwarf}; docs/benchmarks.md has the measurement. */
    public static final int DEFAULT_USER_STACK_BYTES = 8192;

    public SamplerOptions {
        if (frequencyHz < 1 || frequencyHz > 100_000) {
            throw new IllegalArgumentException("sampling frequency must be 1..100000 Hz, was " + frequencyHz);
        }
        if (Integer.bitCount(dataPages) != 1) {
            throw new IllegalArgumentException("ring buffer data pages must be a power of two, was " + dataPages);
        }
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("no CPUs to sample");
        }
        if (userStackBytes < 0 || userStackBytes % 8 != 0 || userStackBytes > EventAttributes.MAX_USER_STACK_BYTES) {
            throw new IllegalArgumentException("user stack copy must be a multiple of 8 up to " + EventAttributes.MAX_USER_STACK_BYTES
                    + " bytes, was " + userStackBytes);
        }
        if (!tasks.isEmpty() && !cgroups.isEmpty()) {
            throw new IllegalArgumentException("sample either chosen tasks or cgroups, not both");
        }
        cpus = List.copyOf(cpus);
        cgroups = List.copyOf(cgroups);
        tasks = List.copyOf(tasks);
    }

    /**
     * Every online CPU, the whole system; samples carry a stack copy for the unwinder where the
     * collector knows the register layout (x86-64).
     */
    public static SamplerOptions allCpus(int frequencyHz, boolean kernelStacks) {
        return allCpus(frequencyHz, kernelStacks, unwindingSupported() ? DEFAULT_USER_STACK_BYTES : 0);
    }

    /** Every online CPU with a stack copy of {@code userStackBytes} (0: frame pointers only) and rings sized for it. */
    public static SamplerOptions allCpus(int frequencyHz, boolean kernelStacks, int userStackBytes) {
        List<Integer> cpus = OnlineCpus.read();
        return new SamplerOptions(frequencyHz, kernelStacks, cpus, List.of(), ringPages(frequencyHz, userStackBytes, cpus.size()),
                userStackBytes, List.of());
    }

    /**
     * Data pages per CPU for {@link #RING_SECONDS} of samples at {@code frequencyHz} with a stack
     * copy of {@code userStackBytes}: a power of two from {@link #DEFAULT_DATA_PAGES} to
     * {@link #MAX_DATA_PAGES}, and within {@link #MAX_RING_BYTES_PER_NODE} for all {@code cpus}
     * together. At 99 Hz with the 8 KiB copy that is 1,024 pages (4.9 s of samples) up to 16 CPUs.
     * <p>
     * The kernel lets one user lock {@code perf_event_mlock_kb} (516 KiB by default) times the
     * online CPUs across all of that user's perf buffers (every process of the uid, other perf
     * tools included); past that, a buffer's excess counts against the mapping process's
     * RLIMIT_MEMLOCK. CAP_IPC_LOCK, or {@code perf_event_paranoid} -1, lifts both. Where neither
     * is there and the ring does not fit, the sampler halves it for every CPU until it does.
     */
    public static int ringPages(int frequencyHz, int userStackBytes, int cpus) {
        long bytes = (long) frequencyHz * (userStackBytes + SAMPLE_BYTES_BESIDES_STACK) * RING_SECONDS;
        long perCpuBound = MAX_RING_BYTES_PER_NODE / Math.max(1, cpus);
        int pages = DEFAULT_DATA_PAGES;
        while (pages < MAX_DATA_PAGES && pages * PerfEvent.PAGE_SIZE < bytes && 2 * pages * PerfEvent.PAGE_SIZE <= perCpuBound) {
            pages *= 2;
        }
        return pages;
    }

    /** The register mask and DWARF register numbers the unwinder uses are x86-64's. */
    public static boolean unwindingSupported() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("amd64") || arch.equals("x86_64");
    }

    public SamplerOptions withCpus(List<Integer> cpus) {
        return new SamplerOptions(frequencyHz, kernelStacks, cpus, cgroups, dataPages, userStackBytes, tasks);
    }

    public SamplerOptions withDataPages(int pages) {
        return new SamplerOptions(frequencyHz, kernelStacks, cpus, cgroups, pages, userStackBytes, tasks);
    }

    public SamplerOptions withCgroups(List<Path> cgroups) {
        return new SamplerOptions(frequencyHz, kernelStacks, cpus, cgroups, dataPages, userStackBytes, tasks);
    }

    /** Samples only {@code threadIds}, in user space, following what they start (see {@link #tasks()}). */
    public SamplerOptions withTasks(List<Integer> threadIds) {
        return new SamplerOptions(frequencyHz, kernelStacks, cpus, cgroups, dataPages, userStackBytes, threadIds);
    }

    /** The same options with a stack copy of {@code bytes} (0: frame pointers only), buffer size unchanged. */
    public SamplerOptions withUserStackBytes(int bytes) {
        return new SamplerOptions(frequencyHz, kernelStacks, cpus, cgroups, dataPages, bytes, tasks);
    }
}
