package dev.scorch.collector.cyclefixture.nested.inner;

import dev.scorch.collector.cyclefixture.nested.Outer;

/** The sub-package half of the deliberate cycle in {@code cyclefixture.nested}. */
public final class Inner {
    public Outer outer() {
        return new Outer();
    }
}
