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
import dev.scorch.testenv.GoPprofProgram;
import dev.scorch.collector.workload.KubeletCgroups;
import dev.scorch.testenv.ControlPlane;
import dev.scorch.testenv.Tier;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiers 2 and 3's part of pulling, on the exact bytes the run mode exports (tier 5's {@code
 * GoPullEndToEndTest} covers the operator, the image, Parca and the triggers): on a real API
 * server, run pulls the Go profiles of a selected pod of its node at the pod's IP and the port its
 * annotation names (a real Go net/http/pprof program in a kubelet-shaped cgroup) into per-interval
 * files; one interval's allocation delta is what the program allocated in it, {@code go tool pprof}
 * reads every file, and a pod that stops answering is counted and named.
 */
class GoPullRunTest {

    static final String NODE = "pull-node";
    static final String SHOP = "pull-shop";
    static final int PULL_SECONDS = 5;
    static final int ALLOCATIONS = 3000;
    static final int ALLOCATION_BYTES = 4096;

    @TempDir
    Path work;

    @Test
    void pullsTheSelectedPodsGoProfilesIntoPerIntervalFilesThatGoToolPprofReads() throws Exception {
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

        try (KubeletCgroups cgroups = new KubeletCgroups(mount)) {
            KubeletCgroups.Container container = cgroups.newContainer();
            try (GoPprofProgram program = GoPprofProgram.start(Tier.REAL_KERNEL, command -> cgroups.start(container, command))) {
                int port = program.base().getPort();
                String podName = "ledger-7f6d5c4b3-x9y8z";
                NodePods.create(admin, SHOP, podName, NODE, container.containerId(), owner, Map.of("scorch.dev/pprof-port", "pprof"),
                        "127.0.0.1", port);
                Path config = Files.writeString(Files.createDirectories(work.resolve("config")).resolve("collector.json"), """
                        {"health": {"port": 0, "statusUpdateSeconds": 1}, "spool": {"directory": "%s"}, "policies": [
                          {"name": "go-services", "targets": {"namespaceSelector": {"matchLabels": {"team": "payments"}}},
                           "export": {"intervalSeconds": 5, "labels": {"cluster": "e2e"}, "backends": [
                             {"name": "local", "directory": {"path": "%s"}}]},
                           "pull": {"types": ["heap", "goroutine", "mutex"], "intervalSeconds": %d, "timeoutSeconds": 2,
                                    "maxProfileBytes": 16777216, "maxConcurrent": 2}}]}
                        """.formatted(work.resolve("spool"), files, PULL_SECONDS));

                NodeCollector collector = NodeCollector.start(config, new NodeCollector.Identity(NODE, CollectorServiceAccount.NAMESPACE,
                        collectorPod), api, Clock.systemUTC());
                Thread loop = Thread.ofPlatform().name("run-loop").start(collector::runUntilClosed);
                try {
                    Path service = files.resolve(SHOP + "_ledger");
                    NodeCollectorTest.awaitTrue(() -> goProfiles(service).size() >= 2, "two pulled Go profiles in " + service);

                    program.allocate(ALLOCATIONS, ALLOCATION_BYTES);
                    program.contend(200);
                    NodeCollectorTest.awaitTrue(() -> allocatedBytes(service) > 0, "an interval holding main.scorchAllocate");
                    Thread.sleep(Duration.ofSeconds(PULL_SECONDS * 2L));
                    List<Long> perInterval = allocationsPerInterval(service);
                    assertThat(perInterval).as("main.scorchAllocate's alloc_space per interval file").hasSize(1);
                    assertThat((double) perInterval.getFirst()).isCloseTo(ALLOCATIONS * (double) ALLOCATION_BYTES,
                            org.assertj.core.data.Percentage.withPercentage(10));
                    NodeCollectorTest.awaitTrue(() -> valueUnder(service, "contentions", "main.scorchContend") > 0,
                            "an interval's mutex delta with main.scorchContend's contentions");

                    for (Path file : goProfiles(service)) {
                        assertThat(goToolPprof(file)).as("go tool pprof -top %s", file).contains("Type:");
                    }
                    assertThat(metrics(collector)).containsPattern("(?m)^scorch_pull_profiles_total\\{policy=\"go-services\",type=\"heap\"} [1-9]");

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

    private static String metrics(NodeCollector collector) {
        try {
            return NodeCollectorTest.get(collector.healthPort(), "/metrics").body();
        } catch (Exception e) {
            return "";
        }
    }

    private static String conditionMessage(KubernetesClient admin, String pod) {
        return admin.pods().inNamespace(CollectorServiceAccount.NAMESPACE).withName(pod).get().getStatus().getConditions().stream()
                .filter(c -> c.getType().equals(CollectingCondition.policyType("go-services"))).map(PodCondition::getMessage)
                .findFirst().orElse("");
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
