package dev.scorch.collector.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the attach handshake reads from {@code /proc/<pid>/status}. */
class JvmStatusTest {

    private static final String STATUS = """
            Name:\tjava
            State:\tT (stopped)
            Uid:\t0\t1000\t1000\t1000
            Gid:\t0\t1001\t1001\t1001
            SigPnd:\t0000000000000000
            ShdPnd:\t%s
            SigBlk:\t0000000000000000
            SigIgn:\t0000000000000000
            SigCgt:\t0000000000000004
            """;

    @Test
    void aSigquitPendingForTheProcessIsSeen() {
        JvmStatus status = JvmStatus.parse(STATUS.formatted("0000000000000004"));

        assertThat(status.sigquitPending()).isTrue();
        assertThat(status.catchesSigquit()).isTrue();
        assertThat(status.uid()).isEqualTo(1000);
        assertThat(status.gid()).isEqualTo(1001);
    }

    @Test
    void otherPendingSignalsAreNotASigquit() {
        assertThat(JvmStatus.parse(STATUS.formatted("0000000000004000")).sigquitPending()).isFalse();
    }

    @Test
    void anUnparsableMaskMakesTheWholeStatusUnknown() {
        assertThat(JvmStatus.parse(STATUS.formatted("not-hex"))).isNull();
    }
}
