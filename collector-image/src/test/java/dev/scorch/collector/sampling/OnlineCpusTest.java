package dev.scorch.collector.sampling;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OnlineCpusTest {

    @Test
    void rangesAndSinglesExpandInOrder() {
        assertThat(OnlineCpus.parse("0-3,8,10-11\n")).containsExactly(0, 1, 2, 3, 8, 10, 11);
    }

    @Test
    void singleCpu() {
        assertThat(OnlineCpus.parse("0")).containsExactly(0);
    }

    @Test
    void garbageIsAnErrorNamingTheList() {
        assertThatThrownBy(() -> OnlineCpus.parse("0-x")).hasMessageContaining("0-x");
        assertThatThrownBy(() -> OnlineCpus.parse("5-2")).hasMessageContaining("5-2");
    }
}
