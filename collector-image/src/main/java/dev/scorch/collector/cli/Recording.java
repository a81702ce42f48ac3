package dev.scorch.collector.cli;

import dev.scorch.collector.perf.ForwardingRecordHandler;
import dev.scorch.collector.process.ProcessTable;
import dev.scorch.collector.profile.AggregatedStack;
import dev.scorch.collector.profile.StackAggregator;
import dev.scorch.collector.profile.StackStore;
import dev.scorch.collector.run.RecordRouter;
import dev.scorch.collector.sampling.Sampler;
import dev.scorch.collector.sampling.SamplerOptions;
import dev.scorch.collector.sampling.SamplingUnavailableException;
import dev.scorch.collector.attribution.Target;
import dev.scorch.collector.attribution.TargetResolver;
import dev.scorch.collector.symbol.MappedObjects;
import dev.scorch.collector.unwind.StackUnwinder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One local recording: samples for a duration (or until stopped), keeping every stack in one
 * target, then keeps the stacks of the selected processes.
 */
final class Recording {

    /** Distinct stacks kept over a whole recording; past it stacks fold into their process. */
    static final int MAX_STACKS = 500_000;

    /**
     * What a recording produced.
     *
     * @param stacks the selected processes' stacks
     * @param processes the process table, for symbolization
     * @param objectFiles the object files the unwinder opened, for the symbolizer to reuse
     * @param ringBytes bytes of records read from the ring buffers
     * @param ringPages data pages of each CPU's ring (the smallest, when the kernel refused the size asked for)
     */
    record Result(Instant start, Duration duration, List<AggregatedStack> stacks, ProcessTable processes, MappedObjects objectFiles,
            long ringBytes, int ringPages, long samples, long selectedSamples, long lost, long throttles, long malformed, long truncated) {}

    /** Told once a second while sampling: time since start, samples taken and lost so far. */
    interface Progress {
        void update(Duration elapsed, long samples, long lost);
    }

    private static final Target EVERYTHING = Target.of(Map.of("service_name", "scorch-record"));

    private final SamplerOptions options;
    private final PidSelection selection;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch started = new CountDownLatch(1);

    Recording(SamplerOptions options, PidSelection selection) {
        this.options = options;
        this.selection = selection;
    }

    /** Waits until the events are enabled; false on timeout. */
    boolean awaitStarted(Duration timeout) throws InterruptedException {
        return started.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Ends the recording early (Ctrl-C). */
    void stop() {
        stop.countDown();
    }

    Result run(Duration duration) throws SamplingUnavailableException, InterruptedException {
        return run(duration, (elapsed, samples, lost) -> {});
    }

    Result run(Duration duration, Progress progress) throws SamplingUnavailableException, InterruptedException {
        ProcessTable processes = ProcessTable.ofThisHost();
        // Only the selected processes' samples are kept, so only they are unwound (a pid's ancestry is looked up once).
        Map<Integer, Boolean> includes = new ConcurrentHashMap<>();
        StackStore stacks = new StackStore(MAX_STACKS);
        StackAggregator aggregator = new StackAggregator(new TargetResolver() {
            @Override
            public Optional<Target> resolve(int pid) {
                return selection.everything() || includes.computeIfAbsent(pid, selection::includes) ? Optional.of(EVERYTHING) : Optional.empty();
            }
        }, stacks);
        MappedObjects objectFiles = MappedObjects.ofThisHost();
        RecordRouter router = new RecordRouter(processes, stacks, StackUnwinder.forSamples(options.userStackBytes(), processes, objectFiles));
        router.route(List.of(aggregator));
        Instant start;
        long startNanos;
        Sampler sampler = Sampler.open(options);
        try (sampler) {
            processes.learnRunningProcesses();
            start = Instant.now();
            startNanos = System.nanoTime();
            sampler.start(new SelectionTracking(router, selection));
            started.countDown();
            long end = startNanos + duration.toNanos();
            for (long left = duration.toNanos(); left > 0; left = end - System.nanoTime()) {
                if (stop.await(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS)) {
                    break;
                }
                progress.update(Duration.ofNanos(System.nanoTime() - startNanos), sampler.samples(), sampler.lost());
            }
        }
        Duration recorded = Duration.ofNanos(System.nanoTime() - startNanos);
        List<AggregatedStack> all = aggregator.drain().getOrDefault(EVERYTHING, List.of());
        List<AggregatedStack> selected = selection.everything() ? all
                : all.stream().filter(s -> selection.includes(s.pid())).toList();
        long selectedSamples = selected.stream().mapToLong(AggregatedStack::count).sum();
        return new Result(start, recorded, selected, processes, objectFiles, sampler.bytesRead(), sampler.ringPages(), sampler.samples(), selectedSamples, sampler.lost(),
                sampler.throttles(), sampler.malformed(), aggregator.truncated());
    }

    /** Forwards every record to the router and tells the pid selection about new processes. */
    private static final class SelectionTracking extends ForwardingRecordHandler {
        private final PidSelection selection;

        SelectionTracking(RecordRouter router, PidSelection selection) {
            super(router);
            this.selection = selection;
        }

        @Override
        public void fork(int pid, int parentPid, int tid, long timeNanos) {
            selection.forked(pid, parentPid);
            super.fork(pid, parentPid, tid, timeNanos);
        }
    }
}
