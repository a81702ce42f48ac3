package dev.scorch.collector.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.ExternalTools;
import dev.scorch.collector.symbol.MissReason;
import dev.scorch.collector.symbol.ProcMaps;
import dev.scorch.collector.symbol.Symbolizer;
import dev.scorch.testenv.Tier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds profiles from stacks at real addresses of this JVM's libc (ground truth from {@code nm})
 * and reads them back with the real {@code go tool pprof}.
 */
class CpuProfileBuilderTest {

    private static final int FREQUENCY_HZ = 100;
    private static final long PERIOD_NANOS = 10_000_000L;
    private static final Instant START = Instant.parse("2026-11-21T12:00:00Z");

    private static ProcMaps self;
    private static long getenv;
    private static long qsort;
    private static Path go;

    @TempDir
    Path dir;

    @BeforeAll
    static void findLibc() throws Exception {
        Optional<Path> goTool = ExternalTools.go();
        Tier.UNIT.require(goTool.isPresent(), "the Go toolchain is needed to read profiles with go tool pprof: install Go or set SCORCH_GO");
        Tier.UNIT.require(ExternalTools.onPath("nm").isPresent(), "nm (binutils) gives the ground-truth addresses: apt-get install binutils");
        go = goTool.get();
        self = ProcMaps.of(ProcessHandle.current().pid());
        Mapping libc = self.base("/libc.so.6");
        Path file = Path.of(libc.path());
        getenv = libc.start() + ExternalTools.nmAddress(file, "getenv", true);
        qsort = libc.start() + ExternalTools.nmAddress(file, "qsort", true);
    }

    private CpuProfile build(Symbolizer symbolizer, List<AggregatedStack> stacks, boolean processLabels) {
        CpuProfileBuilder builder = new CpuProfileBuilder(symbolizer, pid -> pid == self.pid() ? Optional.of(self) : Optional.empty(), processLabels);
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("service_name", "test/libc");
        labels.put("node", "node-a");
        return builder.build(labels, START, Duration.ofSeconds(15), FREQUENCY_HZ, stacks);
    }

    /** Builds a profile in {@code round} and expects it whole, in one part. */
    private static CpuProfile onePart(CpuProfileBuilder builder, String team, List<AggregatedStack> stacks, SymbolizedStacks round) {
        List<CpuProfile> parts = new ArrayList<>();
        builder.build(new TreeMap<>(java.util.Map.of("team", team)), START, Duration.ofSeconds(15), FREQUENCY_HZ, stacks, round, parts::add);
        assertThat(parts).as("parts of the profile of %s", team).hasSize(1);
        return parts.getFirst();
    }

    private static List<AggregatedStack> libcStacks() {
        return List.of(
                new AggregatedStack(self.pid(), new long[0], new long[] {getenv + 2, qsort + 2}, 90),
                new AggregatedStack(self.pid(), new long[0], new long[] {qsort + 3}, 10));
    }

    private String pprof(Path profile, String... args) throws Exception {
        String[] command = new String[4 + args.length];
        command[0] = go.toString();
        command[1] = "tool";
        command[2] = "pprof";
        System.arraycopy(args, 0, command, 3, args.length);
        command[command.length - 1] = profile.toString();
        return ExternalTools.run(dir, command);
    }

    private Path write(CpuProfile profile) throws IOException {
        Path file = dir.resolve("cpu.pb.gz");
        Files.write(file, profile.toGzippedPprof());
        return file;
    }

    @Test
    void goToolPprofTopShowsTheHotFunctionFirstWithItsCpuTime() throws Exception {
        Path file = write(build(new Symbolizer(), libcStacks(), false));

        String top = pprof(file, "-top", "-symbolize=none");

        Matcher first = Pattern.compile("(?m)^\\s*(\\S+)\\s+[0-9.]+%\\s+[0-9.]+%\\s+(\\S+)\\s+[0-9.]+%\\s+(\\S+)$").matcher(top);
        assertThat(first.find()).as(top).isTrue();
        assertThat(first.group(3)).as(top).isEqualTo("getenv");
        assertThat(first.group(1)).as(top).isEqualTo("900ms");
        assertThat(top).contains("Total samples = 1000ms").contains("Duration: 15s");
        // qsort: 10 samples of its own, and the caller of getenv in the other 90
        assertThat(top).containsPattern("(?m)^\\s*100ms\\s+10\\.00%\\s+100%\\s+1000ms\\s+100%\\s+qsort$");
    }

