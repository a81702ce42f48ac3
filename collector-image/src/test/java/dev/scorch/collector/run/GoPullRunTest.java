package dev.scorch.collector.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.health.CollectingCondition;
import dev.scorch.collector.kubernetes.ApiServer;
import dev.scorch.collector.kubernetes.CollectorServiceAccount;
import dev.scorch.collector.kubernetes.NodePods;
import dev.scorch.collector.pull.PprofDecoder;
import dev.scorch.collector.pull.PulledProfile;
import dev.scorch.collector.sampling.CgroupDirectories;
import dev.scorch.collector.symbol.ExternalTools;
import dev.scorch.collector.workload.GoPprofProgram;
import dev.scorch.collector.workload.KubeletCgroups;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.ParcaServer;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiers 2, 3 and 5's parts in one process: the run mode, on a real API server, pulls the Go
 * profiles of a selected pod of its node at the pod's IP and the port its annotation names (a real
 * Go net/http/pprof program in a kubelet-shaped cgroup), exports them to a real Parca and to files,
 * and captures when the program's CPU jumps. The allocation delta of one interval is what the
 * program allocated in it; {@code go tool pprof} reads the files; a steady program fires nothing,
 * a burning one fires within two checks, and the cooldown holds.
 */
class GoPullRunTest {

    static final String NODE = "pull-node";
    static final String SHOP = "pull-shop";
    static final int PULL_SECONDS = 5;
    static final int CHECK_SECONDS = 2;
    /** A steady minute: 30 checks that must see no jump. */
    static final Duration STEADY = Duration.ofMinutes(1);
    static final int ALLOCATIONS = 3000;
    static final int ALLOCATION_BYTES = 4096;

    @TempDir
    Path work;

