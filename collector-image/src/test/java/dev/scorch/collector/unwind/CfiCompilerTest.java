package dev.scorch.collector.unwind;

import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.symbol.elf.ByteSource;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.workload.CWorkloads;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What compiling a large object costs stays within what its budget is charged (so the budget bounds
 * the heap a compile holds), and the compiled unwind table agrees, row by row, with binutils' own interpretation of the same
 * {@code .eh_frame} ({@code readelf --debug-dump=frames-interp}) for the CFA, rbp and the return
 * address, on a workload built without frame pointers and on the C library.
 */
class CfiCompilerTest {

    private static final Pattern LOC = Pattern.compile("^([0-9a-f]{16}) +(\\S+) +(.*)$");
    private static final Pattern FDE = Pattern.compile("FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\\.\\.([0-9a-f]+)");

    @Test
    void workloadWithoutFramePointersMatchesReadelf() throws Exception {
        Path binary = CWorkloads.compile("omitted_frames", List.of("-O2", "-fomit-frame-pointer"));
        assertThat(mismatches(binary)).isEmpty();
    }

    @Test
    void cLibraryMatchesReadelf() throws Exception {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        assumeTrue(Files.isReadable(libc), "no x86-64 glibc at " + libc);
        assertThat(mismatches(libc)).isEmpty();
    }

    @Test
    void compilingALargeObjectAllocatesLessHeapThanItsBudgetCharges() throws Exception {
        Path cc1 = largestCallFrameObject();
        byte[] section;
        long address;
        try (var channel = java.nio.channels.FileChannel.open(cc1)) {
            ElfFile elf = ElfFile.parse(ByteSource.of(channel));
            ElfFile.Section ehFrame = elf.section(".eh_frame").orElseThrow();
            section = elf.source().read(ehFrame.offset(), (int) ehFrame.size());
            address = ehFrame.address();
        }
        ParseBudget budget = ParseBudget.of(CfiCompiler.limits());
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        UnwindTable table = CfiCompiler.compile(section, address, true, budget);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(table.rows()).isGreaterThan(100_000);
        assertThat(allocated).as("bytes allocated compiling %s (%d rows)", cc1, table.rows()).isLessThanOrEqualTo(budget.heapBytes());
    }

    /** gcc's cc1 (2.4 MB of .eh_frame in Debian 12's gcc 12), else the running JDK's libjvm.so (1.7 MB). */
    private static Path largestCallFrameObject() throws Exception {
        Process gcc = new ProcessBuilder("gcc", "-print-prog-name=cc1").redirectErrorStream(true).start();
        Path cc1 = Path.of(new String(gcc.getInputStream().readAllBytes()).trim());
        assertThat(gcc.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return Files.isReadable(cc1) ? cc1 : Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
    }

    private static List<String> mismatches(Path binary) throws Exception {
        UnwindTable table;
        try (var channel = java.nio.channels.FileChannel.open(binary)) {
            ElfFile elf = ElfFile.parse(ByteSource.of(channel));
            ElfFile.Section section = elf.section(".eh_frame").orElseThrow();
            table = CfiCompiler.compile(elf.source().read(section.offset(), (int) section.size()), section.address(), true,
                    ParseBudget.of(CfiCompiler.limits()));
        }
        Process readelf = new ProcessBuilder("readelf", "--debug-dump=frames-interp", binary.toString()).redirectErrorStream(true).start();
        List<String> lines = new String(readelf.getInputStream().readAllBytes()).lines().toList();
        assertThat(readelf.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> mismatches = new ArrayList<>();
        List<String> columns = List.of();
        int rows = 0;
        boolean inCie = false;
        for (String line : lines) {
            if (FDE.matcher(line).find() || line.contains(" CIE ")) {
                inCie = line.contains(" CIE ");
                columns = List.of();
                continue;
            }
            if (inCie) {
                continue;
            }
            // readelf names a register-in-register rule "r10 (r10)": one cell.
            String trimmed = line.trim().replaceAll("(\\w+) \\(\\w+\\)", "$1");
            if (trimmed.startsWith("LOC")) {
                columns = List.of(trimmed.split(" +"));
                continue;
            }
            Matcher m = LOC.matcher(trimmed);
            if (!m.matches() || columns.isEmpty()) {
                continue;
            }
            long address = Long.parseUnsignedLong(m.group(1), 16);
            String[] cells = trimmed.split(" +");
            String expected = describe(cells[1], cell(columns, cells, "rbp"), cell(columns, cells, "ra"));
            String actual = describe(table.find(address));
            rows++;
            if (!expected.equals(actual)) {
                mismatches.add(m.group(1) + ": readelf " + expected + ", compiled " + actual);
            }
        }
        assertThat(rows).as("rows readelf printed").isGreaterThan(0);
        return mismatches.size() > 20 ? mismatches.subList(0, 20) : mismatches;
    }

    private static String cell(List<String> columns, String[] cells, String name) {
        int index = columns.indexOf(name);
        return index < 0 || index >= cells.length ? "u" : cells[index];
    }

    /** readelf's cells in our terms: CFA rule, rbp rule, return address rule. */
    private static String describe(String cfa, String rbp, String ra) {
        if (ra.equals("u")) {
            return "outermost";
        }
        if (!(cfa.startsWith("rsp+") || cfa.startsWith("rbp+") || cfa.equals("exp")) || !ra.startsWith("c")) {
            return "unsupported";
        }
        String cfaRule = cfa.equals("exp") ? "expression" : cfa;
        String rbpRule = rbp.equals("u") ? "same" : rbp.startsWith("c") ? "cfa" + rbp.substring(1) : "unknown";
        return cfaRule + " rbp=" + rbpRule + " ra=" + "cfa" + ra.substring(1);
    }

    private static String describe(long rule) {
        return switch (UnwindRule.cfaKind(rule)) {
            case UnwindRule.OUTERMOST -> "outermost";
            case UnwindRule.CFA_RSP, UnwindRule.CFA_RBP, UnwindRule.CFA_PLT -> {
                String cfa = UnwindRule.cfaKind(rule) == UnwindRule.CFA_PLT ? "expression"
                        : (UnwindRule.cfaKind(rule) == UnwindRule.CFA_RSP ? "rsp+" : "rbp+") + UnwindRule.cfaOffset(rule);
                String rbp = switch (UnwindRule.rbpRule(rule)) {
                    case UnwindRule.RBP_SAME -> "same";
                    case UnwindRule.RBP_AT_CFA -> "cfa" + UnwindRule.rbpOffset(rule);
                    default -> "unknown";
                };
                yield cfa + " rbp=" + rbp + " ra=cfa" + UnwindRule.returnAddressOffset(rule);
            }
            case UnwindRule.NONE -> "none";
            default -> "unsupported";
        };
    }
}