    @Test
    void goToolPprofRawShowsSampleTypesPeriodAndValues() throws Exception {
        Path file = write(build(new Symbolizer(), libcStacks(), false));

        String raw = pprof(file, "-raw", "-symbolize=none");

        assertThat(raw).contains("PeriodType: cpu nanoseconds").contains("Period: " + PERIOD_NANOS).contains("Duration: 15s");
        assertThat(raw).contains("samples/count cpu/nanoseconds");
        assertThat(raw).containsPattern("(?m)^\\s+90\\s+900000000: 1 2\\s*$");
        assertThat(raw).containsPattern("(?m)^\\s+10\\s+100000000: 3\\s*$");
    }

    @Test
    void unresolvedFramesKeepMappingBuildIdAndAddressWithoutLines() throws Exception {
        Mapping anonymous = self.mappings().stream().filter(m -> m.inode() == 0 && m.path().isEmpty() && m.executable()).findFirst()
                .orElse(null);
        Tier.UNIT.require(anonymous != null, "this JVM has no anonymous executable mapping (JIT code cache)");
        // Any whole-host profiler running beside the tests may have asked this JVM for a perf map
        // (or an earlier process with its pid left one): the symbolizer sees a /proc whose entry for
        // this JVM has map_files (libc is found there) but no root, so the JIT address has no map.
        Symbolizer.Settings defaults = Symbolizer.Settings.defaults();
        Path procWithoutRoot = Files.createDirectories(dir.resolve("proc/" + self.pid()));
        Files.createSymbolicLink(procWithoutRoot.resolve("map_files"), Path.of("/proc/" + self.pid() + "/map_files"));
        Symbolizer symbolizer = new Symbolizer(new Symbolizer.Settings(dir.resolve("proc"), defaults.hostRoot(), defaults.kallsyms(),
                defaults.kernelNotes(), defaults.cacheBytes(), defaults.negativeTtl(), defaults.kernelRefresh()));
        long jitAddress = anonymous.start() + 0x40;
        CpuProfile profile = build(symbolizer,
                List.of(new AggregatedStack(self.pid(), new long[0], new long[] {jitAddress, getenv + 2}, 3),
                        new AggregatedStack(999_999_999, new long[0], new long[] {0x401000}, 2)),
                false);

        CpuProfile.ProfileLocation jit = profile.locations().get(0);
        assertThat(jit.functionIds()).isEmpty();
        assertThat(jit.address()).isEqualTo(jitAddress);
        CpuProfile.ProfileMapping jitMapping = profile.mappings().get((int) jit.mappingId() - 1);
        assertThat(jitMapping.file()).isEqualTo("[anon]");
        assertThat(jitMapping.hasFunctions()).isFalse();
        CpuProfile.ProfileMapping libc = profile.mappings().get((int) profile.locations().get(1).mappingId() - 1);
        assertThat(libc.file()).endsWith("/libc.so.6");
        assertThat(libc.buildId()).matches("[0-9a-f]{40}");
        assertThat(libc.hasFunctions()).isTrue();
        assertThat(profile.locations().get(2).mappingId()).isZero();
        assertThat(symbolizer.metrics().misses(MissReason.ANONYMOUS_MEMORY)).isEqualTo(1);
        assertThat(symbolizer.metrics().misses(MissReason.UNKNOWN_PROCESS)).isEqualTo(1);

        String raw = pprof(write(profile), "-raw", "-symbolize=none");
        assertThat(raw).contains(libc.buildId()).contains(Long.toHexString(jitAddress));
    }

