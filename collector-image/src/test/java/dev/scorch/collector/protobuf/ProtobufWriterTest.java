package dev.scorch.collector.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Expected bytes are worked out by hand from the protobuf encoding rules. */
class ProtobufWriterTest {

    private static String hex(ProtobufWriter writer) {
        return HexFormat.ofDelimiter(" ").formatHex(writer.toByteArray());
    }

    @Test
    void varintFieldIsTagThenSevenBitGroupsLeastSignificantFirst() {
        // field 1, wire type 0 -> 0x08; 150 = 0b1_0010110 -> 0x96 0x01
        assertThat(hex(new ProtobufWriter().varint(1, 150))).isEqualTo("08 96 01");
    }

    @Test
    void negativeInt64TakesTenBytes() {
        assertThat(hex(new ProtobufWriter().varint(2, -1))).isEqualTo("10 ff ff ff ff ff ff ff ff ff 01");
    }

    @Test
    void zeroFalseAndEmptySingularFieldsAreOmitted() {
        ProtobufWriter writer = new ProtobufWriter().varint(1, 0).bool(2, false).string(3, "").string(4, null).bytes(5, new byte[0]);
        assertThat(writer.size()).isZero();
    }

    @Test
    void fixed64IsTagThenEightBytesLittleEndian() {
        // field 3, wire type 1 -> 0x19
        assertThat(hex(new ProtobufWriter().fixed64(3, 0x0102030405060708L))).isEqualTo("19 08 07 06 05 04 03 02 01");
        assertThat(new ProtobufWriter().fixed64(3, 0).size()).isZero();
    }

    @Test
    void boolTrueIsVarintOne() {
        assertThat(hex(new ProtobufWriter().bool(7, true))).isEqualTo("38 01");
    }

    @Test
    void stringIsLengthDelimitedUtf8() {
        // field 2, wire type 2 -> 0x12
        assertThat(hex(new ProtobufWriter().string(2, "testing"))).isEqualTo("12 07 74 65 73 74 69 6e 67");
        assertThat(hex(new ProtobufWriter().string(1, "é€"))).isEqualTo("0a 05 c3 a9 e2 82 ac");
    }

    @Test
    void repeatedStringWritesEmptyElements() {
        // string_table[0] must be "" and still be present
        assertThat(hex(new ProtobufWriter().repeatedString(6, "").repeatedString(6, "a"))).isEqualTo("32 00 32 01 61");
    }

    @Test
    void packedVarintsShareOneLengthPrefix() {
        // field 4 -> 0x22; payload 03 | 8e 02 | 9e a7 05 = 6 bytes
        assertThat(hex(new ProtobufWriter().packedVarints(4, 3, 270, 86942))).isEqualTo("22 06 03 8e 02 9e a7 05");
    }

    @Test
    void packedVarintsOfARangeWriteOnlyThatRange() {
        long[] values = {9, 1, 2, 9};
        assertThat(hex(new ProtobufWriter().packedVarints(1, values, 1, 3))).isEqualTo("0a 02 01 02");
        assertThat(new ProtobufWriter().packedVarints(1, values, 2, 2).size()).isZero();
    }

    @Test
    void nestedMessageIsFramedWithItsLength() {
        // field 3 -> 0x1a; body 08 96 01
        assertThat(hex(new ProtobufWriter().beginMessage(3).varint(1, 150).endMessage())).isEqualTo("1a 03 08 96 01");
    }

    @Test
    void emptyNestedMessageIsStillPresent() {
        assertThat(hex(new ProtobufWriter().beginMessage(1).endMessage())).isEqualTo("0a 00");
    }

    @Test
    void nestedMessageOf128BytesOrMoreGetsATwoByteLength() {
        byte[] payload = new byte[200];
        Arrays.fill(payload, (byte) 0x55);
        ProtobufWriter writer = new ProtobufWriter(8).beginMessage(3).bytes(1, payload).varint(2, 1).endMessage();
        byte[] out = writer.toByteArray();
        // body: 0a c8 01 <200 bytes> 10 01 = 205 bytes; 205 = 0xcd -> varint cd 01
        assertThat(HexFormat.of().formatHex(out, 0, 6)).isEqualTo("1acd010ac801");
        assertThat(out).hasSize(3 + 205);
        assertThat(HexFormat.of().formatHex(out, out.length - 3, out.length)).isEqualTo("551001");
    }

    @Test
    void deeplyNestedLargeMessagesKeepEveryLengthRight() {
        byte[] payload = new byte[70_000];
        ProtobufWriter writer = new ProtobufWriter().beginMessage(1).beginMessage(2).bytes(1, payload).endMessage().endMessage();
        byte[] out = writer.toByteArray();
        // inner body: tag 0a + varint(70000)=3 bytes + 70000 = 70004; 70004 -> f4 a2 04
        // inner message: 12 f4 a2 04 + 70004 = 70008; 70008 -> f8 a2 04
        assertThat(HexFormat.of().formatHex(out, 0, 11)).isEqualTo("0af8a20412f4a2040af0a2");
        assertThat(out).hasSize(4 + 70008);
    }

    @Test
    void varintSizeCountsSevenBitGroups() {
        assertThat(ProtobufWriter.varintSize(0)).isEqualTo(1);
        assertThat(ProtobufWriter.varintSize(127)).isEqualTo(1);
        assertThat(ProtobufWriter.varintSize(128)).isEqualTo(2);
        assertThat(ProtobufWriter.varintSize(16_383)).isEqualTo(2);
        assertThat(ProtobufWriter.varintSize(16_384)).isEqualTo(3);
        assertThat(ProtobufWriter.varintSize(Long.MAX_VALUE)).isEqualTo(9);
        assertThat(ProtobufWriter.varintSize(-1)).isEqualTo(10);
    }

    @Test
    void unbalancedMessagesAreRefused() {
        assertThatThrownBy(() -> new ProtobufWriter().beginMessage(1).toByteArray()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new ProtobufWriter().endMessage()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void resetReusesTheWriterForTheNextMessage() {
        ProtobufWriter writer = new ProtobufWriter().varint(1, 5);
        writer.reset();
        assertThat(hex(writer.varint(2, 1))).isEqualTo("10 01");
    }
}
