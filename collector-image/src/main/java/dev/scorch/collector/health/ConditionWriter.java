package dev.scorch.collector.health;

import java.util.Map;
import java.util.Set;

/** Writes conditions to the collector's own pod status, all of them in one write. */
@FunctionalInterface
public interface ConditionWriter {

    /**
     * @param conditions the conditions to set, by type; the pod's other conditions stay as they are
     * @param removed the types whose conditions come off the pod
     * @throws Exception when the write did not land; it is retried at the next flush
     */
    void write(Map<String, CollectingCondition> conditions, Set<String> removed) throws Exception;
}
