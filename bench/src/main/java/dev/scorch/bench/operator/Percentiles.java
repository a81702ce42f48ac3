package dev.scorch.bench.operator;

import java.time.Duration;
import java.util.List;

/** Nearest-rank percentiles of measured durations. */
record Percentiles(Duration p50, Duration p99, Duration max, int samples) {

    static Percentiles of(List<Duration> durations) {
        List<Duration> sorted = durations.stream().sorted().toList();
        return new Percentiles(rank(sorted, 50), rank(sorted, 99), sorted.getLast(), sorted.size());
    }

    private static Duration rank(List<Duration> sorted, int percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index));
    }

    @Override
    public String toString() {
        return "p50 " + millis(p50) + ", p99 " + millis(p99) + ", max " + millis(max) + " (n=" + samples + ")";
    }

    static String millis(Duration duration) {
        return String.format("%.0f ms", duration.toNanos() / 1e6);
    }
}
