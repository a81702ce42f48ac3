package dev.scorch.collector.export.spool;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.export.TestProfiles;
import dev.scorch.collector.fuzz.HostileInputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes in a spool file: decoding gives a profile or a {@link CorruptSpoolFileException}, and
 * recovery plus a read of such a file never throws for the file.
 */
class SpoolRecordFuzzTest {

    @TempDir
    Path dir;

    static void decode(byte[] bytes) throws CorruptSpoolFileException {
        SpoolRecord.decode(bytes);
    }

    @FuzzTest(maxDuration = "1m")
    void anyBytesDecodeToAProfileOrACorruptFile(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) {
        try {
            decode(bytes);
        } catch (CorruptSpoolFileException counted) {
            // dropped and counted as corrupt-spool-file
        }
    }

    /** A record as the spool writes it to disk. */
    private byte[] writtenRecord() throws IOException {
        ProfileSpool spool = new ProfileSpool(dir.resolve("written"), 32L << 20);
        spool.recover();
        return Files.readAllBytes(spool.begin(TestProfiles.numbered(1, 2000)).commit().file());
    }

    @Test
    void mutantsOfARecordDecodeToAProfileOrACorruptFile() throws IOException {
        byte[] record = writtenRecord();
        HostileInputs.survive(HostileInputs.mutants(List.of(record), 300, 21), 64L << 20, SpoolRecordFuzzTest::decode,
                CorruptSpoolFileException.class);
    }

    @Test
    void mutantsOfARecordOnDiskAreRecoveredOrCountedNeverThrown() throws IOException {
        byte[] record = writtenRecord();
        int[] n = {0};
        HostileInputs.survive(HostileInputs.mutants(List.of(record), 100, 22), 64L << 20, bytes -> {
            Path spool = Files.createDirectories(dir.resolve("spool-" + n[0]++));
            Files.write(spool.resolve("0000000000000000001.prof"), bytes);
            ProfileSpool profiles = new ProfileSpool(spool, 32L << 20);
            for (ProfileSpool.Entry entry : profiles.recover().entries()) {
                profiles.read(entry);
            }
        }, CorruptSpoolFileException.class);
    }
}
