package dev.scorch.collector.perf;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

class RecordDecoderTest {

    private final RecordDecoder decoder = new RecordDecoder();
    private final RecordCollector handler = new RecordCollector();

    private void decodeAll(byte[] bytes) {
        MemorySegment segment = MemorySegment.ofArray(bytes);
        int offset = 0;
        while (offset < bytes.length) {
            int size = Short.toUnsignedInt((short) ((bytes[offset + 6] & 0xff) | (bytes[offset + 7] & 0xff) << 8));
            decoder.decode(segment, offset, size, handler);
            offset += size;
        }
    }

    @Test
    void sampleSplitsTheCallchainAtContextMarkersLeafFirst() {
        decodeAll(new PerfRecords().sample(42, 43, 1, 1000, 10_101_010, new long[] {0xffffffff81000010L, 0xffffffff81000020L},
                new long[] {0x401000, 0x402000, 0x403000}).bytes());

        assertThat(handler.events).containsExactly("sample pid=42 tid=43 cpu=1 time=1000 period=10101010");
        assertThat(handler.kernelStacks.getFirst()).containsExactly(0xffffffff81000010L, 0xffffffff81000020L);
        assertThat(handler.userStacks.getFirst()).containsExactly(0x401000, 0x402000, 0x403000);
    }

    @Test
    void sampleWithoutKernelFramesHasAnEmptyKernelStack() {
        decodeAll(new PerfRecords().sample(7, 7, 0, 1, 1, new long[0], new long[] {0x401000}).bytes());

        assertThat(handler.kernelStacks.getFirst()).isEmpty();
        assertThat(handler.userStacks.getFirst()).containsExactly(0x401000);
    }

    @Test
    void callchainLongerThanItsRecordIsMalformedNotRead() {
        byte[] bytes = new PerfRecords().sample(7, 7, 0, 1, 1, new long[0], new long[] {0x401000}).bytes();
        bytes[48] = (byte) 200;

        decodeAll(bytes);

        assertThat(handler.events).containsExactly("malformed type=9");
    }

    @Test
    void executableMmap2CarriesRangeOffsetInodeAndPath() {
        decodeAll(new PerfRecords().at(4_200).mmap2(5, 0x400000, 0x2000, 0x1000, 77, 5, "/usr/bin/app with space").bytes());

        assertThat(handler.events).containsExactly("mmap pid=5 start=400000 length=8192 offset=4096 inode=77 path=/usr/bin/app with space time=4200");
    }

    @Test
    void dataMmap2IsIgnored() {
        decodeAll(new PerfRecords().mmap2(5, 0x400000, 0x2000, 0, 77, 3, "/data").bytes());

        assertThat(handler.events).isEmpty();
    }

    @Test
    void commTellsExecApartFromRename() {
        decodeAll(new PerfRecords().at(7).comm(5, 5, "worker", true).at(8).comm(5, 6, "thread-2", false).bytes());

        assertThat(handler.events).containsExactly("comm pid=5 tid=5 command=worker exec=true time=7",
                "comm pid=5 tid=6 command=thread-2 exec=false time=8");
    }

    @Test
    void forkExitLostAndThrottleAreReported() {
        decodeAll(new PerfRecords().fork(9, 5).exit(9).lost(12).throttle().bytes());

        assertThat(handler.events).containsExactly("fork pid=9 parent=5", "exit pid=9 tid=9", "lost 12", "throttle");
    }

    @Test
    void truncatedRecordsAreMalformed() {
        byte[] tooShort = {9, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        byte[] shortMmap = {10, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0};

        decodeAll(new PerfRecords().raw(tooShort).raw(shortMmap).bytes());

        assertThat(handler.events).containsExactly("malformed type=9", "malformed type=10");
    }

    @Test
    void sampleWithUserStackCarriesRegistersAndTheCopiedWords() {
        long sp = 0x7ffd_0000_1000L;
        byte[] bytes = new PerfRecords().sampleWithUserStack(9, new long[] {0x401000, 0x402000}, 0x7ffd_0000_1040L, sp, 0x401000,
                new long[] {0x11, 0x22, 0x33}, 64).bytes();
        MemorySegment segment = MemorySegment.ofArray(bytes);
        long[] word = new long[1];
        new RecordDecoder(true).decode(segment, 0, bytes.length, new RecordHandler() {
            @Override
            public void sample(SampleRecord sample) {
                handler.events.add("sample pid=" + sample.pid());
                assertThat(sample.hasUserRegisters()).isTrue();
                assertThat(sample.bp()).isEqualTo(0x7ffd_0000_1040L);
                assertThat(sample.sp()).isEqualTo(sp);
                assertThat(sample.ip()).isEqualTo(0x401000);
                assertThat(sample.stackBytes()).isEqualTo(24);
                assertThat(sample.readStack(sp + 16, word)).isTrue();
                assertThat(word[0]).isEqualTo(0x33);
                assertThat(sample.readStack(sp + 24, word)).as("past dyn_size").isFalse();
                assertThat(sample.readStack(sp - 8, word)).as("below sp").isFalse();
                assertThat(sample.userIps()).startsWith(0x401000, 0x402000);
            }

            @Override
            public void malformed(int type, String why) {
                handler.events.add("malformed " + why);
            }
        });
        assertThat(handler.events).containsExactly("sample pid=9");
    }

    @Test
    void kernelThreadSampleWithUserStackLayoutHasNoRegisters() {
        byte[] bytes = new PerfRecords().kernelThreadSampleWithUserStack(2, 0xffffffff81000010L).bytes();
        RecordDecoder withStack = new RecordDecoder(true);
        withStack.decode(MemorySegment.ofArray(bytes), 0, bytes.length, new RecordHandler() {
            @Override
            public void sample(SampleRecord sample) {
                handler.events.add("sample registers=" + sample.hasUserRegisters() + " stack=" + sample.stackBytes());
            }

            @Override
            public void malformed(int type, String why) {
                handler.events.add("malformed " + why);
            }
        });
        assertThat(handler.events).containsExactly("sample registers=false stack=0");
    }

    @Test
    void userStackLargerThanItsRecordIsMalformed() {
        byte[] bytes = new PerfRecords().sampleWithUserStack(9, new long[] {0x401000}, 0, 0x1000, 0x401000, new long[] {1}, 64).bytes();
        // claim a 4 KiB copy in a record that holds 64 bytes
        int sizeField = 56 + 16 + 8 + 24;
        MemorySegment.ofArray(bytes).set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, sizeField, 4096);
        new RecordDecoder(true).decode(MemorySegment.ofArray(bytes), 0, bytes.length, handler);
        assertThat(handler.events).singleElement().asString().startsWith("malformed");
    }
}
