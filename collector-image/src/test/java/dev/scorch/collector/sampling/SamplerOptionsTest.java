package dev.scorch.collector.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The ring each CPU asks for: seconds of samples at the frequency and layout, within its bounds. */
class SamplerOptionsTest {

    @Test
    void theStackCopyLayoutAt99HzGetsRingsOfFourSecondsOfSamplesAndMore() {
        int pages = SamplerOptions.ringPages(99, SamplerOptions.DEFAULT_USER_STACK_BYTES, 2);

        assertThat(pages).isEqualTo(1024);
        double seconds = pages * 4096.0 / (99 * (SamplerOptions.DEFAULT_USER_STACK_BYTES + 512));
        assertThat(seconds).isGreaterThanOrEqualTo(SamplerOptions.RING_SECONDS);
    }

    @Test
    void theFramePointerLayoutKeepsTheSmallestRing() {
        assertThat(SamplerOptions.ringPages(99, 0, 2)).isEqualTo(SamplerOptions.DEFAULT_DATA_PAGES);
    }

    @Test
    void aSmallerStackCopyAsksForASmallerRing() {
        assertThat(SamplerOptions.ringPages(99, 2048, 2)).isEqualTo(256);
        assertThat(SamplerOptions.ringPages(19, SamplerOptions.DEFAULT_USER_STACK_BYTES, 2)).isEqualTo(256);
    }

    @Test
    void noCpuAsksForMoreThanTheBoundWhateverTheFrequency() {
        assertThat(SamplerOptions.ringPages(1000, SamplerOptions.DEFAULT_USER_STACK_BYTES, 2)).isEqualTo(SamplerOptions.MAX_DATA_PAGES);
        assertThat(SamplerOptions.ringPages(1000, SamplerOptions.DEFAULT_USER_STACK_BYTES, 16)).isEqualTo(1024);
        assertThat(SamplerOptions.ringPages(100_000, 61_440, 1)).isEqualTo(SamplerOptions.MAX_DATA_PAGES);
    }

    @Test
    void allCpusRingsTogetherStayWithinTheNodeBound() {
        assertThat(SamplerOptions.ringPages(99, SamplerOptions.DEFAULT_USER_STACK_BYTES, 16)).isEqualTo(1024);
        assertThat(SamplerOptions.ringPages(99, SamplerOptions.DEFAULT_USER_STACK_BYTES, 64)).isEqualTo(256);
        assertThat(SamplerOptions.ringPages(99, SamplerOptions.DEFAULT_USER_STACK_BYTES, 128)).isEqualTo(128);
        assertThat(SamplerOptions.ringPages(99, SamplerOptions.DEFAULT_USER_STACK_BYTES, 1024)).isEqualTo(SamplerOptions.DEFAULT_DATA_PAGES);
    }
}
