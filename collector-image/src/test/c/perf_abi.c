/*
 * Prints the offsets and values of the perf ABI the collector encodes by hand, from this
 * machine's <linux/perf_event.h>, as "name=value" lines.
 */
#include <linux/perf_event.h>
#if defined(__x86_64__)
#include <asm/perf_regs.h>
#endif
#include <stddef.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.disabled = 1;
    attr.exclude_idle = 1;
    attr.mmap = 1;
    attr.comm = 1;
    attr.freq = 1;
    attr.task = 1;
    attr.watermark = 1;
    attr.sample_id_all = 1;
    attr.mmap2 = 1;
    attr.comm_exec = 1;
    unsigned long long flags;
    memcpy(&flags, (char *) &attr + offsetof(struct perf_event_attr, read_format) + sizeof attr.read_format, sizeof flags);
    printf("attr_size=%zu\n", sizeof(struct perf_event_attr));
    printf("sample_freq=%zu\n", offsetof(struct perf_event_attr, sample_freq));
    printf("sample_type=%zu\n", offsetof(struct perf_event_attr, sample_type));
    printf("wakeup_watermark=%zu\n", offsetof(struct perf_event_attr, wakeup_watermark));
    printf("flags=%llu\n", flags);
    attr.disabled = 0; attr.exclude_idle = 0; attr.mmap = 0; attr.comm = 0; attr.freq = 0; attr.task = 0; attr.watermark = 0;
    attr.sample_id_all = 0; attr.mmap2 = 0; attr.comm_exec = 0;
    attr.exclude_callchain_kernel = 1;
    memcpy(&flags, (char *) &attr + offsetof(struct perf_event_attr, read_format) + sizeof attr.read_format, sizeof flags);
    printf("exclude_callchain_kernel=%llu\n", flags);
    printf("data_head=%zu\n", offsetof(struct perf_event_mmap_page, data_head));
    printf("data_tail=%zu\n", offsetof(struct perf_event_mmap_page, data_tail));
    printf("sample_type_value=%llu\n", (unsigned long long) (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME
            | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN));
    printf("context_kernel=%lld\n", (long long) PERF_CONTEXT_KERNEL);
    printf("context_user=%lld\n", (long long) PERF_CONTEXT_USER);
    printf("ioc_enable=%lu\n", (unsigned long) PERF_EVENT_IOC_ENABLE);
    printf("ioc_set_output=%lu\n", (unsigned long) PERF_EVENT_IOC_SET_OUTPUT);
    printf("record_mmap2=%d\n", PERF_RECORD_MMAP2);
    printf("record_sample=%d\n", PERF_RECORD_SAMPLE);
    printf("sample_regs_user=%zu\n", offsetof(struct perf_event_attr, sample_regs_user));
    printf("sample_stack_user=%zu\n", offsetof(struct perf_event_attr, sample_stack_user));
    printf("sample_type_with_user_stack=%llu\n", (unsigned long long) (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME
            | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER));
    printf("regs_abi_none=%d\n", PERF_SAMPLE_REGS_ABI_NONE);
#if defined(__x86_64__)
    printf("regs_mask_bp_sp_ip=%llu\n", (1ULL << PERF_REG_X86_BP) | (1ULL << PERF_REG_X86_SP) | (1ULL << PERF_REG_X86_IP));
    printf("reg_bp_below_sp=%d\n", PERF_REG_X86_BP < PERF_REG_X86_SP);
    printf("reg_sp_below_ip=%d\n", PERF_REG_X86_SP < PERF_REG_X86_IP);
#endif
    return 0;
}
