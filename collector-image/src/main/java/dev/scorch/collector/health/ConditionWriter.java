package dev.scorch.collector.health;

/** Writes the condition to the collector's own pod status. */
@FunctionalInterface
public interface ConditionWriter {

    /** @throws Exception when the write did not land; it is retried at the next update */
    void write(CollectingCondition condition) throws Exception;
}
