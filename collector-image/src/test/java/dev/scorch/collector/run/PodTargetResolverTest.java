package dev.scorch.collector.run;

import dev.scorch.collector.attribution.Target;
import dev.scorch.collector.attribution.LabelSelector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.PolicyConfig;
import dev.scorch.collector.json.JsonTrees;
import dev.scorch.collector.json.JsonValue;
import dev.scorch.collector.kubernetes.NamespaceCache;
import dev.scorch.collector.kubernetes.PodCache;
import dev.scorch.collector.kubernetes.Workload;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PodTargetResolverTest {

    static final String API = "a".repeat(64);
    static final String OTHER = "b".repeat(64);
    static final String UID = "0f2a7c1e-5b3d-4e8f-9a6b-2c4d6e8f0a1b";

    final Map<Integer, String> cgroupFiles = new HashMap<>();
    final AtomicLong clock = new AtomicLong();
    final PodCache pods = new PodCache(pod -> new Workload("Deployment", "checkout"));
    final NamespaceCache namespaces = new NamespaceCache();
    final ProcessContainers containers = new ProcessContainers(pid -> Optional.ofNullable(cgroupFiles.get(pid)), clock::get);

    @BeforeEach
    void aNodeWithOnePod() {
        namespaces.replaceAll(List.of(namespace("shop", Map.of("team", "checkout")), namespace("ops", Map.of())));
        pods.replaceAll(List.of(pod(UID, "shop", "checkout-7d9f-abcde", Map.of("app", "api"), API)));
        cgroupFiles.put(100, kubepods(API));
        cgroupFiles.put(200, "0::/system.slice/sshd.service\n");
    }

    @Test
    void aSelectedContainerGetsServiceNameNamespacePodContainerNodeAndPolicyLabels() {
        Optional<Target> target = resolver(PolicyConfig.Targets.EVERY_POD).resolve(100);

        assertThat(target).map(Target::labels).contains(new TreeMap<>(Map.of(
                "service_name", "shop/checkout", "namespace", "shop", "pod", "checkout-7d9f-abcde",
                "container", "api", "node", "node-1", "cluster", "prod-eu-1")));
    }

    @Test
    void aPodOutsideTheNamespaceSelectorIsDropped() {
        var targets = new PolicyConfig.Targets(new LabelSelector(Map.of("team", "payments"), List.of()), LabelSelector.EVERYTHING, false);

        assertThat(resolver(targets).resolve(100)).isEmpty();
    }

    @Test
    void aPodOutsideThePodSelectorIsDropped() {
        var targets = new PolicyConfig.Targets(LabelSelector.EVERYTHING,
                new LabelSelector(Map.of(), List.of(new LabelSelector.Requirement("app", LabelSelector.Operator.NotIn, List.of("api")))), false);

        assertThat(resolver(targets).resolve(100)).isEmpty();
    }

    @Test
    void hostProcessesAreDroppedUnlessThePolicyAsksForThem() {
        assertThat(resolver(PolicyConfig.Targets.EVERY_POD).resolve(200)).isEmpty();

        var withHost = new PolicyConfig.Targets(LabelSelector.EVERYTHING, LabelSelector.EVERYTHING, true);
        assertThat(resolver(withHost).resolve(200)).map(Target::serviceName).contains("host/node-1");
    }

    @Test
    void aVanishedProcessIsDroppedWithoutError() {
        assertThat(resolver(PolicyConfig.Targets.EVERY_POD).resolve(999)).isEmpty();
    }

    @Test
    void aContainerTheWatchHasNotReportedYetIsPendingUntilThePodArrives() {
        cgroupFiles.put(300, kubepods(OTHER));
        PodTargetResolver resolver = resolver(PolicyConfig.Targets.EVERY_POD);

        assertThat(resolver.resolve(300)).contains(Target.PENDING);

        pods.apply("ADDED", pod("11111111-2222-3333-4444-555555555555", "shop", "late-pod", Map.of(), OTHER));
        cgroupFiles.remove(300); // the process may have exited meanwhile: its cgroup was remembered
        assertThat(resolver.resolve(300)).map(Target::labels).map(l -> l.get("pod")).contains("late-pod");
    }

    @Test
    void aContainerNoPodEverClaimsStopsBeingPendingAfterTheLimit() {
        cgroupFiles.put(300, "0::/system.slice/docker-" + OTHER + ".scope\n");
        var withHost = new PolicyConfig.Targets(LabelSelector.EVERYTHING, LabelSelector.EVERYTHING, true);
        PodTargetResolver resolver = resolver(withHost);
        assertThat(resolver.resolve(300)).contains(Target.PENDING);

        clock.addAndGet(PodTargetResolver.PENDING_LIMIT.toNanos());

        assertThat(resolver.resolve(300)).map(Target::serviceName).contains("host/node-1");
    }

    @Test
    void aLabelChangeTakesEffectForCachedPids() {
        var targets = new PolicyConfig.Targets(LabelSelector.EVERYTHING, new LabelSelector(Map.of("app", "api"), List.of()), false);
        PodTargetResolver resolver = resolver(targets);
        assertThat(resolver.resolve(100)).isPresent();

        pods.apply("MODIFIED", pod(UID, "shop", "checkout-7d9f-abcde", Map.of("app", "batch"), API));

        assertThat(resolver.resolve(100)).isEmpty();
    }

    @Test
    void aContainerUnknownPastTheLimitIsNotPendingForItsNewProcessesEither() {
        cgroupFiles.put(300, "0::/system.slice/docker-" + OTHER + ".scope\n");
        cgroupFiles.put(301, "0::/system.slice/docker-" + OTHER + ".scope\n");
        var withHost = new PolicyConfig.Targets(LabelSelector.EVERYTHING, LabelSelector.EVERYTHING, true);
        PodTargetResolver resolver = resolver(withHost);
        resolver.resolve(300);

        clock.addAndGet(PodTargetResolver.PENDING_LIMIT.toNanos());

        assertThat(resolver.resolve(301)).map(Target::serviceName).contains("host/node-1");
    }

    @Test
    void twoPoliciesResolvingTheSamePodShareTheNodesOneEntryAndEachKeepsItsOwnSelection() {
        cgroupFiles.put(101, kubepods(API));
        var apiOnly = new PolicyConfig.Targets(LabelSelector.EVERYTHING, new LabelSelector(Map.of("app", "api"), List.of()), false);
        var notApi = new PolicyConfig.Targets(LabelSelector.EVERYTHING,
                new LabelSelector(Map.of(), List.of(new LabelSelector.Requirement("app", LabelSelector.Operator.NotIn, List.of("api")))), false);
        PodTargetResolver selecting = resolver(apiOnly);
        PodTargetResolver notSelecting = resolver(notApi);

        assertThat(selecting.resolve(100)).map(Target::serviceName).contains("shop/checkout");
        assertThat(notSelecting.resolve(100)).isEmpty();
        assertThat(selecting.resolve(101)).map(Target::serviceName).contains("shop/checkout");
        assertThat(notSelecting.resolve(101)).isEmpty();

        assertThat(containers.pids()).isEqualTo(2);
        assertThat(containers.containers()).isEqualTo(1);
        assertThat(containers.of(100)).isSameAs(containers.of(101));
    }

    @Test
    void aPolicysCacheGrowsWithTheNodesContainersNotItsProcesses() {
        var withHost = new PolicyConfig.Targets(LabelSelector.EVERYTHING, LabelSelector.EVERYTHING, true);
        PodTargetResolver resolver = resolver(withHost);
        for (int pid = 1000; pid < 2000; pid++) {
            cgroupFiles.put(pid, pid % 2 == 0 ? kubepods(API) : "0::/user.slice/session-" + pid + ".scope\n");
            resolver.resolve(pid);
        }

        assertThat(resolver.cachedContainers()).isEqualTo(1);
        assertThat(containers.pids()).isEqualTo(1000);
    }

    @Test
    void aPodOrNamespaceChangeDropsTheAnswersOfContainersNotAskedAgain() {
        cgroupFiles.put(300, kubepods(OTHER));
        PodTargetResolver resolver = resolver(PolicyConfig.Targets.EVERY_POD);
        resolver.resolve(100);
        resolver.resolve(300);

        pods.apply("MODIFIED", pod(UID, "shop", "checkout-7d9f-abcde", Map.of("app", "batch"), API));

        assertThat(resolver.resolve(100)).isPresent();
        assertThat(resolver.cachedContainers()).isEqualTo(1);
    }

    @Test
    void selectedTargetsCountsThePodsTheSelectorsKeepPlusTheHost() {
        pods.apply("ADDED", pod("11111111-2222-3333-4444-555555555555", "ops", "agent", Map.of("app", "agent"), OTHER));
        var shopOnly = new PolicyConfig.Targets(new LabelSelector(Map.of("team", "checkout"), List.of()), LabelSelector.EVERYTHING, false);
        var everythingAndHost = new PolicyConfig.Targets(LabelSelector.EVERYTHING, LabelSelector.EVERYTHING, true);

        assertThat(resolver(shopOnly).selectedTargets()).isEqualTo(1);
        assertThat(resolver(everythingAndHost).selectedTargets()).isEqualTo(3);
    }

    PodTargetResolver resolver(PolicyConfig.Targets targets) {
        return new PodTargetResolver(containers, pods, namespaces, targets,
                Map.of("cluster", "prod-eu-1", "node", "not-this-one"), "node-1", clock::get);
    }

    static String kubepods(String containerId) {
        return "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID.replace('-', '_')
                + ".slice/cri-containerd-" + containerId + ".scope\n";
    }

    static JsonValue namespace(String name, Map<String, String> labels) {
        return JsonTrees.from(Map.of("metadata", Map.of("name", name, "labels", labels)));
    }

    static JsonValue pod(String uid, String namespace, String name, Map<String, String> labels, String containerId) {
        return JsonTrees.from(Map.of(
                "metadata", Map.of("uid", uid, "namespace", namespace, "name", name, "labels", labels),
                "spec", Map.of("nodeName", "node-1"),
                "status", Map.of("containerStatuses", List.of(Map.of("name", "api", "containerID", "containerd://" + containerId)))));
    }
}
