package dev.scorch.collector.run;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Closes backends side by side within one bound. Each backend may hold a send in flight for its
 * grace (5 s, then the send is marked possibly delivered) and then close its client (a few seconds
 * more): one after another, twenty backends would outlast the 30 s a pod gets between SIGTERM and
 * SIGKILL, losing the final flush of every backend after them. Side by side they cost the slowest.
 */
final class ParallelClose {

    private static final System.Logger LOG = System.getLogger(ParallelClose.class.getName());

    /**
     * How long the backends of policies stopped by a change of collector.json may take to close
     * together: a backend's in-flight grace (5 s) and client close fit inside it. An edited policy's
     * successor waits for it (it takes over their spool); a removed policy's close runs off the
     * collector's loop. Shutdown closes within its own deadline instead ({@link #until}).
     */
    static final Duration BOUND = Duration.ofSeconds(15);

    /**
     * What is left until {@code deadline} ({@link System#nanoTime}), at least a second: past the
     * deadline the tasks still get a moment to close before they are left to the process's exit.
     */
    static Duration until(long deadline) {
        return Duration.ofNanos(Math.max(TimeUnit.SECONDS.toNanos(1), deadline - System.nanoTime()));
    }

    /**
     * The close tasks running now, for the log line of a forced exit: they run on virtual threads,
     * which {@link Thread#getAllStackTraces()} leaves out.
     */
    private static final Set<Thread> RUNNING = ConcurrentHashMap.newKeySet();

    /** The threads of the close tasks still running, in no order. */
    static List<Thread> running() {
        return List.copyOf(RUNNING);
    }

    /** One thing to close, named for the log when it does not finish in time. */
    record Task(String name, Runnable close) {}

    private ParallelClose() {}

    /**
     * Runs every task on its own thread and waits for all of them, at most {@code bound} in total.
     *
     * @return the names of the tasks still running when the bound passed (logged; they are left to
     *     the process's exit)
     */
    static List<String> run(List<Task> tasks, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (Task task : tasks) {
            Thread thread = Thread.ofVirtual().name("scorch-close-" + task.name()).unstarted(() -> {
                try {
                    task.close().run();
                } finally {
                    RUNNING.remove(Thread.currentThread());
                }
            });
            RUNNING.add(thread);
            thread.start();
            threads.add(thread);
        }
        List<String> unfinished = new ArrayList<>();
        boolean interrupted = false;
        for (int i = 0; i < threads.size(); i++) {
            try {
                if (interrupted || !threads.get(i).join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                    unfinished.add(tasks.get(i).name());
                }
            } catch (InterruptedException e) {
                interrupted = true;
                unfinished.add(tasks.get(i).name());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!unfinished.isEmpty()) {
            LOG.log(Level.WARNING, "still closing after {0} s, left to the process exit: {1}", bound.toSeconds(), unfinished);
        }
        return unfinished;
    }
}
