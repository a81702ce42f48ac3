package dev.scorch.collector.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SeriesLabelsTest {

    @Test
    void aCpuProfileIsNamedProcessCpu() {
        assertThat(SeriesLabels.of(new TreeMap<>(Map.of("pod", "api-0", "service_name", "shop/api"))))
                .containsExactly(Map.entry("__name__", "process_cpu"), Map.entry("pod", "api-0"), Map.entry("service_name", "shop/api"));
    }

    @Test
    void aPulledProfileKeepsItsOwnNameOnceAndFirst() {
        assertThat(SeriesLabels.of(new TreeMap<>(Map.of(SeriesLabels.NAME, "memory", "pod", "api-0"))))
                .containsExactly(Map.entry("__name__", "memory"), Map.entry("pod", "api-0"));
    }

    @Test
    void labelNamesArePrometheusNames() {
        assertThat(SeriesLabels.of(new TreeMap<>(Map.of("team.example/owner", "a", "__secret", "b"))))
                .containsEntry("team_example_owner", "a").containsEntry("_secret", "b");
    }
}
