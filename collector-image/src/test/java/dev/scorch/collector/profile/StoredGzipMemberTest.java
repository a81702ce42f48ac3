package dev.scorch.collector.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** A profile's own comments travel as a gzip member of stored blocks, which gzip readers take after the compressed body. */
class StoredGzipMemberTest {

    @Test
    void aStoredMemberLongerThanOneBlockReadsBackAfterACompressedMember() throws IOException {
        byte[] data = new byte[150_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(compressed)) {
            out.write("first".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] first = compressed.toByteArray();
        byte[] second = PprofEncoder.storedGzipMember(data);
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);

        byte[] read;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(both))) {
            read = in.readAllBytes();
        }

        assertThat(Arrays.copyOf(read, 5)).isEqualTo("first".getBytes(StandardCharsets.US_ASCII));
        assertThat(Arrays.copyOfRange(read, 5, read.length)).isEqualTo(data);
    }

    @Test
    void anEmptyStoredMemberIsAValidGzipStream() throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(PprofEncoder.storedGzipMember(new byte[0])))) {
            assertThat(in.readAllBytes()).isEmpty();
        }
    }
}
