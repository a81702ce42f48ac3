package dev.scorch.collector.symbol;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of symbolization outcomes, one per distinct address per profile (not per sample): how
 * many resolved, and how many missed by {@link MissReason}. Thread-safe; read by the metrics
 * endpoint while profiles are built.
 */
public final class SymbolizationMetrics {

    private final LongAdder resolved = new LongAdder();
    private final EnumMap<MissReason, LongAdder> misses = new EnumMap<>(MissReason.class);

    public SymbolizationMetrics() {
        for (MissReason reason : MissReason.values()) {
            misses.put(reason, new LongAdder());
        }
    }

    /** Counts one address's outcome and returns it unchanged. */
    public Symbolization record(Symbolization symbolization) {
        if (symbolization.resolved()) {
            resolved.increment();
        } else {
            misses.get(symbolization.miss()).increment();
        }
        return symbolization;
    }

    public long resolved() {
        return resolved.sum();
    }

    public long misses(MissReason reason) {
        return misses.get(reason).sum();
    }

    /** Misses by reason, every reason present (zeros included) so metric series exist from the start. */
    public Map<MissReason, Long> missesByReason() {
        EnumMap<MissReason, Long> snapshot = new EnumMap<>(MissReason.class);
        misses.forEach((reason, adder) -> snapshot.put(reason, adder.sum()));
        return snapshot;
    }
}
