package dev.scorch.collector.sampling;

import dev.scorch.collector.perf.EventAttributes;

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

    /** 64 pages (256 KiB) per CPU: at 1000 Hz with 30-frame stacks that is about a second of samples. */
    public static final int DEFAULT_DATA_PAGES = 64;
    /**
     * 128 pages (512 KiB) per CPU when samples carry a stack copy (8.5 KiB each): 60 samples, 0.6 s at
     * 99 Hz and 60 ms at 1,000 Hz; with the metadata page that is the 516 KiB per CPU that
     * {@code perf_event_mlock_kb} allows by default without CAP_IPC_LOCK.
     */
    public static final int DEFAULT_DATA_PAGES_WITH_USER_STACK = 128;
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
        int stack = unwindingSupported() ? DEFAULT_USER_STACK_BYTES : 0;
        return new SamplerOptions(frequencyHz, kernelStacks, OnlineCpus.read(), List.of(),
                stack > 0 ? dataPagesWithUserStack(frequencyHz) : DEFAULT_DATA_PAGES, stack, List.of());
    }

    /**
     * Half a second of samples with their stack copies per CPU, at least
     * {@link #DEFAULT_DATA_PAGES_WITH_USER_STACK} and at most 1024 pages (4 MiB, 1,000 Hz). Above
     * 128 pages the buffer needs CAP_IPC_LOCK or a raised {@code perf_event_mlock_kb}; the sampler
     * falls back to 128 pages when the kernel refuses.
     */
    static int dataPagesWithUserStack(int frequencyHz) {
        long bytes = (long) frequencyHz * (DEFAULT_USER_STACK_BYTES + 512) / 2;
        int pages = DEFAULT_DATA_PAGES_WITH_USER_STACK;
        while (pages < 1024 && (long) pages * 4096 < bytes) {
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
