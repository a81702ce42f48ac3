package dev.scorch.collector.sampling;

import dev.scorch.collector.linux.ErrnoException;
import dev.scorch.collector.perf.EventAttributes;
import dev.scorch.collector.perf.EventPoller;
import dev.scorch.collector.perf.PerfEvent;
import dev.scorch.collector.perf.RecordDecoder;
import dev.scorch.collector.perf.RecordHandler;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Samples the CPUs with one software CPU-clock event per CPU (or per CPU and cgroup in cgroup
 * mode), reads their ring buffers on one thread and hands every record to a {@link RecordHandler}.
 */
public final class Sampler implements AutoCloseable {

    /** Drain at least this often, so a quiet CPU's samples still reach the current interval. */
    private static final int POLL_TIMEOUT_MILLIS = 1000;
    /** The smallest ring the sampler falls back to when the kernel refuses to lock a larger one. */
    static final int MIN_DATA_PAGES = 8;

    private final SamplerOptions options;
    private final Arena arena;
    private final List<PerfEvent> events;
    private final List<PerfEvent> buffers;
    private final EventPoller poller;
    private final RecordDecoder decoder;
    private final ReentrantLock drainLock = new ReentrantLock();
    private CountingHandler handler;
    private Thread thread;
    private volatile boolean running;
    private boolean closed;
    private long closedBytesRead;

    private Sampler(SamplerOptions options, Arena arena, List<PerfEvent> events) {
        this.options = options;
        this.arena = arena;
        this.events = events;
        this.buffers = events.stream().filter(e -> e.ring() != null).toList();
        this.poller = new EventPoller(buffers, arena);
        this.decoder = new RecordDecoder(options.userStackBytes() > 0);
    }

    /** Opens (disabled) every event and its buffer; fails with the precise reason. */
    public static Sampler open(SamplerOptions options) throws SamplingUnavailableException {
        Arena arena = Arena.ofShared();
        List<PerfEvent> events = new ArrayList<>();
        List<Integer> cgroupFds = new ArrayList<>();
        try {
            for (Path cgroup : options.cgroups()) {
                try {
                    cgroupFds.add(PerfEvent.openCgroup(cgroup.toString()));
                } catch (ErrnoException e) {
                    throw new SamplingUnavailableException(SamplingProblem.PERF_UNAVAILABLE,
                            "cannot open cgroup directory " + cgroup + " for perf cgroup mode: " + e.getMessage(), e);
                }
            }
            List<PerfEvent.Scope> scopes = new ArrayList<>();
            options.tasks().forEach(tid -> scopes.add(PerfEvent.Scope.task(tid)));
            cgroupFds.forEach(fd -> scopes.add(PerfEvent.Scope.cgroup(fd)));
            if (scopes.isEmpty()) {
                scopes.add(PerfEvent.Scope.EVERY_TASK);
            }
            for (int pages = options.dataPages(); ; pages /= 2) {
                try {
                    openEvents(options, pages, scopes, arena, events);
                    break;
                } catch (ErrnoException e) {
                    // mmap's EPERM: over the locked-memory allowance (SamplerOptions#ringPages); every CPU retries at half.
                    if (!e.call().equals("mmap") || e.errno() != ErrnoException.EPERM || pages <= MIN_DATA_PAGES) {
                        throw e;
                    }
                    events.forEach(PerfEvent::close);
                    events.clear();
                }
            }
            return new Sampler(options, arena, events);
        } catch (ErrnoException e) {
            events.forEach(PerfEvent::close);
            arena.close();
            throw SamplingPreflight.explain(e, options);
        } catch (SamplingUnavailableException | RuntimeException e) {
            events.forEach(PerfEvent::close);
            arena.close();
            throw e;
        } finally {
            cgroupFds.forEach(PerfEvent::closeFd);
        }
    }

    private static void openEvents(SamplerOptions options, int pages, List<PerfEvent.Scope> scopes, Arena arena, List<PerfEvent> events)
            throws ErrnoException {
        EventAttributes attributes = attributes(options, pages);
        for (int cpu : options.cpus()) {
            PerfEvent owner = PerfEvent.openWithBuffer(attributes, cpu, scopes.getFirst(), pages, arena);
            events.add(owner);
            for (PerfEvent.Scope scope : scopes.subList(1, scopes.size())) {
                events.add(PerfEvent.openSharing(attributes, owner, scope));
            }
        }
    }

