package dev.scorch.collector.cli;

import dev.scorch.collector.flamegraph.FlameGraphWriter;
import dev.scorch.collector.perf.EventAttributes;
import dev.scorch.collector.profile.CpuProfile;
import dev.scorch.collector.profile.CpuProfileBuilder;
import dev.scorch.collector.sampling.CgroupDirectories;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.SamplingPreflight;
import dev.scorch.collector.sampling.SamplingUnavailableException;
import dev.scorch.collector.jvm.JitMapRequests;
import dev.scorch.collector.symbol.Symbolizer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

/**
 * {@code scorch-collector record}: samples this host (or some of its processes) for a while and
 * writes a gzipped pprof profile and, optionally, a flame-graph page. Needs no cluster.
 */
final class RecordCommand implements Subcommand {

    private static final Set<String> VALUE_OPTIONS = Set.of("duration", "frequency", "output", "flamegraph", "pid", "cgroup", "user-stack-bytes");
    private static final Set<String> FLAGS = Set.of("no-kernel-stacks", "frame-pointers-only");

    private final BooleanSupplier onTerminal;
    private final Path procRoot;

    RecordCommand() {
        this(() -> System.console() != null && System.console().isTerminal(), Path.of("/proc"));
    }

    /**
     * @param onTerminal whether the user watches a terminal, which gets a progress line a second
     * @param procRoot where processes are looked up ({@code /proc})
     */
    RecordCommand(BooleanSupplier onTerminal, Path procRoot) {
        this.onTerminal = onTerminal;
        this.procRoot = procRoot;
    }

    @Override
    public String name() {
        return "record";
    }

    @Override
    public String summary() {
        return "sample this host for a while and write a pprof profile and a flame graph";
    }

    @Override
    public String usage() {
        return """
                usage: scorch-collector record [--duration 30s] [--frequency 99] [--output profile.pb.gz]
                         [--flamegraph flame.html] [--pid N]... [--cgroup PATH]... [--no-kernel-stacks] [--frame-pointers-only]
                         [--user-stack-bytes N]
                  --duration D        how long to sample (500ms, 30s, 5m, 1h); Ctrl-C stops early and still writes (default 30s)
                  --frequency HZ      samples per second per CPU, 1..1000 (default 99)
                  --output FILE       gzipped pprof profile to write (default profile.pb.gz); read it with go tool pprof
                  --flamegraph FILE   also write a self-contained interactive flame-graph HTML page (opens offline)
                  --pid N             only this process and its descendants (repeatable)
                  --cgroup PATH       only tasks of this cgroup v2 directory, filtered in the kernel (repeatable);
                                      a directory or a path as /proc/<pid>/cgroup shows it
                  --no-kernel-stacks  user frames only
                  --frame-pointers-only  samples carry the kernel's frame-pointer callchain only, no registers or stack
                                      copy to unwind from (about 100 bytes a sample instead of 8.7 KiB; to compare costs)
                  --user-stack-bytes N  bytes of user stack copied into each sample for the unwinder, a multiple of 8 up to
                                      61440 (default 8192); a smaller copy fits more samples into the ring buffers
                needs root, or CAP_PERFMON (CPU-wide perf events) plus, to name frames, CAP_SYSLOG, CAP_SYS_PTRACE,
                CAP_DAC_READ_SEARCH and CAP_CHECKPOINT_RESTORE (see docs/decisions.md, "Collector capabilities, measured")""";
    }

