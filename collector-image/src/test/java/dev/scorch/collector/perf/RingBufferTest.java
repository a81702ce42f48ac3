package dev.scorch.collector.perf;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

class RingBufferTest {

    private static final int PAGE = 4096;
    private static final int DATA = 4096;

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment mapping = arena.allocate(PAGE + DATA, 8);
    private final RingBuffer ring = RingBuffer.over(mapping, PAGE, arena);
    private final RecordDecoder decoder = new RecordDecoder();
    private final RecordCollector handler = new RecordCollector();

    /** Writes as the kernel does: bytes at head modulo the data size, then head advances. */
    private void produce(byte[] bytes) {
        long head = mapping.get(JAVA_LONG, RingBuffer.DATA_HEAD);
        for (int i = 0; i < bytes.length; i++) {
            mapping.set(JAVA_BYTE, PAGE + ((head + i) % DATA), bytes[i]);
        }
        mapping.set(JAVA_LONG, RingBuffer.DATA_HEAD, head + bytes.length);
    }

    private void startAt(long position) {
        mapping.set(JAVA_LONG, RingBuffer.DATA_HEAD, position);
        mapping.set(JAVA_LONG, RingBuffer.DATA_TAIL, position);
    }

    @Test
    void readsEveryRecordUpToHeadAndPublishesTheTail() {
        produce(new PerfRecords().comm(1, 1, "a", false).fork(2, 1).bytes());

        int records = ring.drain(decoder, handler);

        assertThat(records).isEqualTo(2);
        assertThat(mapping.get(JAVA_LONG, RingBuffer.DATA_TAIL)).isEqualTo(mapping.get(JAVA_LONG, RingBuffer.DATA_HEAD));
        assertThat(ring.hasData()).isFalse();
    }

    @Test
    void recordWrappingAroundTheEndDecodesLikeAContiguousOne() {
        byte[] sample = new PerfRecords().sample(3, 3, 0, 5, 6, new long[] {0xffffffff81000000L}, new long[] {1, 2, 3, 4, 5}).bytes();
        startAt(DATA - 40 + 10L * DATA);

        produce(sample);
        ring.drain(decoder, handler);

        assertThat(handler.events).containsExactly("sample pid=3 tid=3 cpu=0 time=5 period=6");
        assertThat(handler.userStacks.getFirst()).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void lostRecordsAreCounted() {
        produce(new PerfRecords().lost(3).lost(4).bytes());

        ring.drain(decoder, handler);

        assertThat(handler.lost).isEqualTo(7);
    }

    @Test
    void impossibleRecordSizeSkipsToHeadInsteadOfLooping() {
        produce(new PerfRecords().raw(new byte[] {9, 0, 0, 0, 0, 0, 0, 0}).comm(1, 1, "after", false).bytes());

        ring.drain(decoder, handler);

        assertThat(ring.malformed()).isEqualTo(1);
        assertThat(ring.hasData()).isFalse();
    }

    @Test
    void recordsArrivingAfterADrainAreReadByTheNext() {
        produce(new PerfRecords().fork(2, 1).bytes());
        ring.drain(decoder, handler);
        produce(new PerfRecords().exit(2).bytes());

        ring.drain(decoder, handler);

        assertThat(handler.events).containsExactly("fork pid=2 parent=1", "exit pid=2 tid=2");
    }
}
