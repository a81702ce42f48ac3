package dev.scorch.collector.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ProtobufReaderTest {

    @Test
    void readsWhatTheWriterWroteAndSkipsFieldsItIsNotAskedFor() throws Exception {
        byte[] bytes = new ProtobufWriter()
                .varint(1, 300)
                .string(2, "grüße")
                .beginMessage(3).varint(1, -1L).endMessage()
                .packedVarints(4, 1, 2, 1L << 40)
                .varint(5, 7)
                .toByteArray();

        ProtobufReader r = ProtobufReader.of(bytes);
        long first = 0;
        String second = null;
        long nested = 0;
        ProtobufReader.LongList packed = new ProtobufReader.LongList();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> first = r.varint();
                case 2 -> second = r.string();
                case 3 -> {
                    ProtobufReader m = r.message();
                    while (m.next()) {
                        nested = m.varint();
                    }
                }
                case 4 -> r.repeatedVarint(packed);
                default -> { }
            }
        }

        assertThat(first).isEqualTo(300);
        assertThat(second).isEqualTo("grüße");
        assertThat(nested).isEqualTo(-1L);
        assertThat(packed.toArray()).containsExactly(1, 2, 1L << 40);
    }

    @Test
    void aLengthPastTheEndIsRefusedWithoutAllocatingIt() {
        byte[] bytes = {(2 << 3) | 2, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x7F, 'a'};

        assertThatThrownBy(() -> {
            ProtobufReader r = ProtobufReader.of(bytes);
            r.next();
            r.string();
        }).isInstanceOf(MalformedProtobufException.class).hasMessageContaining("only 1 remain");
    }

    @Test
    void aVarintLongerThanTenBytesIsRefused() {
        byte[] bytes = new byte[12];
        Arrays.fill(bytes, (byte) 0x80);
        bytes[0] = 1 << 3;

        assertThatThrownBy(() -> {
            ProtobufReader r = ProtobufReader.of(bytes);
            r.next();
            r.varint();
        }).isInstanceOf(MalformedProtobufException.class).hasMessageContaining("longer than 10 bytes");
    }

    @Test
    void groupsAreRefused() {
        assertThatThrownBy(() -> ProtobufReader.of(new byte[] {(1 << 3) | 3}).next())
                .isInstanceOf(MalformedProtobufException.class).hasMessageContaining("wire type 3");
    }

    @Test
    void aCutOffFieldIsRefusedWhenSkipped() {
        byte[] bytes = {(1 << 3) | 1, 1, 2, 3};

        assertThatThrownBy(() -> {
            ProtobufReader r = ProtobufReader.of(bytes);
            while (r.next()) {
                // skip everything
            }
        }).isInstanceOf(MalformedProtobufException.class).hasMessageContaining("cut off");
    }
}
