package dev.scorch.collector.jvm;

import dev.scorch.collector.process.ProcessSnapshot;
import dev.scorch.collector.symbol.PerfMapWriter;

import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * One symbolization round's JIT map requests ({@link JitMapRequests#beginRound}): each JVM is
 * asked at most once, the requests sent at the round's start are the ones due to the JVMs among
 * the processes of its stacks, and every answer is waited for until the round's deadline, in all; a JVM that has not
 * answered by then is counted late. Used by the one thread that builds the round's profiles.
 */
final class JitMapRound implements PerfMapWriter.Round {

    private static final System.Logger LOG = System.getLogger(JitMapRound.class.getName());

    private final JitMapRequests requests;
    private final long deadlineNanos;
    private final LongSupplier nanoTime;
    private final JitMapOutcomes outcomes;
    /** Requests sent at the round's start, by pid, until the round reaches their JVM (null: none was due). */
    private final Map<Integer, CompletableFuture<Void>> sentAtStart = new HashMap<>();
    private final Set<Integer> reached = new HashSet<>();

    JitMapRound(JitMapRequests requests, long deadlineNanos, LongSupplier nanoTime, JitMapOutcomes outcomes) {
        this.requests = requests;
        this.deadlineNanos = deadlineNanos;
        this.nanoTime = nanoTime;
        this.outcomes = outcomes;
    }

    /** Asks {@code process} now, before the round reaches it, when it is a JVM due a request. */
    void sendAtStart(ProcessSnapshot process) {
        sentAtStart.put(process.pid(), requests.request(process));
    }

    @Override
    public void refresh(ProcessSnapshot process) {
        int pid = process.pid();
        if (!reached.add(pid)) {
            return;
        }
        CompletableFuture<Void> answer = sentAtStart.containsKey(pid) ? sentAtStart.remove(pid) : requests.request(process);
        if (answer == null) {
            return;
        }
        try {
            answer.get(Math.max(0, deadlineNanos - nanoTime.getAsLong()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            outcomes.late(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.log(Level.WARNING, "JIT map request to JVM " + pid + " failed", e.getCause());
        }
    }
}
