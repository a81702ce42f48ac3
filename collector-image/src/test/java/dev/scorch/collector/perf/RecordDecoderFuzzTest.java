package dev.scorch.collector.perf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ring buffer reader and record decoder take whatever bytes the buffer holds: they must never
 * throw, never loop, and always consume up to the head. The normal build replays the committed
 * corpus (RecordDecoderFuzzTestInputs); {@code JAZZER_FUZZ=1} fuzzes.
 */
class RecordDecoderFuzzTest {

    private static final int PAGE = 4096;

    @FuzzTest(maxDuration = "2m")
    void anyBufferContentIsConsumedWithoutThrowing(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] data) {
        int dataSize = Math.max(64, Integer.highestOneBit(Math.max(1, data.length - 1)) << 1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = arena.allocate(PAGE + dataSize, 8);
            // The first byte picks where in the data area the records start, to exercise wrap-around.
            long start = data.length == 0 ? 0 : (data[0] & 0xff) * 8L;
            int length = Math.min(data.length, dataSize);
            for (int i = 0; i < length; i++) {
                mapping.set(java.lang.foreign.ValueLayout.JAVA_BYTE, PAGE + ((start + i) % dataSize), data[i]);
            }
            mapping.set(JAVA_LONG, RingBuffer.DATA_TAIL, start);
            mapping.set(JAVA_LONG, RingBuffer.DATA_HEAD, start + length);
            RingBuffer ring = RingBuffer.over(mapping, PAGE, arena);
            RecordCounter counter = new RecordCounter();

            ring.drain(new RecordDecoder(), counter);

            assertThat(ring.hasData()).isFalse();
            assertThat(counter.samples).isLessThanOrEqualTo(length / RecordDecoder.SAMPLE_FIXED_SIZE);
        }
    }

    private static final class RecordCounter implements RecordHandler {
        long samples;

        @Override
        public void sample(SampleRecord sample) {
            assertThat(sample.kernelDepth() + sample.userDepth()).isLessThanOrEqualTo(SampleRecord.MAX_FRAMES * 2);
            samples++;
        }
    }
}
