package dev.scorch.collector.export.spool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Spool file names sort by sequence as text, which recovery's pattern of 19 digits relies on. */
class ProfileSpoolNamesTest {

    @Test
    void aFileNameIsItsSequenceZeroPaddedToNineteenDigits() {
        assertThat(ProfileSpool.fileName(1)).isEqualTo("0000000000000000001.prof");
        assertThat(ProfileSpool.fileName(1234567890L)).isEqualTo("0000000001234567890.prof");
        assertThat(ProfileSpool.fileName(ProfileSpool.MAX_SEQUENCE)).isEqualTo("0999999999999999999.prof");
    }
}
