package dev.scorch.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.workload.CWorkloads;
import dev.scorch.testenv.Tier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code record --pid} as an unprivileged user (uid 65534 through {@code setpriv}, no
 * capabilities) on the real kernel with {@code perf_event_paranoid} 2: the user's own process is
 * sampled in user space (per-process events that follow its threads, kernel excluded) after a
 * note that says what is allowed and why; another user's process is refused before sampling.
 */
class RecordOwnProcessAsUserTest {

    private static final String UNPRIVILEGED = "65534";
    private static final Path GO = Path.of("/usr/local/go/bin/go");

    @TempDir
    Path dir;

    private Path classes;
    private Path workload;
    private Path out;

    @BeforeEach
    void unprivilegedCopies() throws Exception {
        Tier.REAL_KERNEL.require(isRoot(), "the test drops to an unprivileged uid with setpriv: run the tests as root");
        String paranoid = Files.readString(Path.of("/proc/sys/kernel/perf_event_paranoid")).strip();
        Tier.REAL_KERNEL.require(paranoid.equals("1") || paranoid.equals("2"),
                "kernel.perf_event_paranoid is " + paranoid + "; unprivileged per-process sampling needs 1 or 2");
        // The unprivileged user reads the collector and the workload from copies it may open.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        classes = copyTree(Path.of(RecordCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()), dir.resolve("classes"));
        workload = Files.copy(CWorkloads.compile("split"), dir.resolve("split"), StandardCopyOption.COPY_ATTRIBUTES);
        out = Files.createDirectory(dir.resolve("out"));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    @Test
    void anUnprivilegedUserRecordsTheirOwnProcessInUserSpaceAfterANoteSayingWhy() throws Exception {
        Path profile = out.resolve("own.pb.gz");

        Result result = asUnprivileged("\"$0\" 30 & p=$!; " + record("$p", profile) + "; status=$?; kill $p; exit $status");

        assertThat(result.status()).as(result.output()).isZero();
        assertThat(result.output()).contains("note: uid " + UNPRIVILEGED + " may not sample whole CPUs (kernel.perf_event_paranoid=",
                "sampling the threads of pid", "in user space only", "wrote " + profile);
        Tier.REAL_KERNEL.require(Files.isExecutable(GO), "go tool pprof reads the profile: Go is expected at " + GO);
        Process pprof = new ProcessBuilder(GO.toString(), "tool", "pprof", "-top", profile.toString()).redirectErrorStream(true).start();
        String top = new String(pprof.getInputStream().readAllBytes());
        assertThat(pprof.waitFor()).as(top).isZero();
        assertThat(top).contains("scorch_hot", "File: split\n");
    }

    @Test
    void ringsTheKernelWillNotLockAreHalvedUntilEveryCpusFitsAndTheRecordingSaysSo() throws Exception {
        Path profile = out.resolve("small-rings.pb.gz");

        // 256 KiB of RLIMIT_MEMLOCK: past the user's perf_event_mlock_kb share, 4 MiB rings cannot be locked.
        Result result = asUnprivileged("ulimit -l 256; \"$0\" 30 & p=$!; " + record("$p", profile) + "; status=$?; kill $p; exit $status");

        assertThat(result.status()).as(result.output()).isZero();
        Matcher locked = Pattern.compile("warning: the kernel locked (\\d+) KiB of ring buffer per CPU, not the (\\d+) KiB asked for")
                .matcher(result.output());
        assertThat(locked.find()).as(result.output()).isTrue();
        assertThat(Integer.parseInt(locked.group(1))).isBetween(32, 2048).isLessThan(Integer.parseInt(locked.group(2)));
        assertThat(result.output()).contains("of " + locked.group(1) + " KiB per CPU)", "wrote " + profile);
    }

    @Test
    void anotherUsersProcessIsRefusedBeforeSamplingNamingItsOwner() throws Exception {
        Process rootsWorkload = new ProcessBuilder(workload.toString(), "30").start();
        try {
            Result result = asUnprivileged(record(Long.toString(rootsWorkload.pid()), out.resolve("other.pb.gz")));

            assertThat(result.status()).as(result.output()).isEqualTo(2);
            assertThat(result.output()).contains("pid " + rootsWorkload.pid() + " belongs to uid 0, not to uid " + UNPRIVILEGED,
                    "CAP_SYS_PTRACE");
        } finally {
            rootsWorkload.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private String record(String pid, Path output) {
        return "\"" + Path.of(System.getProperty("java.home"), "bin", "java") + "\" --enable-native-access=ALL-UNNAMED -cp " + classes
                + " dev.scorch.collector.cli.Main record --duration 3s --frequency 499 --pid " + pid + " --output " + output;
    }

    private record Result(int status, String output) {}

    /** Runs {@code script} with sh as uid/gid 65534, no supplementary groups and no capabilities; {@code $0} is the workload. */
    private Result asUnprivileged(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("setpriv", "--reuid=" + UNPRIVILEGED, "--regid=" + UNPRIVILEGED, "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "sh", "-c", script, workload.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new Result(process.exitValue(), output);
    }

    private static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(file, target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
        return to;
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