    @Test
    void profilesOfOneRoundSymbolizeEachAddressOnceAndHoldOnlyTheirOwnStacks() throws Exception {
        Symbolizer symbolizer = new Symbolizer();
        CpuProfileBuilder builder = new CpuProfileBuilder(symbolizer, pid -> pid == self.pid() ? Optional.of(self) : Optional.empty());
        SymbolizedStacks round = builder.round();
        // Two policies' stores hand out the same frame arrays for the same stack; a third policy only keeps qsort's own samples.
        AggregatedStack getenvFromQsort = new AggregatedStack(self.pid(), new long[0], new long[] {getenv + 2, qsort + 2}, 90);
        AggregatedStack qsortAlone = new AggregatedStack(self.pid(), new long[0], new long[] {qsort + 3}, 10);

        CpuProfile first = onePart(builder, "a", List.of(getenvFromQsort, qsortAlone), round);
        CpuProfile second = onePart(builder, "b", List.of(getenvFromQsort, qsortAlone), round);
        CpuProfile third = onePart(builder, "c", List.of(new AggregatedStack(self.pid(), new long[0], new long[] {qsort + 3}, 4)), round);

        assertThat(symbolizer.metrics().resolved()).as("three distinct addresses, symbolized once for three profiles").isEqualTo(3);
        assertThat(round.size()).isEqualTo(2);
        assertThat(second.locations()).hasSize(3);
        assertThat(second.comments()).contains("label team=b");
        assertThat(third.locations()).hasSize(1);
        assertThat(third.functions()).extracting(CpuProfile.ProfileFunction::name).containsExactly("qsort");
        assertThat(third.totalSamples()).isEqualTo(4);
        assertThat(third.comments()).contains("label team=c").doesNotContain("label team=a");
        String top = pprof(write(third), "-top", "-symbolize=none");
        assertThat(top).contains("Total samples = 40ms").doesNotContain("getenv");
        assertThat(pprof(write(first), "-top", "-symbolize=none")).contains("Total samples = 1000ms").contains("getenv");
    }

    @Test
    void profilesOfTheSameStacksInOneRoundShareTheirTablesAndEncodeTheirOwnLabels() throws Exception {
        CpuProfileBuilder builder = new CpuProfileBuilder(new Symbolizer(), pid -> pid == self.pid() ? Optional.of(self) : Optional.empty());
        SymbolizedStacks round = builder.round();
        List<AggregatedStack> stacks = libcStacks();

        CpuProfile first = onePart(builder, "a", stacks, round);
        CpuProfile second = onePart(builder, "b", stacks.reversed(), round);
        byte[] firstPprof = round.encodings().gzippedPprof(first);
        byte[] secondPprof = round.encodings().gzippedPprof(second);

        assertThat(second.samples()).as("same stacks in another order: the same tables").isSameAs(first.samples());
        assertThat(gunzip(secondPprof)).isEqualTo(PprofEncoder.encode(second));
        assertThat(round.encodings().otlpRequest(first, "p1")).isEqualTo(OtlpProfilesEncoder.encode(first, "p1"));
        assertThat(round.encodings().otlpRequest(second, "p2")).isEqualTo(OtlpProfilesEncoder.encode(second, "p2"));
        Path file = dir.resolve("second.pb.gz");
        Files.write(file, secondPprof);
        String raw = pprof(file, "-raw", "-symbolize=none");
        assertThat(raw).contains("label team=b").doesNotContain("label team=a").containsPattern("(?m)^\\s+90\\s+900000000: ");
        assertThat(firstPprof).isNotEqualTo(secondPprof);
    }

