package dev.scorch.collector.cli;

import dev.scorch.collector.sampling.CpuWideSampling;
import dev.scorch.collector.workload.CWorkloads;
import dev.scorch.testenv.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RecordCommandTest {

    private static final Path GO = Path.of("/usr/local/go/bin/go");

    @TempDir
    Path dir;

    private final CapturedCommandLine cli = new CapturedCommandLine();

    private int main(String... args) {
        return cli.run(args);
    }

    /** Runs {@code record} as on a terminal, with processes looked up under {@code procRoot}. */
    private int recordOnTerminal(Path procRoot, String... args) {
        return cli.run(new Main("./scorch", List.of(new RecordCommand(() -> true, procRoot))),
                java.util.stream.Stream.concat(java.util.stream.Stream.of("record"), java.util.Arrays.stream(args)).toList());
    }

    private static String pprofTop(Path profile) throws Exception {
        Tier.REAL_KERNEL.require(Files.isExecutable(GO), "go tool pprof reads the profile: Go is expected at " + GO);
        Process pprof = new ProcessBuilder(GO.toString(), "tool", "pprof", "-top", profile.toString()).redirectErrorStream(true).start();
        String top = new String(pprof.getInputStream().readAllBytes());
        assertThat(pprof.waitFor()).as(top).isZero();
        return top;
    }

    @Test
    void recordOfOneProcessWritesAProfileGoToolPprofReadsWithItsFunctionsNamed() throws Exception {
        CpuWideSampling.require();
        Tier.REAL_KERNEL.require(Files.isExecutable(GO), "go tool pprof reads the profile: Go is expected at " + GO);
        Process workload = new ProcessBuilder(CWorkloads.compile("split").toString(), "30").start();
        Path profile = dir.resolve("profile.pb.gz");
        Path flamegraph = dir.resolve("flame.html");
        try {
            int status = main("record", "--duration", "3s", "--frequency", "499", "--pid", Long.toString(workload.pid()),
                    "--output", profile.toString(), "--flamegraph", flamegraph.toString());

            assertThat(status).as(cli.err()).isZero();
        } finally {
            workload.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String top = pprofTop(profile);
        assertThat(top).contains("scorch_hot", "scorch_cold", "Type: cpu", "File: split\n");
        assertThat(cli.err()).contains("wrote " + profile, "0 lost", "wrote " + flamegraph);
        assertThat(Files.readString(flamegraph)).contains("<html", "scorch_hot");
    }

    @Test
    void aWholeHostRecordingOnATerminalShowsProgressEverySecondAndNamesTheHostAsItsFile() throws Exception {
        CpuWideSampling.require();
        Path profile = dir.resolve("host.pb.gz");

        int status = recordOnTerminal(Path.of("/proc"), "--duration", "2s", "--output", profile.toString());

        assertThat(status).as(cli.err()).isZero();
        assertThat(cli.err()).containsPattern("\r  1s of 2s: [0-9,]+ samples, [0-9,]+ lost");
        assertThat(pprofTop(profile)).containsPattern("File: host \\S+\n");
    }

    @Test
    void aProfileWithoutSamplesIsWarnedAbout() throws Exception {
        CpuWideSampling.require();
        Process idle = new ProcessBuilder("sleep", "30").start();
        // Another process keeps a CPU busy, so the kernel delivers samples even on an idle host: they are left out.
        Process busy = new ProcessBuilder(CWorkloads.compile("split").toString(), "30").start();
        try {
            int status = main("record", "--duration", "1s", "--pid", Long.toString(idle.pid()), "--output", dir.resolve("idle.pb.gz").toString());

            assertThat(status).as(cli.err()).isZero();
            assertThat(cli.err()).contains("warning: the profile has no samples: the selected processes did not run on a CPU");
        } finally {
            idle.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            busy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPidWithoutAProcessIsRefusedBeforeSampling() {
        assertThat(recordOnTerminal(dir, "--pid", "999999", "--output", dir.resolve("p.pb.gz").toString())).isEqualTo(1);
        assertThat(cli.err()).isEqualTo("./scorch record: --pid 999999: no such process\n");
    }

    @Test
    void anOutputInAMissingDirectoryIsRefusedBeforeSamplingWithTheSystemsReason() {
        Path output = dir.resolve("missing/x.pb.gz");

        assertThat(recordOnTerminal(Path.of("/proc"), "--output", output.toString())).isEqualTo(1);

        assertThat(cli.err()).isEqualTo("./scorch record: --output " + output + ": cannot write in " + output.getParent()
                + ": No such file or directory\n");
    }

    @Test
    void aFlameGraphUnderAFileIsRefusedBeforeSamplingWithTheSystemsReason() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "not a directory");
        Path flamegraph = file.resolve("flame.html");

        assertThat(recordOnTerminal(Path.of("/proc"), "--output", dir.resolve("p.pb.gz").toString(), "--flamegraph", flamegraph.toString()))
                .isEqualTo(1);

        assertThat(cli.err()).isEqualTo("./scorch record: --flamegraph " + flamegraph + ": cannot write in " + file
                + ": Not a directory\n");
    }

    @Test
    void anOptionWhoseValueIsMissingIsAUsageErrorNotTheNextOption() {
        assertThat(main("record", "--duration", "--frequency", "99")).isEqualTo(Main.USAGE);
        assertThat(cli.err()).contains("--duration needs a value");
    }

    @Test
    void noArgumentsSayTheCommandIsMissingAndListTheCommands() {
        assertThat(main()).isEqualTo(Main.USAGE);
        assertThat(cli.err()).startsWith("scorch-collector: missing command\nusage: scorch-collector <command>").contains("record", "run");
    }

    @Test
    void usageNamesTheProgramAsTheUserTypedIt() {
        assertThat(recordOnTerminal(Path.of("/proc"), "--frequency", "5000")).isEqualTo(Main.USAGE);
        assertThat(cli.err()).contains("./scorch record: --frequency must be between", "usage: ./scorch record [--duration")
                .doesNotContain("scorch-collector");
    }

    @Test
    void unknownOptionIsAUsageErrorNamingIt() {
        assertThat(main("record", "--frequncy", "99")).isEqualTo(Main.USAGE);
        assertThat(cli.err()).contains("unknown option --frequncy", "usage: scorch-collector record");
    }

    @Test
    void frequencyOutOfRangeIsAUsageError() {
        assertThat(main("record", "--frequency", "5000")).isEqualTo(Main.USAGE);
        assertThat(cli.err()).contains("--frequency must be between 1 and 1000, was 5000");
    }

    @Test
    void badDurationIsAUsageError() {
        assertThat(main("record", "--duration", "soon")).isEqualTo(Main.USAGE);
        assertThat(cli.err()).contains("--duration must be a duration such as 30s");
    }

    @Test
    void unknownCommandListsTheCommands() {
        assertThat(main("recrod")).isEqualTo(Main.USAGE);
        assertThat(cli.err()).contains("unknown command 'recrod'", "record");
    }
}
