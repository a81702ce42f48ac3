package dev.scorch.collector.symbol.elf;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.GoWorkload;
import dev.scorch.collector.symbol.ObjectSymbols;
import dev.scorch.collector.symbol.ProcMaps;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: real object files, truncated or corrupted at random (seeded, so a failure repeats),
 * are either read or refused with {@link ElfFormatException}; nothing else is thrown, and reading
 * one never allocates more than a bound proportional to the file.
 */
class HostileElfPropertyTest {

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static void survivesCorruption(Path file, long seed, int variants) throws Exception {
        byte[] original = Files.readAllBytes(file);
        long allocationBound = 4L * original.length + (16L << 20);
        Random random = new Random(seed);
        long worst = 0;
        int refused = 0;
        for (int variant = 0; variant < variants; variant++) {
            byte[] bytes = corrupt(original, random);
            long before = THREADS.getCurrentThreadAllocatedBytes();
            try {
                ObjectSymbols symbols = ObjectSymbols.read(ElfFile.parse(ByteSource.of(bytes)));
                symbols.symbolize(new Mapping(0x400000, 0x800000, 0, "/x", 1, true), 0x401000, false);
            } catch (ElfFormatException | OverBudgetException refusedAsExpected) {
                refused++;
            } catch (Throwable unexpected) {
                throw new AssertionError("variant " + variant + " of " + file + " (seed " + seed + ") threw " + unexpected, unexpected);
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            worst = Math.max(worst, allocated);
            assertThat(allocated).as("bytes allocated reading variant %d of %s", variant, file).isLessThan(allocationBound);
        }
        System.out.printf("%s: %d corrupted variants, %d refused, worst allocation %d KiB (file %d KiB)%n", file.getFileName(),
                variants, refused, worst / 1024, original.length / 1024);
    }

    /** One of: truncation, byte flips in the headers, extreme values in header fields, noise anywhere. */
    private static byte[] corrupt(byte[] original, Random random) {
        byte[] bytes;
        switch (random.nextInt(4)) {
            case 0 -> bytes = Arrays.copyOf(original, random.nextInt(original.length));
            case 1 -> {
                bytes = original.clone();
                for (int i = 0; i < 1 + random.nextInt(8); i++) {
                    bytes[random.nextInt(Math.min(bytes.length, 4096))] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 2 -> {
                bytes = original.clone();
                ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                long[] extremes = {0, -1, Long.MAX_VALUE, Integer.MAX_VALUE, 0xFFFFFFFFL, bytes.length, bytes.length + 1L, 1L << 40};
                int fields = Math.min(bytes.length, 8192) / 8;
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    header.putLong(8 * random.nextInt(fields - 1), extremes[random.nextInt(extremes.length)]);
                }
                // and sometimes inside the section header table, where the table offsets live
                long shoff = header.getLong(40);
                if (shoff > 0 && shoff < bytes.length - 64 && random.nextBoolean()) {
                    int at = (int) shoff + 64 * random.nextInt((int) Math.min(32, (bytes.length - shoff) / 64));
                    header.putLong(Math.min(at + 8 * random.nextInt(8), bytes.length - 8), extremes[random.nextInt(extremes.length)]);
                }
            }
            default -> {
                bytes = original.clone();
                for (int i = 0; i < 64; i++) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
                }
            }
        }
        return bytes;
    }

    @Test
    void corruptedSharedLibrariesAreReadOrRefused() throws Exception {
        survivesCorruption(Path.of(ProcMaps.of(ProcessHandle.current().pid()).base("/libc.so.6").path()), 1, 150);
    }

    @Test
    void corruptedStrippedGoBinariesAreReadOrRefused() throws Exception {
        survivesCorruption(GoWorkload.binary(GoWorkload.Flavour.STRIPPED), 2, 150);
    }

    @Test
    void corruptedJvmLibrariesAreReadOrRefused() throws Exception {
        Path libjvm = Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
        survivesCorruption(Files.exists(libjvm) ? libjvm : Path.of(ProcMaps.of(ProcessHandle.current().pid()).base("/libc.so.6").path()), 3, 25);
    }
}
