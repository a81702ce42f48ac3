package dev.scorch.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.workload.CWorkloads;
import dev.scorch.testenv.Tier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector under exactly the capability set of the DaemonSet's {@code capabilities} security
 * mode (operator: {@code CollectorDaemonSet.CAPABILITIES}): uid 0, every other capability out of
 * the bounding, permitted and effective sets, none inheritable or ambient, no_new_privs (as
 * {@code allowPrivilegeEscalation: false} sets it), made with util-linux {@code setpriv}. It
 * records the whole host while two workloads of another user run from a directory only that user
 * may enter, one of them from a binary deleted after it started; then each capability is removed
 * in turn and the precise start-up reason or the expected degradation is checked.
 */
class DaemonSetCapabilitiesTest {

    /** Must equal {@code CollectorDaemonSet.CAPABILITIES} of the operator. */
    static final List<String> DAEMONSET = List.of("PERFMON", "SYS_PTRACE", "SYSLOG", "DAC_READ_SEARCH", "IPC_LOCK", "CHECKPOINT_RESTORE");

    private static final Path GO = Path.of("/usr/local/go/bin/go");
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");
    private static final Path MLOCK_KB = Path.of("/proc/sys/kernel/perf_event_mlock_kb");
    private static final int OTHER_USER = 12345;
    private static final int CAP_CHECKPOINT_RESTORE = 40;

    @TempDir
    static Path dir;

    private static Process workload;
    private static Process deletedWorkload;
    /**
     * Kernel frames to name: the test host may be idle, and the collector reads /proc before it
     * enables its events, so nothing else guarantees samples taken in the kernel within 1 s.
     */
    private static Process kernelWorkload;

    /** Locations of one profile: per mapping file, how many are named and how many in all. */
    record Naming(Map<String, int[]> byFile) {

        int named(String fileContains) {
            return count(fileContains, 0);
        }

        int total(String fileContains) {
            return count(fileContains, 1);
        }

        private int count(String fileContains, int index) {
            return byFile.entrySet().stream().filter(e -> e.getKey().contains(fileContains)).mapToInt(e -> e.getValue()[index]).sum();
        }
    }

    record Run(int status, String stderr, Naming naming) {}

    @BeforeAll
    static void startAnotherUsersWorkloads() throws Exception {
        Tier.REAL_KERNEL.require(ProcessHandle.current().info().user().orElse("").equals("root"), "the capability test runs as root");
        CpuWideSampling.require();
        Tier.REAL_KERNEL.require(Files.isExecutable(SETPRIV) && Files.isExecutable(PRLIMIT),
                "setpriv and prlimit (util-linux, part of every Debian/Ubuntu base system) are needed to drop capabilities");
        Tier.REAL_KERNEL.require(Files.isExecutable(GO), "go tool pprof reads the profiles: Go is expected at " + GO);
        Tier.REAL_KERNEL.require(sysctl("cap_last_cap") >= CAP_CHECKPOINT_RESTORE,
                "CAP_CHECKPOINT_RESTORE needs Linux 5.9 or later");
        int kptrRestrict = sysctl("kptr_restrict");
        int paranoid = sysctl("perf_event_paranoid");
        Tier.REAL_KERNEL.require(kptrRestrict <= 1 && paranoid >= 2, "measuring CAP_SYSLOG needs kernel.kptr_restrict <= 1 (it is "
                + kptrRestrict + ") and kernel.perf_event_paranoid >= 2 (it is " + paranoid + "), the distribution defaults");

        Path home = dir.resolve("home");
        Files.createDirectories(home);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path kept = home.resolve("kept-duty");
        Path deleted = home.resolve("gone-duty");
        Files.copy(CWorkloads.compile("duty"), kept);
        Files.copy(kept, deleted);
        for (Path path : List.of(home, kept, deleted)) {
            Files.setAttribute(path, "unix:uid", OTHER_USER);
            Files.setAttribute(path, "unix:gid", OTHER_USER);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
        }
        workload = asOtherUser(kept);
        deletedWorkload = asOtherUser(deleted);
        kernelWorkload = new ProcessBuilder("dd", "if=/dev/zero", "of=/dev/null", "bs=64k")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread.sleep(200); // both have exec'd their binaries before one is deleted
        Files.delete(deleted);
    }

