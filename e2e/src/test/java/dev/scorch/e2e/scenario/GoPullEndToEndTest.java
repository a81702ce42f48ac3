package dev.scorch.e2e.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scorch.e2e.cluster.PolicyStatus;
import dev.scorch.e2e.kubelet.ContainerImage;
import dev.scorch.e2e.kubelet.ContainerProcess;
import dev.scorch.testenv.GoPprofProgram;
import dev.scorch.testenv.GoToolchain;
import dev.scorch.testenv.LoopbackPorts;
import dev.scorch.testenv.ParcaServer;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tier 5 of issue 10's proof, through everything an admin installs: a ProfilingPolicy with {@code
 * spec.pull} and {@code spec.triggers} applied to a real API server, the operator running as its
 * Deployment's pod, the collector running as its DaemonSet's pod (the image's entrypoint and JVM
 * flags), a real Parca as the backend, and our own Go {@code net/http/pprof} program as the selected
 * pod, announcing its endpoint with the {@code scorch.dev/pprof-port} annotation.
 *
 * <p>The steps run in order on one program: its heap, goroutine and mutex profiles reach Parca with
 * the pod's labels and {@code go tool pprof} reads them back; an allocation arrives as the delta of
 * what the program allocated; a steady minute fires nothing; a CPU burn and a goroutine leak are each
 * captured within two checks, the CPU rule's cooldown holds back the crossings that follow while the
 * burn goes on, and the policy's status and Events count the captures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GoPullEndToEndTest {

    private static final String POLICY = "payments-go";
    private static final String NAMESPACE = "payments";
    private static final String APP = "ledger";
    private static final String CONTAINER = "api";
    private static final int STATUS_UPDATE_SECONDS = 3;
    private static final int PULL_SECONDS = 5;
    private static final int CHECK_SECONDS = 2;
    /** A steady minute: 30 checks that must see no jump. */
    private static final Duration STEADY = Duration.ofMinutes(1);
    private static final int ALLOCATIONS = 3000;
    private static final int ALLOCATION_BYTES = 4096;
    private static final int LEAKED_GOROUTINES = 500;
    /** The collector's health port (the operator's CollectorConfigMap.HEALTH_PORT): pods share the host's network here. */
    private static final URI COLLECTOR_METRICS = URI.create("http://127.0.0.1:8080/metrics");
    private static final Pattern FIRED_BY_CHECK = Pattern.compile("captured " + NAMESPACE + "/\\S+/" + CONTAINER + " \\((\\w+)\\), fired by check (\\d+)");

    private final StepTimings timings = new StepTimings();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ScorchOnOneHost host;
    private ParcaServer parca;
    private GoPprofProgram program;
    private String podName;
    private Instant steadySince;
    private String memoryType;

    @BeforeAll
    void startTheClusterTheOperatorTheGoServiceAndThePolicy() throws Exception {
        host = ScorchOnOneHost.start(STATUS_UPDATE_SECONDS);
        parca = ParcaServer.start(Tier.END_TO_END, host.work().resolve("parca"));
        int port = LoopbackPorts.free();
        host.kubelet().load(new ContainerImage("e2e.scorch.dev/ledger", GoPprofProgram.command(Tier.END_TO_END, "127.0.0.1:" + port),
                List.of(), Map.of(), Map.of(), Map.of()));
        host.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).addToLabels("team", "payments")
                .endMetadata().build()).serverSideApply();
        host.client().apps().deployments().resource(new DeploymentBuilder()
                .withNewMetadata().withName(APP).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withReplicas(1)
                .withNewSelector().addToMatchLabels("app", APP).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", APP).addToAnnotations("scorch.dev/pprof-port", "pprof").endMetadata()
                .withNewSpec()
                .addNewContainer().withName(CONTAINER).withImage("e2e.scorch.dev/ledger:1")
                .addNewPort().withName("pprof").withContainerPort(port).endPort()
                .withNewResources().addToRequests("cpu", new Quantity("10m")).endResources()
                .endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        program = GoPprofProgram.attach(URI.create("http://127.0.0.1:" + port));
        await("the Go service runs and answers").atMost(ScorchOnOneHost.GENEROUS).ignoreExceptions()
                .until(() -> host.readyPods(NAMESPACE, Map.of("app", APP)) == 1 && contend(1));
        podName = host.onlyPod(NAMESPACE, APP).getMetadata().getName();

        Instant applied = Instant.now();
        host.kubectl().runWithInput(policy(), "apply", "-f", "-");
        host.loadCollectorImage();
        await("the collector serves its metrics").atMost(ScorchOnOneHost.GENEROUS).ignoreExceptions()
                .until(() -> metrics().contains("scorch_trigger_checks_total"));
        steadySince = Instant.now();
        timings.record("policy applied -> collector checking the pod", Duration.between(applied, steadySince));
    }

    /**
     * The admin's policy: the payments namespace's Go profiles every 5 s, and Holmes-style CPU and
     * goroutine rules checked every 2 s (relative rules: a loaded CI host slows the burn, but an idle
     * program's average is near zero).
     */
    private String policy() {
        return """
                apiVersion: scorch.dev/v1alpha1
                kind: ProfilingPolicy
                metadata: {name: %s}
                spec:
                  targets: {namespaceSelector: {matchLabels: {team: payments}}}
                  pull: {types: [heap, goroutine, mutex], interval: %ds, timeout: 2s, maxProfileBytes: 16Mi, maxConcurrent: 2}
                  triggers:
                    checkInterval: %ds
                    rules:
                      - {metric: cpu, relative: {min: 100m, diffPercent: 100, abs: "2"}, cooldown: 5m, maxPerHour: 4}
                      - {metric: goroutines, relative: {min: "50", diffPercent: 100, abs: 100k}, cooldown: 5m}
                    capture: {duration: 2s, frequencyHz: 199, maxConcurrent: 1}
                  export:
                    interval: 5s
                    labels: {cluster: e2e}
                    backends: [{name: parca, parca: {address: "%s", insecure: true}}]
                """.formatted(POLICY, PULL_SECONDS, CHECK_SECONDS, parca.grpcAddress());
    }

    @Test
    @Order(1)
    void heapGoroutineAndMutexProfilesOfThePodArriveAtParcaWithItsLabelsAndGoToolPprofReadsThem() throws Exception {
        List<String> types = await("heap, goroutine and mutex profiles at Parca").atMost(ScorchOnOneHost.GENEROUS)
                .pollInterval(Duration.ofSeconds(1)).until(parca::profileTypes, t -> t.stream().anyMatch(x -> x.startsWith("memory:alloc_space:bytes"))
                        && t.stream().anyMatch(x -> x.startsWith("goroutine:")) && t.stream().anyMatch(x -> x.startsWith("mutex:")));
        memoryType = types.stream().filter(t -> t.startsWith("memory:alloc_space:bytes")).findFirst().orElseThrow();
        String goroutine = types.stream().filter(t -> t.startsWith("goroutine:")).findFirst().orElseThrow();
        String mutex = types.stream().filter(t -> t.startsWith("mutex:")).findFirst().orElseThrow();
        timings.record("collector checking -> heap, goroutine and mutex profiles at Parca", Duration.between(steadySince, Instant.now()));
        for (String type : List.of(memoryType, goroutine, mutex)) {
            assertThat(parca.labelValues(type, "pod")).as("pods of %s", type).containsExactly(podName);
            assertThat(parca.labelValues(type, "service_name")).as("service_name of %s", type).containsExactly(NAMESPACE + "/" + APP);
            assertThat(parca.labelValues(type, "namespace")).as("namespace of %s", type).containsExactly(NAMESPACE);
            assertThat(parca.labelValues(type, "container")).as("container of %s", type).containsExactly(CONTAINER);
            assertThat(parca.labelValues(type, "node")).as("node of %s", type).containsExactly(host.nodeName());
            assertThat(parca.labelValues(type, "cluster")).as("the policy's label on %s", type).containsExactly("e2e");
        }
        for (String type : List.of(memoryType, goroutine)) {
            assertThat(goToolPprof(type, "-top")).as("go tool pprof -top of Parca's %s", type).contains("Type: " + type.split(":")[1]);
        }
        // After the first pull, the baseline of the cumulative counts. Go records contention where the mutex is released, in
        // sync.(*Mutex).Unlock inlined into main.scorchContend's goroutines: go tool pprof shows inlined frames, Parca's top list does not.
        program.contend(200);
        await("main.scorchContend's contention stored at Parca").atMost(ScorchOnOneHost.GENEROUS).pollInterval(Duration.ofSeconds(2))
                .until(() -> goToolPprof(mutex, "-traces").contains("main.scorchContend"));
    }

    @Test
    @Order(2)
    void anAllocationArrivesAsTheDeltaOfWhatTheProgramAllocatedNotOncePerPull() throws Exception {
        String query = memoryType + "{pod=\"" + podName + "\"}";
        program.allocate(ALLOCATIONS, ALLOCATION_BYTES);
        await("main.scorchAllocate's allocation at Parca").atMost(ScorchOnOneHost.GENEROUS).pollInterval(Duration.ofSeconds(1))
                .until(() -> ParcaQueries.cumulative(parca, query, "main.scorchAllocate") > 0);
        // Three more pulls: had the collector exported the program's cumulative counts, each would add the allocation again.
        Thread.sleep(Duration.ofSeconds(3L * PULL_SECONDS));
        assertThat((double) ParcaQueries.cumulative(parca, query, "main.scorchAllocate"))
                .as("main.scorchAllocate's alloc_space summed over every stored interval")
                .isCloseTo(ALLOCATIONS * (double) ALLOCATION_BYTES, Percentage.withPercentage(10));
    }

    @Test
    @Order(3)
    void nothingFiresWhileTheProgramIsSteadyForAMinute() throws Exception {
        // The minute began when the collector started checking; the contention and allocation above are no jump in CPU or goroutines.
        Duration left = Duration.between(Instant.now(), steadySince.plus(STEADY));
        if (!left.isNegative()) {
            Thread.sleep(left);
        }
        String metrics = metrics();
        assertThat(counter(metrics, "scorch_trigger_checks_total")).as("checks over the steady minute")
                .isGreaterThanOrEqualTo(STEADY.toSeconds() / CHECK_SECONDS - 5);
        assertThat(captures(metrics)).as("captures while steady").isZero();
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "trigger")).isEmpty();
        assertThat(host.status(POLICY).triggeredCaptures()).isZero();
    }

    @Test
    @Order(4)
    void aCpuBurnIsCapturedWithinTwoChecksAndTheCooldownHoldsBackTheCrossingsThatFollow() throws Exception {
        long checksBeforeBurn = counter(metrics(), "scorch_trigger_checks_total");
        Instant burning = Instant.now();
        program.burn(60);
        await("a capture after the CPU jump").atMost(ScorchOnOneHost.GENEROUS).pollInterval(Duration.ofMillis(500))
                .until(() -> captures(metrics()) == 1);
        timings.record("burn started -> CPU capture completed (2 s capture included)", Duration.between(burning, Instant.now()));
        // The check running when the burn started may have measured idle time: it and the next one count.
        assertThat(firedByCheck("cpu") - checksBeforeBurn).as("checks from the burn to the firing").isBetween(1L, 2L);

        await("the captured CPU profile at Parca, labelled trigger=cpu").atMost(ScorchOnOneHost.GENEROUS).pollInterval(Duration.ofSeconds(1))
                .until(() -> parca.labelValues(ParcaServer.CPU_SAMPLES, "trigger").contains("cpu"));
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "trigger_value")).singleElement().satisfies(v -> assertThat(v).endsWith(" cores"));
        assertThat(parca.topFunction(ParcaServer.CPU_SAMPLES + "{trigger=\"cpu\"}").name()).isEqualTo("main.scorchBurn");
        awaitCapturedGoProfiles("cpu");

        // While the average of the last ten checks catches up with the burn, the rule keeps crossing; the cooldown holds it back.
        await("a crossing held back by the cooldown").atMost(ScorchOnOneHost.GENEROUS).pollInterval(Duration.ofMillis(500))
                .until(() -> counter(metrics(), "scorch_trigger_firings_held_total") > 0);
        long checksAfterHeld = counter(metrics(), "scorch_trigger_checks_total");
        await("two more checks while burning").atMost(ScorchOnOneHost.GENEROUS).pollInterval(Duration.ofMillis(500))
                .until(() -> counter(metrics(), "scorch_trigger_checks_total") >= checksAfterHeld + 2);
        String metrics = metrics();
        assertThat(captures(metrics)).as("captures while still burning, in the 5 m cooldown").isEqualTo(1);
        assertThat(counter(metrics, "scorch_trigger_captures_skipped_total")).as("firings that found the capture busy").isZero();
    }

    @Test
    @Order(5)
    void leakedGoroutinesAreCapturedWithinTwoChecks() throws Exception {
        long checksBeforeLeak = counter(metrics(), "scorch_trigger_checks_total");
        Instant leaking = Instant.now();
        program.leakGoroutines(LEAKED_GOROUTINES);
        await("a capture after the goroutine jump").atMost(ScorchOnOneHost.GENEROUS).pollInterval(Duration.ofMillis(500))
                .until(() -> captures(metrics()) == 2);
        timings.record("goroutines leaked -> capture completed (2 s capture included)", Duration.between(leaking, Instant.now()));
        assertThat(firedByCheck("goroutines") - checksBeforeLeak).as("checks from the leak to the firing").isBetween(1L, 2L);
        await("the captured CPU profile at Parca, labelled trigger=goroutines").atMost(ScorchOnOneHost.GENEROUS)
                .pollInterval(Duration.ofSeconds(1)).until(() -> parca.labelValues(ParcaServer.CPU_SAMPLES, "trigger").contains("goroutines"));
        assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "trigger_value")).anySatisfy(v -> assertThat(v).endsWith(" goroutines"));
        awaitCapturedGoProfiles("goroutines");
    }

    @Test
    @Order(6)
    void thePolicysStatusCountsTheCapturesAndACapturedEventIsOnIt() {
        PolicyStatus status = await("status.triggeredCaptures counts both captures").atMost(ScorchOnOneHost.GENEROUS)
                .pollInterval(Duration.ofSeconds(1)).until(() -> host.status(POLICY), s -> s.triggeredCaptures() == 2);
        assertThat(status.conditionIs("Ready", "True")).as("status %s", status).isTrue();
        await("a Captured Event on the policy").atMost(ScorchOnOneHost.GENEROUS).pollInterval(Duration.ofSeconds(1))
                .until(() -> host.client().v1().events().inAnyNamespace().list().getItems().stream()
                        .anyMatch(e -> "Captured".equals(e.getReason()) && "ProfilingPolicy".equals(e.getInvolvedObject().getKind())
                                && POLICY.equals(e.getInvolvedObject().getName())));
    }

    /** The capture's heap and goroutine profiles at Parca, labelled with the trigger (any type: Parca files them by their sample types). */
    private void awaitCapturedGoProfiles(String trigger) {
        for (String prefix : List.of("memory:", "goroutine:")) {
            try {
                await("the captured " + prefix + " profile at Parca, labelled trigger=" + trigger).atMost(ScorchOnOneHost.GENEROUS)
                        .pollInterval(Duration.ofSeconds(1)).until(() -> parca.profileTypes().stream().filter(t -> t.startsWith(prefix))
                                .anyMatch(t -> parca.labelValues(t, "trigger").contains(trigger)));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(e.getMessage() + "; types " + parca.profileTypes() + "\ncollector metrics:\n" + metricsOrWhy()
                        + "\ncollector log:\n" + collectorLog(60)
                        + "\nParca log:\n" + parca.logTail(40), e);
            }
        }
    }

    /** The check that fired the capture of {@code trigger}, from the collector's log line about it. */
    private long firedByCheck(String trigger) {
        String log = collectorLog(400);
        Matcher matcher = FIRED_BY_CHECK.matcher(log);
        long check = -1;
        while (matcher.find()) {
            if (matcher.group(1).equals(trigger)) {
                check = Long.parseLong(matcher.group(2));
            }
        }
        assertThat(check).as("the collector's log line about the %s capture:\n%s", trigger, log).isPositive();
        return check;
    }

    private String collectorLog(int lines) {
        Pod collector = host.collectorPods().getFirst();
        ContainerProcess process = host.kubelet().container(ScorchOnOneHost.SCORCH_NAMESPACE, collector.getMetadata().getName(),
                collector.getSpec().getContainers().getFirst().getName());
        return process == null ? "(no collector container)" : process.logTail(lines);
    }

    private boolean contend(int rounds) throws Exception {
        program.contend(rounds);
        return true;
    }

    private String metrics() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(COLLECTOR_METRICS).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(COLLECTOR_METRICS + " answered " + response.statusCode());
        }
        return response.body();
    }

    private String metricsOrWhy() {
        try {
            return metrics().lines().filter(l -> l.startsWith("scorch_trigger") || l.startsWith("scorch_export")).collect(java.util.stream.Collectors.joining("\n"));
        } catch (Exception e) {
            return "(unavailable: " + e + ")";
        }
    }

    /** A counter without labels, 0 when absent. */
    private static long counter(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\d+)$").matcher(metrics);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** Captures completed, summed over the policy's triggers. */
    private static long captures(String metrics) {
        Matcher m = Pattern.compile("(?m)^scorch_trigger_captures_total\\{[^}]*} (\\d+)$").matcher(metrics);
        long total = 0;
        while (m.find()) {
            total += Long.parseLong(m.group(1));
        }
        return total;
    }

    /** {@code go tool pprof <option>} of the pod's profiles of {@code type} as Parca serves them for download: what we exported, read back as a user would. */
    private String goToolPprof(String type, String option) throws Exception {
        byte[] profile = ParcaQueries.pprof(parca, type + "{pod=\"" + podName + "\"}");
        assertThat(profile).as("Parca's pprof of %s", type).isNotNull();
        Path file = Files.write(host.work().resolve(type.replace(':', '_') + ".pb"), profile);
        Path go = GoToolchain.go().orElseThrow(() -> new AssertionError("go tool pprof reads the profiles: install Go or set SCORCH_GO"));
        Process process = new ProcessBuilder(go.toString(), "tool", "pprof", option, file.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("go tool pprof %s %s:\n%s", option, file, output).isZero();
        return output;
    }

    @AfterAll
    void stopEverything() throws Exception {
        System.out.println("e2e timings (Go pull):\n" + timings.table());
        if (host != null) {
            timings.writeTo(host.repository().resolve("e2e/target/e2e-timings-go-pull.md"));
        }
        if (program != null) {
            program.close();
        }
        if (parca != null) {
            parca.close();
        }
        if (host != null) {
            host.close();
        }
    }
}