    @Override
    public int run(List<String> arguments, PrintStream out, PrintStream err) throws UsageException, IOException, InterruptedException {
        CommandLine args = CommandLine.parse(arguments, VALUE_OPTIONS, FLAGS);
        Duration duration = args.duration("duration", Duration.ofSeconds(30));
        int frequency = args.intValue("frequency", 99, 1, 1000);
        Path output = Path.of(args.value("output").orElse("profile.pb.gz"));
        Path flamegraph = args.value("flamegraph").map(Path::of).orElse(null);
        boolean kernelStacks = !args.flag("no-kernel-stacks");
        Set<Integer> pids = new TreeSet<>(args.intValues("pid"));
        List<Path> cgroups = new ArrayList<>();
        for (String cgroup : args.values("cgroup")) {
            try {
                cgroups.add(CgroupDirectories.ofThisHost().resolve(cgroup));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--cgroup: " + e.getMessage());
            }
        }

        for (int pid : pids) {
            if (!Files.isDirectory(procRoot.resolve(Integer.toString(pid)))) {
                throw new IOException("--pid " + pid + ": no such process");
            }
        }
        OutputFile.requireWritable("--output", output);
        if (flamegraph != null) {
            OutputFile.requireWritable("--flamegraph", flamegraph);
        }

        SamplingPreflight preflight = SamplingPreflight.ofThisHost();
        // Without the right to sample whole CPUs, --pid still works on one's own processes (perf_event_paranoid 2).
        boolean ownProcessesOnly = !pids.isEmpty() && !preflight.cpuWideAllowed();
        boolean fatal = false;
        for (SamplingPreflight.Finding finding : ownProcessesOnly ? preflight.checkOwnProcesses(pids, procRoot) : preflight.check(kernelStacks)) {
            err.println((finding.problem().fatal() ? "error" : "warning") + " (" + finding.problem().conditionReason() + "): " + finding.message());
            fatal |= finding.problem().fatal();
        }
        if (fatal) {
            return 2;
        }

        int userStackBytes = args.flag("frame-pointers-only") || !SamplerOptions.unwindingSupported() ? 0
                : args.intValue("user-stack-bytes", SamplerOptions.DEFAULT_USER_STACK_BYTES, 8, EventAttributes.MAX_USER_STACK_BYTES);
        if (userStackBytes % 8 != 0) {
            throw new UsageException("--user-stack-bytes must be a multiple of 8, was " + userStackBytes);
        }
        SamplerOptions options = SamplerOptions.allCpus(frequency, kernelStacks, userStackBytes).withCgroups(cgroups);
        if (ownProcessesOnly) {
            err.println("note: " + preflight.ownProcessesNote(pids));
            options = options.withTasks(PidSelection.threadsOf(pids, procRoot));
        }
        Recording recording = new Recording(options, new PidSelection(pids, Path.of("/proc")));
        CountDownLatch written = new CountDownLatch(1);
        Thread stopOnSignal = new Thread(() -> {
            recording.stop();
            try {
                written.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "scorch-record-stop");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);
        try {
            err.printf("recording %d CPUs at %d Hz for %s%s ...%n", options.cpus().size(), frequency, describe(duration),
                    cgroups.isEmpty() ? "" : " in " + cgroups.size() + " cgroup(s)");
            Recording.Result result;
            boolean progress = onTerminal.getAsBoolean();
            try {
                result = recording.run(duration, progress ? (elapsed, samples, lost) -> err.printf(
                        "\r  %s of %s: %,d samples, %,d lost\033[K", describe(elapsed.withNanos(0)), describe(duration), samples, lost)
                        : (elapsed, samples, lost) -> {});
            } catch (SamplingUnavailableException e) {
                err.println("error (" + e.problem().conditionReason() + "): " + e.getMessage());
                return 2;
            } finally {
                if (progress) {
                    err.print("\r\033[K");
                }
            }
            String host = hostname();
            JitMapRequests jitMaps = JitMapRequests.ofThisHost();
            CpuProfile profile = new CpuProfileBuilder(new Symbolizer(Symbolizer.Settings.defaults(), jitMaps, result.objectFiles()), result.processes(), true)
                    .build(new TreeMap<>(Map.of("service_name", "scorch-record", "node", host)),
                            result.start(), result.duration(), frequency, result.stacks())
                    .withMainMapping(subject(host, pids, cgroups));
            int removedMaps = jitMaps.removeCausedMaps();
            if (removedMaps > 0) {
                err.printf("removed the %d perf map(s) the recording had JVMs write%n", removedMaps);
            }
            Files.write(output, profile.toGzippedPprof());
            err.printf("wrote %s: %d samples (%d taken, %d lost, %d throttled; %d KiB read from the ring buffers of %d KiB per CPU)%n",
                    output, result.selectedSamples(), result.samples(), result.lost(), result.throttles(), result.ringBytes() >> 10,
                    result.ringPages() * 4);
            if (result.ringPages() < options.dataPages()) {
                err.printf("warning: the kernel locked %d KiB of ring buffer per CPU, not the %d KiB asked for (over the user's"
                        + " perf_event_mlock_kb and this process's RLIMIT_MEMLOCK; CAP_IPC_LOCK lifts both): the rings hold less time,"
                        + " and samples are lost when the reader is not scheduled for longer%n", result.ringPages() * 4, options.dataPages() * 4);
            }
            if (result.selectedSamples() == 0) {
                err.println("warning: the profile has no samples: " + (result.samples() == 0
                        ? "the kernel delivered none in " + describe(result.duration())
                        : pids.isEmpty() && cgroups.isEmpty() ? "nothing ran on a CPU"
                        : "the selected processes did not run on a CPU while recording (idle, or exited); "
                                + result.samples() + " samples of other processes were left out"));
            }
            if (flamegraph != null) {
                List<String> filters = new ArrayList<>();
                pids.forEach(pid -> filters.add("pid " + pid + " and descendants"));
                cgroups.forEach(cgroup -> filters.add("cgroup " + cgroup));
                if (!kernelStacks) {
                    filters.add("no kernel stacks");
                }
                FlameGraphWriter.write(profile, filters, flamegraph);
                err.printf("wrote %s%n", flamegraph);
            }
            return 0;
        } finally {
            written.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            } catch (IllegalStateException e) {
                // Shutting down already: the hook is running and waits for us.
            }
        }
    }

    /** What the profile is of, as its main mapping names it: the process's executable, the cgroup, or the host. */
    private String subject(String host, Set<Integer> pids, List<Path> cgroups) {
        if (!pids.isEmpty()) {
            int first = pids.iterator().next();
            try {
                return Files.readSymbolicLink(procRoot.resolve(first + "/exe")).toString();
            } catch (IOException | UnsupportedOperationException e) {
                return "pid " + first;
            }
        }
        if (!cgroups.isEmpty()) {
            return "cgroup " + cgroups.getFirst().getFileName();
        }
        return "host " + host;
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