    /** An integer sysctl, read as one stream (Files.readString stops after one byte of these). */
    private static int sysctl(String name) throws IOException {
        try (var in = Files.newInputStream(Path.of("/proc/sys/kernel", name))) {
            return Integer.parseInt(new String(in.readAllBytes()).strip());
        }
    }

    private static Process asOtherUser(Path binary) throws IOException {
        return new ProcessBuilder(SETPRIV.toString(), "--reuid=" + OTHER_USER, "--regid=" + OTHER_USER, "--clear-groups", binary.toString(), "30")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    @AfterAll
    static void stopWorkloads() throws InterruptedException {
        for (Process process : new Process[] {workload, deletedWorkload, kernelWorkload}) {
            if (process != null) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theDaemonSetSetSamplesAndNamesKernelFramesAndAnotherUsersBinariesEvenDeletedOnes() throws Exception {
        Run run = record(DAEMONSET, List.of());

        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stderr()).doesNotContain("warning", "error", "Exception");
        assertNamed(run, "[kernel.kallsyms]");
        assertNamed(run, "kept-duty");
        assertNamed(run, "gone-duty");
    }

    @Test
    void withoutPerfmonStartUpStopsWithThePreciseReason() throws Exception {
        Run run = record(without("PERFMON"), List.of());

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.stderr()).contains("error (PerfUnavailable): CPU-wide sampling needs CAP_PERFMON").doesNotContain("Exception", "\tat ");
    }

    @Test
    void withoutSyslogKernelFramesStayUnnamedWithAWarning() throws Exception {
        Run run = record(without("SYSLOG"), List.of());

        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stderr()).contains("warning (KernelSymbolsHidden)", "no CAP_SYSLOG").doesNotContain("Exception");
        assertUnnamed(run, "[kernel.kallsyms]");
        assertNamed(run, "kept-duty");
    }