    private static byte[] gunzip(byte[] gzipped) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return in.readAllBytes();
        }
    }

    @Test
    void aRoundPastItsBoundStartsAfreshBeforeTheNextProfile() {
        Symbolizer symbolizer = new Symbolizer();
        CpuProfileBuilder builder = new CpuProfileBuilder(symbolizer, pid -> pid == self.pid() ? Optional.of(self) : Optional.empty());
        SymbolizedStacks probe = builder.round();
        onePart(builder, "probe", libcStacks(), probe);
        SymbolizedStacks round = new SymbolizedStacks(symbolizer, pid -> pid == self.pid() ? Optional.of(self) : Optional.empty(), false,
                probe.estimatedBytes() - 1, List.of(), new ResolutionDeadline());
        long resolvedBefore = symbolizer.metrics().resolved();

        CpuProfile first = onePart(builder, "a", libcStacks(), round);
        CpuProfile second = onePart(builder, "b", libcStacks(), round);

        assertThat(symbolizer.metrics().resolved() - resolvedBefore).as("each profile resolved its three addresses itself").isEqualTo(6);
        assertThat(second.locations()).hasSize(3);
        assertThat(second.samples()).extracting(CpuProfile.ProfileSample::locationIds).containsExactlyElementsOf(
                first.samples().stream().map(CpuProfile.ProfileSample::locationIds).toList());
    }

    @Test
    void aProfileThatTakesTheRoundPastItsBoundIsBuiltInPartsThatAddUpToIt() throws Exception {
        Symbolizer symbolizer = new Symbolizer();
        CpuProfileBuilder builder = new CpuProfileBuilder(symbolizer, pid -> pid == self.pid() ? Optional.of(self) : Optional.empty());
        SymbolizedStacks round = new SymbolizedStacks(symbolizer, pid -> pid == self.pid() ? Optional.of(self) : Optional.empty(), false, 0,
                List.of(), new ResolutionDeadline());
        List<CpuProfile> parts = new ArrayList<>();
        List<Integer> stacksInRoundAtEachPart = new ArrayList<>();

        builder.build(new TreeMap<>(java.util.Map.of("team", "a")), START, Duration.ofSeconds(15), FREQUENCY_HZ, libcStacks(), round,
                part -> {
                    parts.add(part);
                    stacksInRoundAtEachPart.add(round.size());
                });

        assertThat(parts).as("a bound below one stack: a part per stack").hasSize(2);
        assertThat(stacksInRoundAtEachPart).as("the round held only the part's own stack when the part was made").containsExactly(1, 1);
        assertThat(parts).extracting(CpuProfile::totalSamples).containsExactly(90L, 10L);
        assertThat(parts.get(0).locations()).hasSize(2);
        assertThat(parts.get(1).functions()).extracting(CpuProfile.ProfileFunction::name).containsExactly("qsort");
        assertThat(parts).allSatisfy(part -> {
            assertThat(part.start()).isEqualTo(START);
            assertThat(part.comments()).contains("label team=a");
        });
        Path firstPart = Files.move(write(parts.get(0)), dir.resolve("first-part.pb.gz"));
        Path secondPart = write(parts.get(1));
        assertThat(pprof(firstPart, "-top", "-symbolize=none", secondPart.toString()))
                .as("pprof adds the parts up as the one profile").contains("Total samples = 1000ms").contains("getenv");
    }

    @Test
    void theRequestsOfTwentyPoliciesDoNotCountAgainstTheRoundsBoundOnlyWhatItShares() {
        Symbolizer symbolizer = new Symbolizer();
        CpuProfileBuilder builder = new CpuProfileBuilder(symbolizer, pid -> pid == self.pid() ? Optional.of(self) : Optional.empty());
        SymbolizedStacks probe = builder.round();
        CpuProfile sized = onePart(builder, "0", libcStacks(), probe);
        probe.encodings().gzippedPprof(sized);
        probe.encodings().otlpRequest(sized, "p0");
        long oneProfile = probe.estimatedBytes() + probe.encodings().estimatedBytes();
        SymbolizedStacks round = new SymbolizedStacks(symbolizer, pid -> pid == self.pid() ? Optional.of(self) : Optional.empty(), false,
                2 * oneProfile, List.of(), new ResolutionDeadline());
        long resolvedBefore = symbolizer.metrics().resolved();

        CpuProfile first = null;
        for (int policy = 1; policy <= 20; policy++) {
            CpuProfile profile = onePart(builder, Integer.toString(policy), libcStacks(), round);
            round.encodings().gzippedPprof(profile);
            round.encodings().otlpRequest(profile, "p" + policy);
            first = first == null ? profile : first;
            assertThat(profile.samples()).as("policy %d shares the first policy's tables", policy).isSameAs(first.samples());
        }
        assertThat(symbolizer.metrics().resolved() - resolvedBefore).as("three addresses, resolved once for twenty profiles")
                .isEqualTo(3);
    }

    @Test
    void pastTheResolutionDeadlineARoundKeepsTheStacksItResolvedAndLeavesOutNewOnesCounted() {
        CpuProfileBuilder builder = new CpuProfileBuilder(new Symbolizer(), pid -> pid == self.pid() ? Optional.of(self) : Optional.empty());
        SymbolizedStacks round = builder.round();
        List<AggregatedStack> stacks = libcStacks();
        onePart(builder, "before", stacks.subList(0, 1), round);

        builder.deadline().at(System.nanoTime());
        CpuProfile after = onePart(builder, "after", stacks, round);

        assertThat(after.totalSamples()).as("the stack resolved before the deadline").isEqualTo(90);
        assertThat(builder.deadline().cutStacks()).isEqualTo(1);
        assertThat(builder.deadline().cutSamples()).isEqualTo(10);
    }

    @Test
    void anAddressZeroEndsTheStackAndNeverBecomesALocation() {
        CpuProfile profile = build(new Symbolizer(), List.of(
                new AggregatedStack(self.pid(), new long[] {0xffffffff81000000L, 0, 0xffffffff81000100L}, new long[] {getenv + 2, 0, qsort + 2}, 7),
                new AggregatedStack(self.pid(), new long[0], new long[] {0, qsort + 2}, 3)), false);

        assertThat(profile.locations()).extracting(CpuProfile.ProfileLocation::address).doesNotContain(0L);
        assertThat(profile.samples()).hasSize(1);
        assertThat(profile.samples().getFirst().locationIds()).as("one kernel frame, then getenv; the callers past each 0 are gone").hasSize(2);
    }

    @Test
    void kernelFramesShareOneKallsymsMapping() throws Exception {
        Path kallsyms = Path.of("/proc/kallsyms");
        long doSyscall = kernelSymbol(kallsyms, "do_syscall_64");
        Tier.UNIT.require(doSyscall != 0, "/proc/kallsyms shows no address for do_syscall_64 (kptr_restrict: run as root)");
        CpuProfile profile = build(new Symbolizer(),
                List.of(new AggregatedStack(self.pid(), new long[] {doSyscall + 4}, new long[] {getenv + 2}, 7)), false);

        CpuProfile.ProfileMapping kernel = profile.mappings().get((int) profile.locations().get(0).mappingId() - 1);
        assertThat(kernel.file()).isEqualTo(CpuProfileBuilder.KERNEL_MAPPING);
        assertThat(profile.functions().get((int) profile.locations().get(0).functionIds()[0] - 1).name()).isEqualTo("do_syscall_64");

        String top = pprof(write(profile), "-top", "-symbolize=none");
        assertThat(top).containsPattern("(?m)^\\s*70ms\\s+100%\\s+100%\\s+70ms\\s+100%\\s+do_syscall_64$");
    }

    @Test
    void processLabelsLetPprofFocusOnOneProcess() throws Exception {
        CpuProfile profile = build(new Symbolizer(), libcStacks(), true);

        String tags = pprof(write(profile), "-tags");

        assertThat(tags).contains("pid:").contains(String.valueOf(self.pid())).contains("comm:");
    }

    @Test
    void seriesLabelsTravelAsComments() throws Exception {
        CpuProfile profile = build(new Symbolizer(), libcStacks(), false);

        String raw = pprof(write(profile), "-raw", "-symbolize=none");

        assertThat(profile.comments()).contains("label node=node-a", "label service_name=test/libc");
        assertThat(raw).contains("label service_name=test/libc");
    }

    @Test
    void theFileIsGzipWithTheStringTableStartingEmpty() throws Exception {
        byte[] gz = build(new Symbolizer(), libcStacks(), false).toGzippedPprof();
        byte[] raw;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            raw = in.readAllBytes();
        }
        // field 1 (sample_type) comes first; the first string_table element (field 6) is empty: 32 00
        assertThat(raw[0]).isEqualTo((byte) 0x0a);
        assertThat(indexOf(raw, new byte[] {0x32, 0x00})).isPositive();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static long kernelSymbol(Path kallsyms, String name) throws IOException {
        try (var lines = Files.lines(kallsyms)) {
            return lines.map(l -> l.split("\\s+")).filter(f -> f.length >= 3 && f[2].equals(name)).mapToLong(f -> Long.parseUnsignedLong(f[0], 16))
                    .findFirst().orElse(0);
        }
    }
}
