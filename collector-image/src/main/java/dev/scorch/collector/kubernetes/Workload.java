package dev.scorch.collector.kubernetes;

/**
 * The object that owns a pod, as people name their services: a Deployment rather than its
 * ReplicaSet, a CronJob rather than its Job, or the pod itself when nothing owns it.
 *
 * @param kind e.g. {@code Deployment}, {@code StatefulSet}, {@code DaemonSet}, {@code Job}, {@code Pod}
 * @param name the object's name
 */
public record Workload(String kind, String name) {}
