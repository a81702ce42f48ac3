package dev.scorch.collector.trigger;

/**
 * What a container's cgroup says about it at one moment.
 *
 * @param cpuUsageNanos CPU time its tasks used since the cgroup was created (grows)
 * @param memoryBytes memory charged to it now, -1 when the host does not account memory for it
 * @param memoryLimitBytes its memory limit, 0 when unlimited or unknown
 * @param cpuLimitCores its CPU quota in cores, 0 when unlimited or unknown
 */
public record CgroupStats(long cpuUsageNanos, long memoryBytes, long memoryLimitBytes, double cpuLimitCores) {}
