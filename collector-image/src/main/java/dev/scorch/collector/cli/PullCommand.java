package dev.scorch.collector.cli;

import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.pull.IntervalDeltas;
import dev.scorch.collector.pull.IntervalPuller;
import dev.scorch.collector.pull.IntervalPuller.Outcome;
import dev.scorch.collector.pull.PprofDecoder;
import dev.scorch.collector.pull.ProfileFetcher;
import dev.scorch.collector.pull.PullEndpoints;
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

    private static final Set<String> VALUE_OPTIONS = Set.of("types", "duration", "interval", "output", "timeout", "max-bytes");
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
                usage: scorch-collector pull URL --output DIR [--types heap,allocs,goroutine,mutex,block]
                                             [--duration 5m] [--interval 15s] [--timeout 10s] [--max-bytes 8388608]
                  URL              the program's net/http/pprof server, e.g. http://127.0.0.1:6060
                  --output DIR     directory for the profiles, <type>-<UTC time>.pb.gz; read them with go tool pprof
                  --types LIST     comma-separated, of: %s (default heap,allocs,goroutine,mutex,block)
                  --duration D     how long to pull (default 5m); Ctrl-C stops early
                  --interval D     time between pulls (default 15s); allocations, mutex and block profiles hold
                                   what grew in one interval, the first pull of each is only a baseline
                  --timeout D      deadline for one answer, connection to last byte (default 10s or the interval)
                  --max-bytes N    largest answer accepted (default 8 MiB)""".formatted(GoProfileType.allNames());
    }

    @Override
    public int run(List<String> arguments, PrintStream out, PrintStream err) throws Exception {
        if (arguments.isEmpty() || arguments.getFirst().startsWith("--")) {
            throw new UsageException("the program's URL comes first, e.g. http://127.0.0.1:6060");
        }
        PullEndpoints endpoints;
        try {
            endpoints = PullEndpoints.at(URI.create(arguments.getFirst()));
        } catch (IllegalArgumentException e) {
            throw new UsageException("URL: " + e.getMessage());
        }
        CommandLine args = CommandLine.parse(arguments.subList(1, arguments.size()), VALUE_OPTIONS, Set.of());
        Path output = Path.of(args.value("output").orElseThrow(() -> new UsageException("--output DIR is required")));
        List<GoProfileType> types = types(args.value("types").orElse("heap,allocs,goroutine,mutex,block"));
        Duration duration = args.duration("duration", Duration.ofMinutes(5));
        Duration interval = args.duration("interval", Duration.ofSeconds(15));
        Duration timeout = args.duration("timeout", interval.compareTo(Duration.ofSeconds(10)) < 0 ? interval : Duration.ofSeconds(10));
        int maxBytes = args.intValue("max-bytes", 8 << 20, 1024, 1 << 30);
        if (timeout.compareTo(interval) > 0) {
            throw new UsageException("--timeout (" + timeout + ") must not be longer than --interval (" + interval + ")");
        }
        Files.createDirectories(output);

        ProfileFetcher.Limits limits = new ProfileFetcher.Limits(Duration.ofSeconds(2).compareTo(timeout) < 0 ? Duration.ofSeconds(2) : timeout,
                timeout, maxBytes, types.size());
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
        try (ProfileFetcher fetcher = new ProfileFetcher(limits, new PprofDecoder(PprofDecoder.Limits.DEFAULT));
                ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            IntervalPuller puller = new IntervalPuller(fetcher, endpoints);
            err.printf("pulling %s from %s every %s for %s into %s%n", String.join(",", types.stream().map(GoProfileType::typeName).toList()),
                    endpoints, describe(interval), describe(duration), output);
            long startNanos = System.nanoTime();
            int written = 0;
            for (long round = 0; ; round++) {
                written += round(puller, types, workers, output, err);
                long next = startNanos + interval.toNanos() * (round + 1);
                if (next - startNanos > duration.toNanos()
                        || stop.await(next - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    break;
                }
            }
            err.printf("wrote %d profile(s) into %s%n", written, output);
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

    /** One pull of every type, in parallel; returns the number of files written. */
    private static int round(IntervalPuller puller, List<GoProfileType> types, ExecutorService workers, Path output, PrintStream err)
            throws InterruptedException, IOException {
        List<Future<Outcome>> pulls = new ArrayList<>();
        for (GoProfileType type : types) {
            pulls.add(workers.submit(() -> puller.pull(type)));
        }
        int written = 0;
        for (Future<Outcome> pull : pulls) {
            Outcome outcome;
            try {
                outcome = pull.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("pulling failed unexpectedly", e.getCause());
            }
            String type = outcome.type().typeName();
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
            Path file = output.resolve(type + "-" + FILE_TIME.format(at) + ".pb.gz");
            Files.write(file, outcome.gzippedPprof());
            written++;
            err.printf("%s: wrote %s (%d stacks%s)%s%n", type, file.getFileName(), interval.samples().size(),
                    interval.kind() == IntervalDeltas.Kind.DELTA ? ", " + Duration.ofNanos(interval.durationNanos()).toMillis() + " ms" : "",
                    interval.samples().isEmpty() ? emptyHint(outcome.type()) : "");
        }
        return written;
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
