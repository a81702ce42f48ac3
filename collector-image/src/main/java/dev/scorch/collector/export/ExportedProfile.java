package dev.scorch.collector.export;

import java.time.Duration;
import java.time.Instant;
import java.util.SortedMap;

/**
 * One profile of one target over one interval, encoded for one backend: what its queue spools and
 * its sender sends.
 *
 * @param id stable id (UUID text) so a replay after a crash can be recognised as a duplicate
 * @param labels series labels (service_name, namespace, pod, container, node, policy labels)
 * @param start start of the interval
 * @param duration length of the interval
 * @param payload the profile in the backend's {@link WireFormat}
 */
public record ExportedProfile(String id, SortedMap<String, String> labels, Instant start, Duration duration, byte[] payload) {}
