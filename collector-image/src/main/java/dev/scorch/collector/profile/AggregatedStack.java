package dev.scorch.collector.profile;

/**
 * One distinct raw stack of one process and how many samples hit it during an interval.
 *
 * @param pid host pid, used to symbolize the user frames
 * @param kernelIps kernel frames, leaf first
 * @param userIps user frames, leaf first
 * @param count samples
 */
public record AggregatedStack(int pid, long[] kernelIps, long[] userIps, long count) {}