    @Test
    void pullsTheSelectedPodsGoProfilesToParcaWithItsLabelsAndCapturesWhenItsCpuJumps() throws Exception {
        Tier.REAL_KERNEL.require(NodeCollectorTest.isRoot(), "the run mode samples with perf_event_open: run the tests as root");
        Path mount = CgroupDirectories.ofThisHost().unifiedMount().orElse(null);
        Tier.REAL_KERNEL.require(mount != null, "no cgroup2 mount to place the Go program in a kubelet-shaped cgroup");
        ControlPlane controlPlane = ControlPlane.shared(ControlPlane.Options.apiServerOnly());
        KubernetesClient admin = controlPlane.adminClient();
        ApiServer api = CollectorServiceAccount.create(controlPlane);
        CollectorServiceAccount.namespaceWithDefaultAccount(admin, SHOP, Map.of("team", "payments"));
        ReplicaSet owner = NodePods.deploymentWithReplicaSet(admin, SHOP, "ledger", "7f6d5c4b3");
        String collectorPod = "scorch-collector-" + UUID.randomUUID().toString().substring(0, 5);
        NodePods.create(admin, CollectorServiceAccount.NAMESPACE, collectorPod, NODE, NodePods.containerId(), null);
        Path files = work.resolve("profiles");

        try (ParcaServer parca = ParcaServer.start(Tier.REAL_KERNEL, work.resolve("parca"));
                KubeletCgroups cgroups = new KubeletCgroups(mount)) {
            KubeletCgroups.Container container = cgroups.newContainer();
            Path memoryV1 = hybridMemoryDirectory(mount, container);
            try (GoPprofProgram program = GoPprofProgram.start(Tier.REAL_KERNEL, command -> {
                Process process = cgroups.start(container, command);
                if (memoryV1 != null) {
                    Files.writeString(memoryV1.resolve("cgroup.procs"), Long.toString(process.pid()));
                }
                return process;
            })) {
                int port = program.base().getPort();
                String podName = "ledger-7f6d5c4b3-x9y8z";
                NodePods.create(admin, SHOP, podName, NODE, container.containerId(), owner, Map.of("scorch.dev/pprof-port", "pprof"),
                        "127.0.0.1", port);
                Path config = Files.writeString(Files.createDirectories(work.resolve("config")).resolve("collector.json"), """
                        {"health": {"port": 0, "statusUpdateSeconds": 1}, "spool": {"directory": "%s"}, "policies": [
                          {"name": "go-services", "targets": {"namespaceSelector": {"matchLabels": {"team": "payments"}}},
                           "export": {"intervalSeconds": 5, "labels": {"cluster": "e2e"}, "backends": [
                             {"name": "parca", "parca": {"address": "%s", "insecure": true}},
                             {"name": "local", "directory": {"path": "%s"}}]},
                           "pull": {"types": ["heap", "goroutine", "mutex"], "intervalSeconds": %d, "timeoutSeconds": 2,
                                    "maxProfileBytes": 16777216, "maxConcurrent": 2},
                           "triggers": {"checkIntervalSeconds": %d, "rules": [
                             {"metric": "cpu", "relative": {"min": 0.1, "diffPercent": 200, "abs": 1.9}, "cooldownSeconds": 300, "maxPerHour": 4}],
                             "capture": {"durationSeconds": 2, "frequencyHz": 199, "maxConcurrent": 1}}}]}
                        """.formatted(work.resolve("spool"), parca.grpcAddress(), files, PULL_SECONDS, CHECK_SECONDS));

                NodeCollector collector = NodeCollector.start(config, new NodeCollector.Identity(NODE, CollectorServiceAccount.NAMESPACE,
                        collectorPod), api, Clock.systemUTC());
                Thread loop = Thread.ofPlatform().name("run-loop").start(collector::runUntilClosed);
                try {
                    Path service = files.resolve(SHOP + "_ledger");
                    NodeCollectorTest.awaitTrue(() -> goProfiles(service).size() >= 2, "two pulled Go profiles in " + service);

                    // Steady first: the program idles; no rule may fire.
                    Thread.sleep(STEADY);
                    String steady = NodeCollectorTest.get(collector.healthPort(), "/metrics").body();
                    assertThat(captures(steady)).as("captures while steady").isZero();

                    program.allocate(ALLOCATIONS, ALLOCATION_BYTES);
                    program.contend(200);
                    NodeCollectorTest.awaitTrue(() -> allocatedBytes(service) > 0, "an interval holding main.scorchAllocate");
                    Thread.sleep(Duration.ofSeconds(PULL_SECONDS * 2L));
                    List<Long> perInterval = allocationsPerInterval(service);
                    assertThat(perInterval).as("main.scorchAllocate's alloc_space per interval file").hasSize(1);
                    assertThat((double) perInterval.getFirst()).isCloseTo(ALLOCATIONS * (double) ALLOCATION_BYTES,
                            org.assertj.core.data.Percentage.withPercentage(10));

                    for (Path file : goProfiles(service)) {
                        assertThat(goToolPprof(file)).as("go tool pprof -top %s", file).contains("Type:");
                    }

                    List<String> types = parca.profileTypes();
                    String memory = types.stream().filter(t -> t.startsWith("memory:alloc_space:bytes")).findFirst().orElseThrow(
                            () -> new AssertionError("no memory profile type at Parca: " + types));
                    String goroutine = types.stream().filter(t -> t.startsWith("goroutine:")).findFirst().orElseThrow(
                            () -> new AssertionError("no goroutine profile type at Parca: " + types));
                    String mutex = types.stream().filter(t -> t.startsWith("mutex:")).findFirst().orElseThrow(
                            () -> new AssertionError("no mutex profile type at Parca: " + types));
                    for (String type : List.of(memory, goroutine, mutex)) {
                        assertThat(parca.labelValues(type, "pod")).as("pods of %s", type).containsExactly(podName);
                        assertThat(parca.labelValues(type, "service_name")).containsExactly(SHOP + "/ledger");
                        assertThat(parca.labelValues(type, "namespace")).containsExactly(SHOP);
                        assertThat(parca.labelValues(type, "container")).containsExactly("api");
                        assertThat(parca.labelValues(type, "node")).containsExactly(NODE);
                        assertThat(parca.labelValues(type, "cluster")).containsExactly("e2e");
                    }
                    NodeCollectorTest.awaitTrue(() -> valueUnder(service, "contentions", "main.scorchContend") > 0,
                            "an interval's mutex delta with main.scorchContend's contentions");
                    // Go records contention where the mutex is released: sync.(*Mutex).Unlock leads, called by main.scorchContend.
                    NodeCollectorTest.awaitTrue(() -> topFunction(parca, mutex) != null, "mutex contention stored at Parca");

                    PolicyCollection policy = collector.served("go-services");
                    long checksBeforeBurn = policy.triggerChecks();
                    Instant burning = Instant.now();
                    program.burn(60);
                    NodeCollectorTest.awaitTrue(() -> captures(metrics(collector)) == 1, "a capture after the CPU jump");
                    System.out.println("burn -> capture completed (2 s capture included): " + Duration.between(burning, Instant.now()).toMillis()
                            + " ms");
                    // The check running when the burn started may have measured half idle time: it and the next one count.
                    assertThat(policy.lastCapture().check() - checksBeforeBurn).as("checks from the burn to the firing").isBetween(1L, 2L);
                    NodeCollectorTest.awaitTrue(() -> parca.labelValues(ParcaServer.CPU_SAMPLES, "trigger").contains("cpu"),
                            "the captured CPU profile at Parca, labelled trigger=cpu");
                    assertThat(parca.labelValues(ParcaServer.CPU_SAMPLES, "trigger_value")).singleElement()
                            .satisfies(v -> assertThat(v).endsWith(" cores"));
                    try {
                        // Any goroutine type: Parca may file the capture's profile (as the program served it, no
                        // interval) under a type other than the pulled deltas'.
                        NodeCollectorTest.awaitTrue(() -> parca.profileTypes().stream().filter(t -> t.startsWith("goroutine:"))
                                .anyMatch(t -> parca.labelValues(t, "trigger").contains("cpu")),
                                "the captured goroutine profile at Parca, labelled trigger=cpu");
                    } catch (AssertionError e) {
                        throw new AssertionError(e.getMessage() + "; types " + parca.profileTypes() + "; trigger values of the memory type "
                                + parca.labelValues(memory, "trigger") + "; metrics:\n" + metrics(collector) + "\nParca log:\n" + parca.logTail(40), e);
                    }
                    assertThat(topFunction(parca, ParcaServer.CPU_SAMPLES + "{trigger=\"cpu\"}")).isEqualTo("main.scorchBurn");

                    Thread.sleep(Duration.ofSeconds(4L * CHECK_SECONDS));
                    assertThat(captures(metrics(collector))).as("captures while still burning, in the 300 s cooldown").isEqualTo(1);

                    PodCondition condition = NodeCollectorTest.awaitCondition(admin, collectorPod,
                            CollectingCondition.policyType("go-services"), "Collecting");
                    NodeCollectorTest.awaitTrue(() -> conditionMessage(admin, collectorPod).contains("triggered captures: 1"),
                            "the policy's condition counting the capture");
                    assertThat(condition.getStatus()).isEqualTo("True");
                    assertThat(metrics(collector)).containsPattern("(?m)^scorch_pull_profiles_total\\{policy=\"go-services\",type=\"heap\"} [1-9]")
                            .containsPattern("(?m)^scorch_trigger_captures_total\\{policy=\"go-services\",trigger=\"cpu\"} 1$");

                    program.close();
                    NodeCollectorTest.awaitTrue(() -> metrics(collector).contains(
                            "scorch_pull_failures_total{policy=\"go-services\",pod=\"" + SHOP + "/" + podName + "\",reason=\"unreachable\"}"),
                            "unreachable pulls counted per pod and reason");
                    NodeCollectorTest.awaitTrue(() -> conditionMessage(admin, collectorPod).contains("cannot pull Go profiles of 1 pod: "
                            + SHOP + "/" + podName + " (unreachable)"), "the unreachable pod named in the policy's condition");
                } finally {
                    collector.close();
                    loop.join(Duration.ofSeconds(30));
                }
            }
        }
    }

