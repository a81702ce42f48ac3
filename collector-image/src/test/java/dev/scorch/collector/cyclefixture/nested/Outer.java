package dev.scorch.collector.cyclefixture.nested;

import dev.scorch.collector.cyclefixture.nested.inner.Inner;

/** A package using its own sub-package that uses it back: a cycle {@code PackageCyclesTest} must report. */
public final class Outer {
    public Inner inner() {
        return new Inner();
    }
}
