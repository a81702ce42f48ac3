package dev.scorch.collector.pull;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PullJitterTest {

    private static final Duration INTERVAL = Duration.ofSeconds(15);

    @Test
    void offsetsStayInTheFirstQuarterOfTheInterval() {
        for (int port = 6000; port < 7000; port++) {
            assertThat(PullJitter.offset("http://10.0.0.1:" + port, INTERVAL)).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(Duration.ofMillis(3750));
        }
    }

    @Test
    void aProgramKeepsItsOffset() {
        assertThat(PullJitter.offset("http://10.0.0.7:6060", INTERVAL)).isEqualTo(PullJitter.offset("http://10.0.0.7:6060", INTERVAL));
    }

    @Test
    void neighbouringAddressesSpreadOverTheQuarter() {
        Set<Long> seconds = new HashSet<>();
        for (int host = 1; host <= 50; host++) {
            seconds.add(PullJitter.offset("http://10.0.0." + host + ":6060", INTERVAL).toSeconds());
        }

        assertThat(seconds).as("whole seconds of 50 offsets within 3.75 s").containsExactlyInAnyOrder(0L, 1L, 2L, 3L);
    }
}
