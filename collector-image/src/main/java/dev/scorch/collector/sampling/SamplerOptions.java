package dev.scorch.collector.sampling;

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
 */
public record SamplerOptions(int frequencyHz, boolean kernelStacks, List<Integer> cpus, List<Path> cgroups, int dataPages) {

    /** 64 pages (256 KiB) per CPU: at 1000 Hz with 30-frame stacks that is about a second of samples. */
    public static final int DEFAULT_DATA_PAGES = 64;

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
        cpus = List.copyOf(cpus);
        cgroups = List.copyOf(cgroups);
    }

    /** Every online CPU, the whole system. */
    public static SamplerOptions allCpus(int frequencyHz, boolean kernelStacks) {
        return new SamplerOptions(frequencyHz, kernelStacks, OnlineCpus.read(), List.of(), DEFAULT_DATA_PAGES);
    }

    public SamplerOptions withCpus(List<Integer> cpus) {
        return new SamplerOptions(frequencyHz, kernelStacks, cpus, cgroups, dataPages);
    }

    public SamplerOptions withDataPages(int pages) {
        return new SamplerOptions(frequencyHz, kernelStacks, cpus, cgroups, pages);
    }

    public SamplerOptions withCgroups(List<Path> cgroups) {
        return new SamplerOptions(frequencyHz, kernelStacks, cpus, cgroups, dataPages);
    }
}
