package dev.scorch.e2e.kubelet;

import dev.scorch.e2e.cgroup.CgroupHierarchies;
import dev.scorch.e2e.cgroup.KubeletContainerCgroup;
import dev.scorch.e2e.cgroup.QosClass;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kubelet of one real node (this machine) for the parts of a kubelet that Scorch depends on:
 * it registers the Node and keeps its Lease fresh, runs the containers of pods bound to the node
 * as host processes in kubelet-shaped cgroups ({@link ContainerProcess}), reports
 * {@code containerd://} container ids, probes readiness, folds readiness gates into the Ready
 * condition, restarts exited containers, keeps ConfigMap and Secret volumes up to date, and finishes a pod's deletion once its processes are gone.
 *
 * <p>Images are the {@link ContainerImage}s it was given; a pod whose image is unknown stays
 * Pending with {@code ErrImagePull}, as on a node that cannot pull it. Pods share the host's
 * network: probes go to 127.0.0.1 and {@code KUBERNETES_SERVICE_HOST/PORT} name the API server's
 * loopback address, whose certificate the projected {@code ca.crt} trusts.
 */
public final class FakeKubelet implements AutoCloseable {

    /** The node's address, which is also every pod's (they share the host network). */
    public static final String NODE_IP = "127.0.0.1";

    private static final Duration SYNC_PERIOD = Duration.ofMillis(500);
    private static final Duration VOLUME_REFRESH = Duration.ofSeconds(5);
    private static final Duration LEASE_RENEW = Duration.ofSeconds(10);
    private static final Duration MAX_STOP_GRACE = Duration.ofSeconds(10);
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ISO_INSTANT;

    private final KubernetesClient client;
    private final String nodeName;
    private final URI apiServer;
    private final Path root;
    private final CgroupHierarchies cgroups;
    private final List<ContainerImage> images;
    private final PodVolumes volumes;
    private final Map<String, RunningPod> pods = new ConcurrentHashMap<>();
    private final HttpClient probes = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("fake-kubelet").daemon().factory());

    private FakeKubelet(KubernetesClient client, String nodeName, URI apiServer, Path root, CgroupHierarchies cgroups,
            List<ContainerImage> images) {
        this.client = client;
        this.nodeName = nodeName;
        this.apiServer = apiServer;
        this.root = root;
        this.cgroups = cgroups;
        this.images = new java.util.concurrent.CopyOnWriteArrayList<>(images);
        this.volumes = new PodVolumes(client, root.resolve("node-disk"));
    }

    /**
     * Registers node {@code nodeName} and starts syncing its pods.
     *
     * @param apiServer the API server's URL as pods should reach it
     * @param root the node's directory: pod volumes, container logs, the node's disk for hostPaths
     */
    public static FakeKubelet start(KubernetesClient client, String nodeName, URI apiServer, Path root,
            CgroupHierarchies cgroups, List<ContainerImage> images) {
        FakeKubelet kubelet = new FakeKubelet(client, nodeName, apiServer, root, cgroups, images);
        kubelet.registerNode();
        kubelet.loop.scheduleWithFixedDelay(kubelet::renewLease, 0, LEASE_RENEW.toMillis(), TimeUnit.MILLISECONDS);
        kubelet.loop.scheduleWithFixedDelay(kubelet::syncPodsSafely, 0, SYNC_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return kubelet;
    }

    public String nodeName() {
        return nodeName;
    }

    /**
     * Makes {@code image} available on the node, as {@code ctr images import} would; a pod waiting
     * with {@code ErrImagePull} for it starts on the next sync.
     */
    public void load(ContainerImage image) {
        images.add(image);
    }

    /** The container of a running pod, for tests that look at its process or log. */
    public ContainerProcess container(String namespace, String podName, String containerName) {
        RunningPod pod = pods.values().stream()
                .filter(p -> p.namespace.equals(namespace) && p.name.equals(podName))
                .findFirst().orElse(null);
        return pod == null ? null : pod.containers.get(containerName);
    }

    /** Every container this kubelet runs now, keyed by {@code namespace/pod/container}. */
    public Map<String, ContainerProcess> containers() {
        Map<String, ContainerProcess> all = new LinkedHashMap<>();
        pods.values().forEach(p -> p.containers.forEach((c, process) -> all.put(p.namespace + "/" + p.name + "/" + c, process)));
        return all;
    }

    private void registerNode() {
        String now = RFC3339.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        var node = new NodeBuilder()
                .withNewMetadata()
                .withName(nodeName)
                .addToLabels("kubernetes.io/hostname", nodeName)
                .addToLabels("kubernetes.io/os", "linux")
                .addToLabels("kubernetes.io/arch", "amd64")
                .endMetadata()
                .build();
        client.nodes().resource(node).serverSideApply();
        Map<String, Quantity> capacity = Map.of(
                "cpu", new Quantity(Integer.toString(Runtime.getRuntime().availableProcessors())),
                "memory", new Quantity("16Gi"),
                "pods", new Quantity("110"),
                "ephemeral-storage", new Quantity("100Gi"));
        Map<String, Object> status = Map.of("status", Map.of(
                "capacity", capacity,
                "allocatable", capacity,
                "addresses", List.of(Map.of("type", "InternalIP", "address", NODE_IP), Map.of("type", "Hostname", "address", nodeName)),
                "conditions", List.of(Map.of("type", "Ready", "status", "True", "reason", "KubeletReady",
                        "message", "fake kubelet (scorch e2e) is posting ready status",
                        "lastHeartbeatTime", now, "lastTransitionTime", now)),
                "nodeInfo", Map.of("kubeletVersion", "v" + dev.scorch.testenv.TestBinaries.KUBERNETES_VERSION,
                        "containerRuntimeVersion", "containerd://scorch-e2e", "operatingSystem", "linux",
                        "architecture", "amd64", "kernelVersion", System.getProperty("os.version"),
                        "osImage", "scorch e2e host", "machineID", "", "systemUUID", "", "bootID", "",
                        "kubeProxyVersion", ""),
                "daemonEndpoints", Map.of("kubeletEndpoint", Map.of("Port", 10250))));
        client.nodes().withName(nodeName).subresource("status")
                .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), Serialization.asJson(status));
    }

    private void renewLease() {
        try {
            ZonedDateTime now = ZonedDateTime.now(java.time.ZoneOffset.UTC);
            Lease existing = client.leases().inNamespace("kube-node-lease").withName(nodeName).get();
            if (existing == null) {
                client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder()
                        .withNewMetadata().withName(nodeName).withNamespace("kube-node-lease").endMetadata()
                        .withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(40).withRenewTime(now).endSpec()
                        .build()).create();
            } else {
                existing.getSpec().setRenewTime(now);
                client.leases().inNamespace("kube-node-lease").resource(existing).update();
            }
        } catch (KubernetesClientException e) {
            System.err.println("fake-kubelet: lease renewal for node " + nodeName + " failed: " + e.getMessage());
        }
    }

    private void syncPodsSafely() {
        try {
            syncPods();
        } catch (RuntimeException e) {
            System.err.println("fake-kubelet: pod sync on node " + nodeName + " failed: " + e);
        }
    }

    private void syncPods() {
        List<Pod> bound = client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).list().getItems();
        Map<String, Pod> byUid = new HashMap<>();
        bound.forEach(p -> byUid.put(p.getMetadata().getUid(), p));
        for (String uid : List.copyOf(pods.keySet())) {
            if (!byUid.containsKey(uid)) {
                pods.remove(uid).stop(Duration.ZERO);
            }
        }
        for (Pod pod : bound) {
            String uid = pod.getMetadata().getUid();
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                finishDeletion(pod);
            } else if ("Succeeded".equals(pod.getStatus().getPhase()) || "Failed".equals(pod.getStatus().getPhase())) {
                continue;
            } else if (!pods.containsKey(uid)) {
                startPod(pod);
            } else {
                RunningPod running = pods.get(uid);
                restartExited(pod, running);
                refreshVolumes(pod, running);
                reportStatus(pod, running);
            }
        }
    }

    private void finishDeletion(Pod pod) {
        RunningPod running = pods.remove(pod.getMetadata().getUid());
        if (running != null) {
            long grace = pod.getMetadata().getDeletionGracePeriodSeconds() == null ? 30 : pod.getMetadata().getDeletionGracePeriodSeconds();
            running.stop(Duration.ofSeconds(grace).compareTo(MAX_STOP_GRACE) > 0 ? MAX_STOP_GRACE : Duration.ofSeconds(grace));
        }
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .withGracePeriod(0).delete();
    }

    private void startPod(Pod pod) {
        String namespace = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        Path podDirectory = root.resolve("pods").resolve(pod.getMetadata().getUid());
        Map<String, Path> podVolumes;
        List<ContainerImage> podImages = new ArrayList<>();
        for (Container container : pod.getSpec().getContainers()) {
            ContainerImage image = images.stream().filter(i -> i.matches(container.getImage())).findFirst().orElse(null);
            if (image == null) {
                reportWaiting(pod, container, "ErrImagePull", "the scorch e2e node has no image " + container.getImage());
                return;
            }
            podImages.add(image);
        }
        try {
            podVolumes = volumes.materialize(pod, podDirectory);
        } catch (RuntimeException e) {
            reportWaiting(pod, pod.getSpec().getContainers().getFirst(), "ContainerCreating", e.getMessage());
            return;
        }
        RunningPod running = new RunningPod(namespace, name, pod.getMetadata().getUid(), Instant.now(), podVolumes, podImages);
        pods.put(pod.getMetadata().getUid(), running);
        for (int i = 0; i < pod.getSpec().getContainers().size(); i++) {
            running.startContainer(pod, pod.getSpec().getContainers().get(i), podImages.get(i));
        }
        reportStatus(pod, running);
        System.out.println("fake-kubelet: started pod " + namespace + "/" + name + " on node " + nodeName);
    }

    /** ConfigMap and Secret volumes follow their objects, every {@link #VOLUME_REFRESH} (the kubelet's is about a minute). */
    private void refreshVolumes(Pod pod, RunningPod running) {
        if (Instant.now().isBefore(running.volumesRefreshed.plus(VOLUME_REFRESH))) {
            return;
        }
        running.volumesRefreshed = Instant.now();
        volumes.refresh(pod, running.volumes);
    }

    private void restartExited(Pod pod, RunningPod running) {
        for (int i = 0; i < pod.getSpec().getContainers().size(); i++) {
            Container container = pod.getSpec().getContainers().get(i);
            ContainerProcess process = running.containers.get(container.getName());
            if (process != null && !process.isAlive()) {
                System.out.println("fake-kubelet: container " + running.namespace + "/" + running.name + "/" + container.getName()
                        + " exited with " + process.exitCode() + "; restarting. Last log lines:\n" + process.logTail(15));
                process.stop(Duration.ZERO);
                running.restarts.merge(container.getName(), 1, Integer::sum);
                running.startContainer(pod, container, running.images.get(i));
            }
        }
    }

    private void reportWaiting(Pod pod, Container container, String reason, String message) {
        Map<String, Object> status = Map.of("status", Map.of(
                "phase", "Pending",
                "containerStatuses", List.of(Map.of("name", container.getName(), "image", container.getImage(),
                        "imageID", "", "ready", false, "restartCount", 0,
                        "state", Map.of("waiting", Map.of("reason", reason, "message", message))))));
        patchStatus(pod, status);
    }

    private void reportStatus(Pod pod, RunningPod running) {
        boolean allReady = true;
        List<Map<String, Object>> containerStatuses = new ArrayList<>();
        for (Container container : pod.getSpec().getContainers()) {
            ContainerProcess process = running.containers.get(container.getName());
            boolean ready = process != null && process.isAlive() && probeReady(container, running.hostPorts.getOrDefault(container.getName(), Map.of()));
            allReady &= ready;
            containerStatuses.add(Map.of(
                    "name", container.getName(),
                    "image", container.getImage(),
                    "imageID", container.getImage(),
                    "containerID", process == null ? "" : process.cgroup().statusContainerId(),
                    "ready", ready,
                    "started", process != null && process.isAlive(),
                    "restartCount", running.restarts.getOrDefault(container.getName(), 0),
                    "state", Map.of("running", Map.of("startedAt", RFC3339.format(running.containerStarts.get(container.getName())))))
            );
        }
        boolean gatesTrue = pod.getSpec().getReadinessGates() == null || pod.getSpec().getReadinessGates().stream()
                .allMatch(gate -> "True".equals(conditionStatus(pod, gate.getConditionType())));
        List<Map<String, Object>> conditions = new ArrayList<>();
        addCondition(conditions, pod, "PodReadyToStartContainers", true);
        addCondition(conditions, pod, "Initialized", true);
        addCondition(conditions, pod, "ContainersReady", allReady);
        addCondition(conditions, pod, "Ready", allReady && gatesTrue);
        Map<String, Object> desired = new LinkedHashMap<>();
        desired.put("phase", "Running");
        desired.put("hostIP", NODE_IP);
        desired.put("hostIPs", List.of(Map.of("ip", NODE_IP)));
        desired.put("podIP", NODE_IP);
        desired.put("podIPs", List.of(Map.of("ip", NODE_IP)));
        desired.put("startTime", RFC3339.format(running.started));
        desired.put("containerStatuses", containerStatuses);
        if (!conditions.isEmpty() || !sameContainerStatuses(pod, containerStatuses) || !"Running".equals(pod.getStatus().getPhase())) {
            if (!conditions.isEmpty()) {
                desired.put("conditions", conditions);
            }
            patchStatus(pod, Map.of("status", desired));
        }
    }

    private static boolean sameContainerStatuses(Pod pod, List<Map<String, Object>> desired) {
        var actual = pod.getStatus().getContainerStatuses();
        if (actual == null || actual.size() != desired.size()) {
            return false;
        }
        for (int i = 0; i < desired.size(); i++) {
            var a = actual.get(i);
            var d = desired.get(i);
            if (!Objects.equals(a.getContainerID(), d.get("containerID")) || !Objects.equals(a.getReady(), d.get("ready"))
                    || !Objects.equals(a.getRestartCount(), d.get("restartCount")) || a.getState().getRunning() == null) {
                return false;
            }
        }
        return true;
    }

    /** Adds {@code type} to {@code conditions} only when it differs from what the pod shows. */
    private static void addCondition(List<Map<String, Object>> conditions, Pod pod, String type, boolean status) {
        String wanted = status ? "True" : "False";
        if (wanted.equals(conditionStatus(pod, type))) {
            return;
        }
        conditions.add(Map.of("type", type, "status", wanted,
                "lastTransitionTime", RFC3339.format(Instant.now().truncatedTo(ChronoUnit.SECONDS))));
    }

    private static String conditionStatus(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()))
                .map(PodCondition::getStatus).findFirst().orElse(null);
    }

    private void patchStatus(Pod pod, Map<String, Object> status) {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .subresource("status").patch(PatchContext.of(PatchType.STRATEGIC_MERGE), Serialization.asJson(status));
    }

    private boolean probeReady(Container container, Map<Integer, Integer> hostPorts) {
        if (container.getReadinessProbe() == null || container.getReadinessProbe().getHttpGet() == null) {
            return true;
        }
        var httpGet = container.getReadinessProbe().getHttpGet();
        int containerPort = resolvePort(container, httpGet.getPort());
        int port = hostPorts.getOrDefault(containerPort, containerPort);
        String path = httpGet.getPath() == null ? "/" : httpGet.getPath();
        try {
            HttpResponse<Void> response = probes.send(
                    HttpRequest.newBuilder(URI.create("http://" + NODE_IP + ":" + port + path)).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() >= 200 && response.statusCode() < 400;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int resolvePort(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(p -> p.getContainerPort()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no container port named " + port.getStrVal()));
    }

    /** The container's environment as a kubelet builds it: image ENV, the API server's address, then the pod's env. */
    private Map<String, String> environment(Pod pod, Container container, ContainerImage image) {
        Map<String, String> env = new LinkedHashMap<>(ContainerImage.BASE_ENVIRONMENT);
        env.putAll(image.environment());
        env.put("HOSTNAME", pod.getMetadata().getName());
        env.put("KUBERNETES_SERVICE_HOST", apiServer.getHost());
        env.put("KUBERNETES_SERVICE_PORT", Integer.toString(apiServer.getPort()));
        env.put("KUBERNETES_SERVICE_PORT_HTTPS", Integer.toString(apiServer.getPort()));
        env.put("KUBERNETES_PORT", "tcp://" + apiServer.getHost() + ":" + apiServer.getPort());
        for (EnvVar variable : container.getEnv()) {
            env.put(variable.getName(), envValue(pod, variable, env));
        }
        return env;
    }

    private String envValue(Pod pod, EnvVar variable, Map<String, String> defined) {
        if (variable.getValueFrom() == null) {
            return expand(variable.getValue() == null ? "" : variable.getValue(), defined);
        }
        var from = variable.getValueFrom();
        String namespace = pod.getMetadata().getNamespace();
        if (from.getFieldRef() != null) {
            return PodVolumes.fieldValue(pod, from.getFieldRef());
        }
        if (from.getConfigMapKeyRef() != null) {
            var configMap = client.configMaps().inNamespace(namespace).withName(from.getConfigMapKeyRef().getName()).get();
            return configMap == null ? "" : configMap.getData().getOrDefault(from.getConfigMapKeyRef().getKey(), "");
        }
        if (from.getSecretKeyRef() != null) {
            var secret = client.secrets().inNamespace(namespace).withName(from.getSecretKeyRef().getName()).get();
            String value = secret == null || secret.getData() == null ? null : secret.getData().get(from.getSecretKeyRef().getKey());
            return value == null ? "" : new String(java.util.Base64.getDecoder().decode(value), java.nio.charset.StandardCharsets.UTF_8);
        }
        if (from.getResourceFieldRef() != null) {
            return resourceValue(pod, from.getResourceFieldRef());
        }
        throw new IllegalArgumentException("env " + variable.getName() + " uses a source this fake kubelet does not support");
    }

    private static String resourceValue(Pod pod, io.fabric8.kubernetes.api.model.ResourceFieldSelector selector) {
        Container container = pod.getSpec().getContainers().stream()
                .filter(c -> selector.getContainerName() == null || selector.getContainerName().equals(c.getName()))
                .findFirst().orElseThrow();
        String[] parts = selector.getResource().split("\\.", 2);
        var resources = container.getResources();
        Map<String, Quantity> values = resources == null ? null
                : parts[0].equals("limits") ? resources.getLimits() : resources.getRequests();
        Quantity quantity = values == null ? null : values.get(parts[1]);
        if (quantity == null) {
            return parts[1].equals("cpu") ? Integer.toString(Runtime.getRuntime().availableProcessors()) : Long.toString(16L << 30);
        }
        return quantity.getNumericalAmount().toBigInteger().toString();
    }

    private static final Pattern REFERENCE = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");

    /** Kubernetes' {@code $(VAR)} expansion in env values, command and args; {@code $$} escapes. */
    static String expand(String text, Map<String, String> defined) {
        Matcher matcher = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String replacement = matcher.group().equals("$$") ? "$"
                    : defined.getOrDefault(matcher.group(1), matcher.group());
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private QosClass qosClass(Pod pod) {
        String qos = pod.getStatus() == null ? null : pod.getStatus().getQosClass();
        if ("Guaranteed".equals(qos)) {
            return QosClass.GUARANTEED;
        }
        return "BestEffort".equals(qos) ? QosClass.BEST_EFFORT : QosClass.BURSTABLE;
    }

    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pods.values().forEach(p -> p.stop(Duration.ofSeconds(5)));
        pods.clear();
    }

    /** A pod this kubelet runs: its containers' processes and restart counts. */
    private final class RunningPod {
        final String namespace;
        final String name;
        final String uid;
        final Instant started;
        final Map<String, Path> volumes;
        final List<ContainerImage> images;
        volatile Instant volumesRefreshed = Instant.now();
        final Map<String, ContainerProcess> containers = new ConcurrentHashMap<>();
        final Map<String, Instant> containerStarts = new ConcurrentHashMap<>();
        final Map<String, Integer> restarts = new ConcurrentHashMap<>();
        final Map<String, Map<Integer, Integer>> hostPorts = new ConcurrentHashMap<>();

        RunningPod(String namespace, String name, String uid, Instant started, Map<String, Path> volumes, List<ContainerImage> images) {
            this.namespace = namespace;
            this.name = name;
            this.uid = uid;
            this.started = started.truncatedTo(ChronoUnit.SECONDS);
            this.volumes = volumes;
            this.images = images;
        }

        void startContainer(Pod pod, Container container, ContainerImage image) {
            Map<String, String> env = environment(pod, container, image);
            Map<Integer, Integer> moved = new HashMap<>();
            image.movablePorts().forEach((containerPort, variable) -> {
                int hostPort = dev.scorch.testenv.LoopbackPorts.free();
                moved.put(containerPort, hostPort);
                env.put(variable, Integer.toString(hostPort));
            });
            hostPorts.put(container.getName(), moved);
            List<String> command = image.commandFor(container).stream().map(arg -> expand(arg, env)).toList();
            KubeletContainerCgroup cgroup = cgroups.createContainer(qosClass(pod), uid, KubeletContainerCgroup.newContainerId());
            Path containerDirectory = root.resolve("pods").resolve(uid).resolve("containers").resolve(container.getName());
            try {
                Files.createDirectories(containerDirectory);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + containerDirectory, e);
            }
            Path log = containerDirectory.resolve(cgroup.containerId() + ".log");
            ContainerProcess process = ContainerProcess.start(namespace + "/" + name + "/" + container.getName(), cgroup,
                    PodVolumes.mountsFor(container, volumes), env, command, containerDirectory.resolve("scratch-" + cgroup.containerId()), log);
            containers.put(container.getName(), process);
            containerStarts.put(container.getName(), Instant.now().truncatedTo(ChronoUnit.SECONDS));
        }

        void stop(Duration grace) {
            containers.values().forEach(c -> c.stop(grace));
            containers.clear();
        }
    }
}
