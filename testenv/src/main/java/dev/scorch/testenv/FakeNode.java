package dev.scorch.testenv;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node kwok pretends to run: its name, labels and allocatable resources.
 *
 * @param name the Node's name
 * @param labels labels besides the ones every fake node carries ({@link Kwok#MANAGED_LABEL},
 *     {@code kubernetes.io/hostname}, {@code kubernetes.io/os})
 * @param cpu allocatable CPU as a quantity, e.g. {@code "4"}; a tiny value makes pods that request
 *     more unschedulable on this node
 * @param memory allocatable memory as a quantity, e.g. {@code "16Gi"}
 */
public record FakeNode(String name, Map<String, String> labels, String cpu, String memory) {

    public FakeNode {
        labels = Map.copyOf(labels);
    }

    /** A node with room for any collector: 4 CPUs, 16 GiB, no extra labels. */
    public static FakeNode named(String name) {
        return new FakeNode(name, Map.of(), "4", "16Gi");
    }

    public FakeNode withLabel(String key, String value) {
        Map<String, String> more = new LinkedHashMap<>(labels);
        more.put(key, value);
        return new FakeNode(name, more, cpu, memory);
    }

    public FakeNode withAllocatable(String cpu, String memory) {
        return new FakeNode(name, labels, cpu, memory);
    }
}