    @Test
    void withoutSysPtraceAnotherUsersBinariesStayUnnamedWithAWarning() throws Exception {
        Run run = record(without("SYS_PTRACE"), List.of());

        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stderr()).contains("warning (ProcessFilesUnreadable)", "no CAP_SYS_PTRACE").doesNotContain("Exception");
        assertUnnamed(run, "kept-duty");
        assertNamed(run, "[kernel.kallsyms]");
    }

    @Test
    void withoutDacReadSearchBinariesInAnotherUsersPrivateDirectoryStayUnnamedWithAWarning() throws Exception {
        Run run = record(without("DAC_READ_SEARCH"), List.of());

        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stderr()).contains("warning (ProcessFilesUnreadable)", "no CAP_DAC_READ_SEARCH").doesNotContain("Exception");
        assertUnnamed(run, "kept-duty");
    }

    @Test
    void withoutCheckpointRestoreOnlyDeletedBinariesStayUnnamedWithAWarning() throws Exception {
        Run run = record(without("CHECKPOINT_RESTORE"), List.of());

        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stderr()).contains("warning (ProcessFilesUnreadable)", "no CAP_CHECKPOINT_RESTORE").doesNotContain("Exception");
        assertUnnamed(run, "gone-duty");
        assertNamed(run, "kept-duty");
    }

    @Test
    void ipcLockIsWhatLetsTheRingBuffersPastTheLockedMemoryAllowance() throws Exception {
        // No allowance at all: perf_event_mlock_kb 0 for every user, RLIMIT_MEMLOCK 0 for the collector.
        // Processes with CAP_IPC_LOCK (every full root) are not affected while it lasts.
        String allowance = Integer.toString(sysctl("perf_event_mlock_kb"));
        List<String> noLockedMemory = List.of(PRLIMIT.toString(), "--memlock=0");
        Run without;
        Run with;
        try {
            Files.writeString(MLOCK_KB, "0");
            without = record(without("IPC_LOCK"), noLockedMemory);
            with = record(DAEMONSET, noLockedMemory);
        } finally {
            Files.writeString(MLOCK_KB, allowance);
        }

        assertThat(without.status()).isEqualTo(2);
        assertThat(without.stderr()).contains("error (PerfUnavailable)", "locked memory", "grant CAP_IPC_LOCK").doesNotContain("\tat ");
        assertThat(with.status()).as(with.stderr()).isZero();
        assertNamed(with, "kept-duty");
    }

    private static List<String> without(String capability) {
        return DAEMONSET.stream().filter(c -> !c.equals(capability)).toList();
    }

    /** Nearly all: a whole-host kernel mapping also holds addresses kallsyms does not list (BPF programs). */
    private static void assertNamed(Run run, String file) {
        assertThat(run.naming().total(file)).as("locations in %s: %s", file, run.naming().byFile().keySet()).isPositive();
        assertThat(run.naming().named(file)).as("named locations in %s", file).isGreaterThanOrEqualTo(run.naming().total(file) * 9 / 10);
    }

    private static void assertUnnamed(Run run, String file) {
        assertThat(run.naming().total(file)).as("locations in %s: %s", file, run.naming().byFile().keySet()).isPositive();
        assertThat(run.naming().named(file)).as("named locations in %s", file).isZero();
    }

    /** Runs {@code record} of the whole host for 1 s with only {@code capabilities}, after {@code prefix}. */
    private static Run record(List<String> capabilities, List<String> prefix) throws Exception {
        Path profile = Files.createTempFile(dir, "profile", ".pb.gz");
        String caps = capabilities.stream().map(c -> "+" + c.toLowerCase()).collect(Collectors.joining(","));
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(SETPRIV.toString(), "--bounding-set=-all," + caps, "--inh-caps=-all", "--ambient-caps=-all", "--no-new-privs",
                ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED", "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "record", "--duration", "1s", "--frequency", "199", "--output", profile.toString()));
        Process collector = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(collector.getInputStream().readAllBytes());
        assertThat(collector.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
        if (collector.exitValue() != 0) {
            return new Run(collector.exitValue(), output, new Naming(Map.of()));
        }
        return new Run(0, output, naming(profile));
    }

    /** Per mapping file, named and total locations, from the real {@code go tool pprof -raw}. */
    private static Naming naming(Path profile) throws Exception {
        Process pprof = new ProcessBuilder(GO.toString(), "tool", "pprof", "-raw", "-symbolize=none", profile.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new String(pprof.getInputStream().readAllBytes()).lines().toList();
        assertThat(pprof.waitFor()).isZero();
        Map<String, String> files = new HashMap<>();
        boolean inMappings = false;
        for (String line : lines) {
            if (line.startsWith("Mappings")) {
                inMappings = true;
            } else if (inMappings && line.matches("^\\d+: .*")) {
                String[] fields = line.split("\\s+");
                files.put(fields[0].replace(":", ""), fields.length > 2 ? fields[2] : "");
            }
        }
        Map<String, int[]> byFile = new HashMap<>();
        boolean inLocations = false;
        for (String line : lines) {
            if (line.startsWith("Locations")) {
                inLocations = true;
            } else if (line.startsWith("Mappings")) {
                inLocations = false;
            } else if (inLocations && line.matches("^\\s*\\d+: 0x\\S+ M=\\d+.*")) {
                String[] fields = line.strip().split("\\s+");
                String file = files.getOrDefault(fields[2].substring(2), "?");
                int[] counts = byFile.computeIfAbsent(file, f -> new int[2]);
                counts[1]++;
                if (fields.length > 3 && !fields[3].startsWith(":")) {
                    counts[0]++;
                }
            }
        }
        return new Naming(byFile);
    }
}
