package dev.scorch.collector.cli;

import dev.scorch.collector.flamegraph.GoProfilePage;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.pull.IntervalDeltas;
import dev.scorch.collector.pull.IntervalPuller;
import dev.scorch.collector.pull.IntervalPuller.Outcome;
import dev.scorch.collector.pull.PprofDecoder;
import dev.scorch.collector.pull.ProfileFetcher;
import dev.scorch.collector.pull.PullEndpoints;
import dev.scorch.collector.pull.PullFailure;
import dev.scorch.collector.pull.PullJitter;
import dev.scorch.collector.pull.PulledProfile;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code scorch-collector pull URL}: pulls a Go program's pprof endpoints every interval for a
 * while and writes one gzipped pprof per type per interval, growing types (allocations, mutex,
 * block) as the growth within the interval. Needs no cluster and no privileges.
 */
final class PullCommand implements Subcommand {

    private static final Set<String> VALUE_OPTIONS = Set.of("types", "duration", "interval", "output", "timeout", "max-bytes", "concurrency");
    private static final Set<String> FLAGS = Set.of("flamegraph");
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    @Override
    public String name() {
        return "pull";
    }

    @Override
    public String summary() {
        return "pull a Go program's pprof endpoints and write per-interval profiles";
    }

    @Override
    public String usage() {
        return """
                usage: scorch-collector pull URL... --output DIR [--types heap,allocs,goroutine,mutex,block]
                                             [--duration 5m] [--interval 15s] [--timeout 10s] [--max-bytes 8388608] [--concurrency 4]
                                             [--flamegraph]
                  URL...           the program's net/http/pprof server, e.g. http://127.0.0.1:6060 (several: one
                                   subdirectory of DIR each, named host_port, pulls spread over the first quarter of
                                   each interval)
                  --output DIR     directory for the profiles, <type>-<UTC time>.pb.gz; read them with go tool pprof
                  --types LIST     comma-separated, of: %s (default heap,allocs,goroutine,mutex,block)
                  --duration D     how long to pull (default 5m); Ctrl-C stops early
                  --interval D     time between pulls (default 15s); allocations, mutex and block profiles hold
                                   what grew in one interval, the first pull of each is only a baseline
                  --timeout D      deadline for one answer, connection to last byte (default 10s or the interval)
                  --max-bytes N    largest answer accepted (default 8 MiB)
                  --concurrency N  requests in flight at once (default 4)
                  --flamegraph     also write a flame-graph page beside each profile, <type>-<UTC time>.html
                                   (in-use bytes of heap, allocated bytes of allocs, goroutines, contention delay)""".formatted(GoProfileType.allNames());
    }

