package dev.scorch.collector.run;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.kubernetes.PodInfo;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.pull.IntervalPuller;
import dev.scorch.collector.pull.ProfileFetcher;
import dev.scorch.collector.trigger.ContainerTriggers.Firing;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What one policy's trigger firings become: each runs its capture ({@link TriggeredCapture}) on a
 * virtual thread of its own, so checks keep their pace; every captured profile is offered to the
 * policy's backends; and how each capture ended is counted for the policy's status and metrics.
 */
final class PolicyTriggerCaptures implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PolicyTriggerCaptures.class.getName());

    private final String policy;
    private final TriggeredCapture capture;
    private final List<ProfileExporter> exporters;
    private final Clock clock;
    private final Duration captureDuration;
    private final ProfileFetcher decoder;
    private final ExecutorService running = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong captured = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong goProfilesMissed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Map<String, AtomicLong> byTrigger = new ConcurrentHashMap<>();
    private final AtomicReference<PolicyTriggers.LastCapture> last = new AtomicReference<>();

    PolicyTriggerCaptures(String policy, TriggeredCapture capture, Duration captureDuration, List<ProfileExporter> exporters, Clock clock,
            ProfileFetcher decoder) {
        this.decoder = decoder;
        this.policy = policy;
        this.capture = capture;
        this.captureDuration = captureDuration;
        this.exporters = List.copyOf(exporters);
        this.clock = clock;
    }

    /**
     * Starts the capture {@code firing} asks for, of the container {@code containerName} of
     * {@code pod} whose cgroup is {@code directory}; {@code pprof} holds the container's Go
     * profile endpoints (empty when it serves none), {@code check} the number of the check that fired.
     */
    void start(PodInfo pod, String containerName, Firing firing, Path directory, SortedMap<String, String> containerLabels,
            Map<GoProfileType, URI> pprof, IntervalPuller puller, long check) {
        running.execute(() -> run(pod, containerName, firing, directory, containerLabels, pprof, puller, check));
    }

    private void run(PodInfo pod, String containerName, Firing firing, Path directory, SortedMap<String, String> containerLabels,
            Map<GoProfileType, URI> pprof, IntervalPuller puller, long check) {
        try {
            var result = capture.capture(firing, directory, containerLabels, pprof.isEmpty() ? null : pprof::get, puller);
            if (result.isEmpty()) {
                skipped.incrementAndGet();
                return;
            }
            TriggeredCapture.Capture done = result.get();
            offerCpuProfile(done, pod);
            Instant fetchedAt = clock.instant();
            for (var go : done.goProfiles().entrySet()) {
                GoProfileExport.export(exporters, decoder, done.labels(), go.getKey(), Instant.ofEpochSecond(0, go.getValue().startNanos()),
                        Duration.ofNanos(go.getValue().durationNanos()), go.getValue().gzippedPprof());
            }
            goProfilesMissed.addAndGet(done.problems().size());
            done.problems().forEach(problem -> LOG.log(Level.WARNING, "policy {0}: capture of {1} without its {2}", policy, pod.name(), problem));
            captured.incrementAndGet();
            byTrigger.computeIfAbsent(firing.rule().metric().label(), k -> new AtomicLong()).incrementAndGet();
            last.set(new PolicyTriggers.LastCapture(pod.namespace() + "/" + pod.name(), containerName, firing.rule().metric().label(),
                    done.labels().get("trigger_value"), fetchedAt, check));
            LOG.log(Level.INFO, "policy {0}: captured {1}/{2} ({3}), fired by check {4}: {5}", policy, pod.namespace() + "/" + pod.name(),
                    containerName, firing.rule().metric().label(), Long.toString(check), firing.why());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failed.incrementAndGet();
            LOG.log(Level.WARNING, "policy {0}: capture of {1}/{2} failed: {3}", policy, pod.name(), containerName, e.toString());
        }
    }

    /** Offers the capture's CPU profile to every backend, in the backend's wire format. */
    private void offerCpuProfile(TriggeredCapture.Capture done, PodInfo pod) {
        String id = UUID.randomUUID().toString();
        for (ProfileExporter exporter : exporters) {
            try {
                byte[] payload = exporter.wireFormat().encode(done.cpu(), id);
                exporter.offer(new ExportedProfile(id, done.labels(), done.cpu().start(), done.cpu().duration(), payload));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "backend {0} could not take a triggered profile of {1}: {2}", exporter.backendName(),
                        pod.name(), e.toString());
            }
        }
    }

    /** Captures completed so far. */
    long captured() {
        return captured.get();
    }

    /** Captures completed so far by the metric that fired them. */
    Map<String, Long> capturedByTrigger() {
        Map<String, Long> counts = new TreeMap<>();
        byTrigger.forEach((k, v) -> counts.put(k, v.get()));
        return counts;
    }

    /** Firings skipped because the policy's captures were all busy. */
    long skipped() {
        return skipped.get();
    }

    /** Heap or goroutine profiles that captures of pods serving pprof could not fetch. */
    long goProfilesMissed() {
        return goProfilesMissed.get();
    }

    /** Captures that failed (the cgroup could not be sampled). */
    long failed() {
        return failed.get();
    }

    /** The last capture, null before the first. */
    PolicyTriggers.LastCapture last() {
        return last.get();
    }

    /** Stops the captures running and waits for them, at most a capture's length and 2 s. */
    @Override
    public void close() {
        running.shutdownNow();
        try {
            running.awaitTermination(captureDuration.toMillis() + 2000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