    /** On a hybrid host memory is accounted in the v1 hierarchy: the kubelet makes the container's directory there too. */
    private static Path hybridMemoryDirectory(Path mount, KubeletCgroups.Container container) throws Exception {
        Path memoryV1 = Path.of("/sys/fs/cgroup/memory");
        boolean hybrid = Files.isDirectory(memoryV1) && (!Files.exists(mount.resolve("cgroup.controllers"))
                || !Files.readString(mount.resolve("cgroup.controllers")).contains("memory"));
        return hybrid ? Files.createDirectories(memoryV1.resolve(container.cgroupPath().substring(1))) : null;
    }

    private static String metrics(NodeCollector collector) {
        try {
            return NodeCollectorTest.get(collector.healthPort(), "/metrics").body();
        } catch (Exception e) {
            return "";
        }
    }

    private static long captures(String metrics) {
        Matcher m = Pattern.compile("(?m)^scorch_trigger_captures_total\\{[^}]*} (\\d+)$").matcher(metrics);
        long total = 0;
        while (m.find()) {
            total += Long.parseLong(m.group(1));
        }
        return total;
    }

    private static String conditionMessage(KubernetesClient admin, String pod) {
        return admin.pods().inNamespace(CollectorServiceAccount.NAMESPACE).withName(pod).get().getStatus().getConditions().stream()
                .filter(c -> c.getType().equals(CollectingCondition.policyType("go-services"))).map(PodCondition::getMessage)
                .findFirst().orElse("");
    }

