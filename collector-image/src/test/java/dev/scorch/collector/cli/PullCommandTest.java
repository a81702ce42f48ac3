package dev.scorch.collector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.symbol.ExternalTools;
import dev.scorch.testenv.GoPprofProgram;
import dev.scorch.testenv.Tier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code scorch-collector pull} against a real Go program, its output read by the real {@code go tool pprof}. */
class PullCommandTest {

    @TempDir
    Path dir;

    private final CapturedCommandLine cli = new CapturedCommandLine();

    private int main(String... args) {
        return cli.run(args);
    }

    private static String goToolPprof(String... args) throws IOException, InterruptedException {
        String[] command = Stream.concat(Stream.of(ExternalTools.go().orElseThrow().toString(), "tool", "pprof"), Stream.of(args))
                .toArray(String[]::new);
        Process pprof = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(pprof.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pprof.waitFor()).as(text).isZero();
        return text;
    }

    private List<Path> files(String type) throws IOException {
        try (Stream<Path> all = Files.list(dir)) {
            return all.filter(f -> f.getFileName().toString().startsWith(type + "-")).sorted().toList();
        }
    }

    @Test
    void pullWritesPerIntervalProfilesOfEveryTypeThatGoToolPprofReads() throws Exception {
        // A thread of its own: the common pool may have a single worker on a small machine.
        try (GoPprofProgram program = GoPprofProgram.start(Tier.REAL_KERNEL); ExecutorService runner = Executors.newSingleThreadExecutor()) {
            Future<Integer> pull = runner.submit(() -> main("pull", program.base().toString(),
                    "--output", dir.toString(), "--duration", "4s", "--interval", "2s"));
            while (files("goroutine").isEmpty() && !pull.isDone()) {
                Thread.sleep(20);
            }
            program.allocate(2000, 2048);
            program.contend(100);
            program.leakGoroutines(120);

            assertThat(pull.get()).as(cli.err()).isZero();
        }

        for (String type : List.of("heap", "allocs", "goroutine", "mutex", "block")) {
            assertThat(files(type)).as(type + " profiles, " + cli.err()).isNotEmpty();
            for (Path file : files(type)) {
                assertThat(goToolPprof("-raw", file.toString())).contains("PeriodType");
            }
        }
        assertThat(cli.err()).contains("mutex: baseline (first pull)");
        String allocs = goToolPprof("-top", "-sample_index=alloc_space", files("allocs").get(1).toString());
        assertThat(allocs).contains("main.scorchAllocate");
        String goroutines = goToolPprof("-top", files("goroutine").getLast().toString());
        assertThat(goroutines).contains("main.scorchLeak");
        String mutex = goToolPprof("-top", "-sample_index=contentions", files("mutex").getFirst().toString());
        assertThat(mutex).contains("main.scorchContend");
    }

    @Test
    void flamegraphWritesAPageBesideEveryProfile() throws Exception {
        try (GoPprofProgram program = GoPprofProgram.start(Tier.REAL_KERNEL)) {
            assertThat(main("pull", program.base().toString(), "--output", dir.toString(), "--types", "goroutine,allocs",
                    "--duration", "2s", "--interval", "1s", "--flamegraph")).as(cli.err()).isZero();
        }

        List<Path> profiles = Stream.concat(files("goroutine").stream(), files("allocs").stream())
                .filter(f -> f.toString().endsWith(".pb.gz")).toList();
        assertThat(profiles).isNotEmpty();
        for (Path profile : profiles) {
            Path page = profile.resolveSibling(profile.getFileName().toString().replace(".pb.gz", ".html"));
            assertThat(page).exists();
            assertThat(Files.readString(page)).contains(profile.getFileName().toString().startsWith("goroutine")
                    ? "Go goroutine flame graph" : "Go allocs flame graph");
        }
    }

    @Test
    void anUnreachableProgramIsNamedAndNothingIsWritten() {
        int status = main("pull", "http://127.0.0.1:1", "--output", dir.toString(), "--duration", "1s", "--interval", "1s",
                "--types", "heap");

        assertThat(status).isEqualTo(1);
        assertThat(cli.err()).contains("heap: http://127.0.0.1:1/debug/pprof/heap is unreachable", "(unreachable)");
    }

    @Test
    void anUnknownTypeIsAUsageErrorListingTheKnownOnes() {
        assertThat(main("pull", "http://127.0.0.1:6060", "--output", dir.toString(), "--types", "heap,cpu")).isEqualTo(Main.USAGE);
        assertThat(cli.err()).contains("unknown type 'cpu'", "godeltaprof-heap");
    }

    @Test
    void severalProgramsArePulledIntoOneDirectoryEach() throws Exception {
        try (GoPprofProgram first = GoPprofProgram.start(Tier.REAL_KERNEL); GoPprofProgram second = GoPprofProgram.start(Tier.REAL_KERNEL)) {
            int status = main("pull", first.base().toString(), second.base().toString(), "--output", dir.toString(),
                    "--duration", "1s", "--interval", "1s", "--types", "goroutine");

            assertThat(status).as(cli.err()).isZero();
            for (GoPprofProgram program : List.of(first, second)) {
                Path own = dir.resolve("127.0.0.1_" + program.base().getPort());
                try (Stream<Path> files = Files.list(own)) {
                    assertThat(files.filter(f -> f.getFileName().toString().startsWith("goroutine-")).count()).isEqualTo(2);
                }
            }
            assertThat(cli.err()).contains("from 2 programs", "fetched ", "in 4 answers");
        }
    }
}