    @Override
    public int run(List<String> arguments, PrintStream out, PrintStream err) throws Exception {
        int urls = 0;
        while (urls < arguments.size() && !arguments.get(urls).startsWith("--")) {
            urls++;
        }
        if (urls == 0) {
            throw new UsageException("the program's URL comes first, e.g. http://127.0.0.1:6060");
        }
        List<PullEndpoints> programs = new ArrayList<>();
        for (String url : arguments.subList(0, urls)) {
            try {
                programs.add(PullEndpoints.at(URI.create(url)));
            } catch (IllegalArgumentException e) {
                throw new UsageException("URL: " + e.getMessage());
            }
        }
        CommandLine args = CommandLine.parse(arguments.subList(urls, arguments.size()), VALUE_OPTIONS, FLAGS);
        Path output = Path.of(args.value("output").orElseThrow(() -> new UsageException("--output DIR is required")));
        List<GoProfileType> types = types(args.value("types").orElse("heap,allocs,goroutine,mutex,block"));
        Duration duration = args.duration("duration", Duration.ofMinutes(5));
        Duration interval = args.duration("interval", Duration.ofSeconds(15));
        Duration timeout = args.duration("timeout", interval.compareTo(Duration.ofSeconds(10)) < 0 ? interval : Duration.ofSeconds(10));
        int maxBytes = args.intValue("max-bytes", 8 << 20, 1024, 1 << 30);
        int concurrency = args.intValue("concurrency", 4, 1, 64);
        if (timeout.compareTo(interval) > 0) {
            throw new UsageException("--timeout (" + timeout + ") must not be longer than --interval (" + interval + ")");
        }
        Files.createDirectories(output);

        ProfileFetcher.Limits limits = new ProfileFetcher.Limits(Duration.ofSeconds(2).compareTo(timeout) < 0 ? Duration.ofSeconds(2) : timeout,
                timeout, maxBytes, concurrency);
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        Thread stopOnSignal = new Thread(() -> {
            stop.countDown();
            try {
                finished.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "scorch-pull-stop");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);
        try (ProfileFetcher fetcher = new ProfileFetcher(limits, new PprofDecoder(PprofDecoder.defaultLimits()));
                ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Program> pulled = new ArrayList<>();
            for (PullEndpoints endpoints : programs) {
                Path dir = programs.size() == 1 ? output : output.resolve(endpoints.toString().replaceFirst("^http://", "")
                        .replaceAll("[^A-Za-z0-9.-]", "_"));
                Files.createDirectories(dir);
                pulled.add(new Program(new IntervalPuller(fetcher, endpoints), dir,
                        programs.size() == 1 ? Duration.ZERO : PullJitter.offset(endpoints.toString(), interval)));
            }
            err.printf("pulling %s from %s every %s for %s into %s%n", String.join(",", types.stream().map(GoProfileType::typeName).toList()),
                    programs.size() == 1 ? programs.getFirst() : programs.size() + " programs", describe(interval), describe(duration), output);
            long startNanos = System.nanoTime();
            int written = 0;
            for (long round = 0; ; round++) {
                written += round(pulled, types, workers, programs.size() > 1, args.flag("flamegraph"), err);
                long next = startNanos + interval.toNanos() * (round + 1);
                if (next - startNanos > duration.toNanos()
                        || stop.await(next - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    break;
                }
            }
            err.printf("wrote %d profile(s) into %s; fetched %d bytes in %d answers%n", written, output, fetcher.bytesReceived(),
                    fetcher.answers());
            return written > 0 ? 0 : 1;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            } catch (IllegalStateException e) {
                // Shutting down already: the hook is running and waits for us.
            }
        }
    }

    /** One program being pulled: its deltas, where its files go, its offset in each interval. */
    private record Program(IntervalPuller puller, Path output, Duration offset) {}

    /** One pull of every type of every program, in parallel; returns the number of files written. */
    private static int round(List<Program> programs, List<GoProfileType> types, ExecutorService workers, boolean named, boolean flamegraph,
            PrintStream err) throws InterruptedException, IOException {
        List<Future<Outcome>> pulls = new ArrayList<>();
        List<Program> pullOf = new ArrayList<>();
        for (Program program : programs) {
            for (GoProfileType type : types) {
                pulls.add(workers.submit(() -> {
                    Thread.sleep(program.offset());
                    return program.puller().pull(type);
                }));
                pullOf.add(program);
            }
        }
        int written = 0;
        for (int i = 0; i < pulls.size(); i++) {
            Outcome outcome;
            try {
                outcome = pulls.get(i).get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("pulling failed unexpectedly", e.getCause());
            }
            Path output = pullOf.get(i).output();
            String type = (named ? output.getFileName() + " " : "") + outcome.type().typeName();
            if (outcome.failure() != null) {
                err.printf("%s: %s (%s)%n", type, outcome.failure().getMessage(), outcome.failure().reason().label());
                continue;
            }
            IntervalDeltas.Interval interval = outcome.interval();
            if (outcome.gzippedPprof() == null) {
                err.printf("%s: baseline (%s), nothing grew yet%n", type, describe(interval.kind()));
                continue;
            }
            Instant at = Instant.ofEpochSecond(0, interval.startNanos() + interval.durationNanos());
            Path file = output.resolve(outcome.type().typeName() + "-" + FILE_TIME.format(at) + ".pb.gz");
            Files.write(file, outcome.gzippedPprof());
            written++;
            if (flamegraph) {
                writePage(outcome, at, file, err);
            }
            err.printf("%s: wrote %s (%d stacks%s)%s%n", type, file.getFileName(), interval.samples().size(),
                    interval.kind() == IntervalDeltas.Kind.DELTA ? ", " + Duration.ofNanos(interval.durationNanos()).toMillis() + " ms" : "",
                    interval.samples().isEmpty() ? emptyHint(outcome.type()) : "");
        }
        return written;
    }

    /** The flame-graph page of a profile just written, beside it; a profile that cannot be drawn costs only its page. */
    private static void writePage(Outcome outcome, Instant end, Path file, PrintStream err) throws IOException {
        Path page = file.resolveSibling(file.getFileName().toString().replace(".pb.gz", ".html"));
        try {
            PulledProfile profile = new PprofDecoder(PprofDecoder.defaultLimits()).decode(outcome.gzippedPprof(), file.toString());
            Duration length = Duration.ofNanos(outcome.interval().durationNanos());
            Files.writeString(page, GoProfilePage.render(profile, outcome.type(), end.minus(length), length));
        } catch (PullFailure e) {
            err.printf("%s: no flame graph: %s%n", file.getFileName(), e.getMessage());
        }
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static String describe(IntervalDeltas.Kind kind) {
        return switch (kind) {
            case FIRST_BASELINE -> "first pull";
            case RESET_BASELINE -> "a counter went down: the program restarted";
            case TYPES_CHANGED_BASELINE -> "the sample types changed";
            case DELTA -> "delta";
        };
    }

    private static String emptyHint(GoProfileType type) {
        return switch (type) {
            case BLOCK, GODELTAPROF_BLOCK -> "; nothing blocked, or the block profile rate is 0 (runtime.SetBlockProfileRate)";
            case MUTEX, GODELTAPROF_MUTEX -> "; no contention in this interval";
            default -> "";
        };
    }

    private static List<GoProfileType> types(String list) throws UsageException {
        Set<GoProfileType> types = new LinkedHashSet<>();
        for (String name : list.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            types.add(GoProfileType.named(name).orElseThrow(() -> new UsageException("--types: unknown type '" + name.strip()
                    + "'; known: " + GoProfileType.allNames())));
        }
        if (types.isEmpty()) {
            throw new UsageException("--types names no type");
        }
        return List.copyOf(types);
    }
}