    private static String topFunction(ParcaServer parca, String query) {
        ParcaServer.TopFunction top = parca.topFunction(query);
        return top == null ? null : top.name();
    }

    /** The pulled Go profiles among a service's files: those with a sample type of a Go runtime profile. */
    private static List<Path> goProfiles(Path service) {
        List<Path> found = new ArrayList<>();
        for (Path file : NodeCollectorTest.pprofFiles(service)) {
            PulledProfile profile = decode(file);
            if (profile != null && (profile.sampleTypeIndex("alloc_space") >= 0 || profile.sampleTypeIndex("goroutine") >= 0
                    || profile.sampleTypeIndex("contentions") >= 0)) {
                found.add(file);
            }
        }
        return found;
    }

    private static long allocatedBytes(Path service) {
        return allocationsPerInterval(service).stream().mapToLong(Long::longValue).sum();
    }

    /** main.scorchAllocate's alloc_space in each heap file that has any. */
    private static List<Long> allocationsPerInterval(Path service) {
        return valuesPerFile(service, "alloc_space", "main.scorchAllocate");
    }

    private static long valueUnder(Path service, String sampleType, String function) {
        return valuesPerFile(service, sampleType, function).stream().mapToLong(Long::longValue).sum();
    }

    /** The sum of {@code sampleType} over the samples whose stack holds {@code function}, per file that has any. */
    private static List<Long> valuesPerFile(Path service, String sampleType, String function) {
        List<Long> perFile = new ArrayList<>();
        for (Path file : goProfiles(service)) {
            PulledProfile profile = decode(file);
            int index = profile.sampleTypeIndex(sampleType);
            if (index < 0) {
                continue;
            }
            long total = 0;
            for (PulledProfile.Sample sample : profile.samples()) {
                // Prefix: goroutines started inside a function run in its closures (main.scorchContend.func1).
                if (stackNames(profile, sample).stream().anyMatch(name -> name.equals(function) || name.startsWith(function + "."))) {
                    total += sample.values()[index];
                }
            }
            if (total > 0) {
                perFile.add(total);
            }
        }
        return perFile;
    }

    private static List<String> stackNames(PulledProfile profile, PulledProfile.Sample sample) {
        List<String> names = new ArrayList<>();
        for (long id : sample.locationIds()) {
            PulledProfile.Location location = profile.locations().get(id);
            if (location != null) {
                location.lines().forEach(line -> {
                    PulledProfile.Function function = profile.functions().get(line.functionId());
                    if (function != null) {
                        names.add(function.name());
                    }
                });
            }
        }
        return names;
    }

    private static PulledProfile decode(Path file) {
        try {
            return new PprofDecoder(PprofDecoder.defaultLimits()).decode(Files.readAllBytes(file), file.toString());
        } catch (Exception e) {
            return null;
        }
    }

    private static String goToolPprof(Path file) throws Exception {
        Path go = ExternalTools.go().orElseThrow();
        Process process = new ProcessBuilder(go.toString(), "tool", "pprof", "-top", file.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("go tool pprof on %s:\n%s", file, output).isZero();
        return output;
    }
}
