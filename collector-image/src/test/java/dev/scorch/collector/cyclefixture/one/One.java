package dev.scorch.collector.cyclefixture.one;

import dev.scorch.collector.cyclefixture.two.Two;

/** Half of a deliberate package cycle that {@code PackageCyclesTest} must report. */
public final class One {
    public Two partner() {
        return new Two();
    }
}
