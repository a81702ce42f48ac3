package dev.scorch.collector.sampling;

import dev.scorch.collector.perf.SampleRecord;

import java.util.Arrays;

/**
 * One CPU sample decoded from a perf ring buffer.
 *
 * @param pid process id as the host (initial pid namespace) sees it
 * @param tid thread id, host namespace
 * @param cpu the CPU that took the sample
 * @param timeNanos perf clock time of the sample
 * @param period the event period the kernel attributed to this sample, in nanoseconds of CPU time
 * @param kernelIps kernel frames, leaf first; empty when kernel stacks are off
 * @param userIps user frames, leaf first; perf's context markers removed
 */
public record Sample(int pid, int tid, int cpu, long timeNanos, long period, long[] kernelIps, long[] userIps) {

    /** An immutable copy of the decoder's reusable view. */
    public static Sample copyOf(SampleRecord record) {
        return new Sample(record.pid(), record.tid(), record.cpu(), record.timeNanos(), record.period(),
                Arrays.copyOf(record.kernelIps(), record.kernelDepth()),
                Arrays.copyOf(record.userIps(), record.userDepth()));
    }
}
