package dev.scorch.collector.cyclefixture.two;

import dev.scorch.collector.cyclefixture.one.One;

/** The other half of the deliberate package cycle. */
public final class Two {
    public One partner() {
        return new One();
    }
}