    /** Wake the reader at a quarter full: it has three quarters of the buffer's time to get scheduled. */
    private static EventAttributes attributes(SamplerOptions options, int dataPages) {
        long pageBytes = (long) dataPages * PerfEvent.PAGE_SIZE;
        return new EventAttributes(options.frequencyHz(), options.kernelStacks(), true, (int) Math.min(Integer.MAX_VALUE, pageBytes / 4),
                options.userStackBytes(), !options.tasks().isEmpty());
    }

    public SamplerOptions options() {
        return options;
    }

    /**
     * Data pages of each CPU's ring: {@link SamplerOptions#dataPages()} unless the kernel refused to
     * lock that much (see {@link SamplerOptions#ringPages}), when the sampler halved it until every
     * CPU's ring fit.
     */
    public int ringPages() {
        return buffers.isEmpty() ? 0 : (int) (buffers.getFirst().ring().dataSize() / PerfEvent.PAGE_SIZE);
    }

    /** Enables the events and starts the reader thread, which calls {@code target} for every record. */
    public synchronized void start(RecordHandler target) throws SamplingUnavailableException {
        if (thread != null) {
            throw new IllegalStateException("sampler already started");
        }
        handler = new CountingHandler(target);
        try {
            for (PerfEvent event : events) {
                event.enable();
            }
        } catch (ErrnoException e) {
            throw SamplingPreflight.explain(e, options);
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name("scorch-sampler").start(this::readLoop);
    }

    private void readLoop() {
        while (running) {
            try {
                poller.await(POLL_TIMEOUT_MILLIS);
            } catch (ErrnoException e) {
                // poll only fails on a bad fd set, which cannot change while we run; keep draining.
                handler.malformed(-1, e.getMessage());
            }
            drain();
        }
    }

    /** Reads every record waiting in every buffer now; interval ends call this before draining. */
    public void drain() {
        drainLock.lock();
        try {
            if (handler == null || closed) {
                return;
            }
            for (PerfEvent event : buffers) {
                event.ring().drain(decoder, handler);
            }
        } finally {
            drainLock.unlock();
        }
    }

    /** Samples read so far. */
    public long samples() {
        CountingHandler h = handler;
        return h == null ? 0 : h.samples;
    }

    /** Bytes of records read from the ring buffers so far. */
    public long bytesRead() {
        drainLock.lock();
        try {
            return closed ? closedBytesRead : buffers.stream().mapToLong(e -> e.ring().bytesRead()).sum();
        } finally {
            drainLock.unlock();
        }
    }

    /** Records the kernel dropped because a buffer was full. */
    public long lost() {
        CountingHandler h = handler;
        return h == null ? 0 : h.lost;
    }

    /** Times the kernel throttled the sample rate. */
    public long throttles() {
        CountingHandler h = handler;
        return h == null ? 0 : h.throttles;
    }

    /** Records that did not parse and were skipped. */
    public long malformed() {
        CountingHandler h = handler;
        return h == null ? 0 : h.malformed;
    }

    @Override
    public synchronized void close() {
        running = false;
        if (thread != null) {
            // No interrupt: poll(2) through FFM does not notice one (the loop sees running within a poll timeout), and an
            // interrupt during the unwinder's read of an object file would close that FileChannel, shared with the symbolizer.
            try {
                thread.join(POLL_TIMEOUT_MILLIS * 3L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (PerfEvent event : events) {
            try {
                event.disable();
            } catch (ErrnoException e) {
                // Closing the fd below stops the event as well.
            }
        }
        drain();
        drainLock.lock();
        try {
            if (closed) {
                return;
            }
            closedBytesRead = buffers.stream().mapToLong(e -> e.ring().bytesRead()).sum();
            closed = true;
            events.forEach(PerfEvent::close);
            arena.close();
        } finally {
            drainLock.unlock();
        }
    }
}
