package dev.scorch.collector.perf;

import dev.scorch.collector.workload.CWorkloads;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tier 2: the perf ABI encoded by hand in the collector equals what this machine's
 * {@code <linux/perf_event.h>} says (offsetof and constants printed by a C program).
 */
class PerfAbiTest {

    private static Map<String, Long> abi;

    @BeforeAll
    static void readHeaderFacts() throws Exception {
        Path program = CWorkloads.compile("perf_abi");
        Process p = new ProcessBuilder(List.of(program.toString())).start();
        abi = CWorkloads.figures(new String(p.getInputStream().readAllBytes()));
        assertThat(p.waitFor()).isZero();
    }

    @Test
    void attributeOffsetsMatchTheHeader() {
        assertThat(abi.get("sample_freq")).isEqualTo(EventAttributes.OFFSET_SAMPLE_FREQ);
        assertThat(abi.get("sample_type")).isEqualTo(EventAttributes.OFFSET_SAMPLE_TYPE);
        assertThat(abi.get("wakeup_watermark")).isEqualTo(EventAttributes.OFFSET_WAKEUP);
        assertThat(abi.get("attr_size")).isGreaterThanOrEqualTo(EventAttributes.SIZE);
    }

    @Test
    void flagBitsMatchTheHeaderBitfield() {
        assertThat(abi.get("flags")).isEqualTo(new EventAttributes(99, true, true, 4096).flags());
        assertThat(abi.get("exclude_callchain_kernel")).isEqualTo(EventAttributes.FLAG_EXCLUDE_CALLCHAIN_KERNEL);
    }

    @Test
    void sampleTypeContextMarkersAndRecordTypesMatch() {
        assertThat(abi.get("sample_type_value")).isEqualTo(EventAttributes.SAMPLE_TYPE);
        assertThat(abi.get("context_kernel")).isEqualTo(RecordDecoder.CONTEXT_KERNEL);
        assertThat(abi.get("context_user")).isEqualTo(RecordDecoder.CONTEXT_USER);
        assertThat(abi.get("record_mmap2")).isEqualTo(RecordDecoder.RECORD_MMAP2);
        assertThat(abi.get("record_sample")).isEqualTo(RecordDecoder.RECORD_SAMPLE);
    }

    @Test
    void ringBufferControlOffsetsAndIoctlsMatch() {
        assertThat(abi.get("data_head")).isEqualTo(RingBuffer.DATA_HEAD);
        assertThat(abi.get("data_tail")).isEqualTo(RingBuffer.DATA_TAIL);
        assertThat(abi.get("ioc_enable")).isEqualTo(PerfEvent.IOC_ENABLE);
        assertThat(abi.get("ioc_set_output")).isEqualTo(PerfEvent.IOC_SET_OUTPUT);
    }

    @Test
    void userRegistersAndStackFieldsMatchTheHeader() {
        assertThat(abi.get("sample_regs_user")).isEqualTo(EventAttributes.OFFSET_SAMPLE_REGS_USER);
        assertThat(abi.get("sample_stack_user")).isEqualTo(EventAttributes.OFFSET_SAMPLE_STACK_USER);
        assertThat(abi.get("sample_type_with_user_stack")).isEqualTo(EventAttributes.SAMPLE_TYPE_WITH_USER_STACK);
        assertThat(abi.get("regs_abi_none")).isEqualTo(RecordDecoder.REGS_ABI_NONE);
    }

    @Test
    void x86RegisterMaskSelectsBpSpIpInTheOrderTheDecoderReadsThem() {
        org.junit.jupiter.api.Assumptions.assumeTrue(abi.containsKey("regs_mask_bp_sp_ip"), "not an x86-64 build machine");
        assertThat(abi.get("regs_mask_bp_sp_ip")).isEqualTo(EventAttributes.REGS_USER_MASK_X86_64);
        assertThat(abi.get("reg_bp_below_sp")).isEqualTo(1L);
        assertThat(abi.get("reg_sp_below_ip")).isEqualTo(1L);
    }
}
