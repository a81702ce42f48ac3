package dev.scorch.collector.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * This node's pods, indexed by container id, fed by a {@link ListWatch} on
 * {@code fieldSelector=spec.nodeName=<node>}. Every change bumps {@link #generation()}, so the
 * target resolver knows when its cached answers may be stale.
 */
public final class PodCache implements ListWatch.Handler {

    private static final String PPROF_ANNOTATIONS = "scorch.dev/pprof-";
    private static final String GRAFANA_ANNOTATIONS = "profiles.grafana.com/";

    private final Function<JsonNode, Workload> workloads;
    private final Map<String, PodInfo> byUid = new ConcurrentHashMap<>();
    private final Map<String, PodInfo> byContainerId = new ConcurrentHashMap<>();
    private volatile long generation;

    /** @param workloads names a pod's owning workload (may call the API server; runs on the watch thread) */
    public PodCache(Function<JsonNode, Workload> workloads) {
        this.workloads = workloads;
    }

    /** The pod running the container with this id (no runtime prefix). */
    public Optional<PodInfo> byContainerId(String containerId) {
        return Optional.ofNullable(byContainerId.get(containerId));
    }

    /** The pod with this UID. */
    public Optional<PodInfo> byUid(String uid) {
        return Optional.ofNullable(byUid.get(uid));
    }

    /** Increases on every change to the cache. */
    public long generation() {
        return generation;
    }

    public int size() {
        return byUid.size();
    }

    /** Every pod of this node known now. */
    public Collection<PodInfo> pods() {
        return List.copyOf(byUid.values());
    }

    @Override
    public synchronized void replaceAll(List<JsonNode> objects) {
        Map<String, PodInfo> pods = new HashMap<>();
        for (JsonNode object : objects) {
            PodInfo pod = toPod(object);
            pods.put(pod.uid(), pod);
        }
        byUid.keySet().retainAll(pods.keySet());
        byContainerId.values().removeIf(pod -> !pods.containsKey(pod.uid()));
        pods.values().forEach(this::put);
        generation++;
    }

    @Override
    public synchronized void apply(String type, JsonNode object) {
        String uid = object.path("metadata").path("uid").asText();
        if (type.equals("DELETED")) {
            remove(uid);
        } else {
            PodInfo previous = byUid.get(uid);
            PodInfo pod = toPod(object, previous);
            remove(uid);
            put(pod);
        }
        generation++;
    }

    private void put(PodInfo pod) {
        byUid.put(pod.uid(), pod);
        pod.containerNames().keySet().forEach(id -> byContainerId.put(id, pod));
    }

    private void remove(String uid) {
        PodInfo old = byUid.remove(uid);
        if (old != null) {
            old.containerNames().keySet().forEach(id -> byContainerId.remove(id, old));
        }
    }

    private PodInfo toPod(JsonNode object) {
        return toPod(object, byUid.get(object.path("metadata").path("uid").asText()));
    }

    /** Reuses the previous workload: owners never change, and looking them up costs an API call. */
    private PodInfo toPod(JsonNode object, PodInfo previous) {
        JsonNode metadata = object.path("metadata");
        Map<String, String> labels = new HashMap<>();
        metadata.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        Map<String, String> containers = new HashMap<>();
        JsonNode status = object.path("status");
        for (String field : List.of("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")) {
            for (JsonNode container : status.path(field)) {
                containerIdOf(container.path("containerID").asText("")).ifPresent(id -> containers.put(id, container.path("name").asText()));
            }
        }
        Workload workload = previous != null ? previous.workload() : workloads.apply(object);
        return new PodInfo(metadata.path("uid").asText(), metadata.path("namespace").asText(), metadata.path("name").asText(),
                object.path("spec").path("nodeName").asText(), labels, workload, containers, pprof(object));
    }

    /** The pull fields of a pod with pprof annotations; nothing is kept for the others. */
    private static PodInfo.Pprof pprof(JsonNode object) {
        Map<String, String> annotations = new HashMap<>();
        object.path("metadata").path("annotations").properties().forEach(e -> {
            if (e.getKey().startsWith(PPROF_ANNOTATIONS) || e.getKey().startsWith(GRAFANA_ANNOTATIONS)) {
                annotations.put(e.getKey(), e.getValue().asText());
            }
        });
        if (annotations.isEmpty()) {
            return PodInfo.Pprof.NONE;
        }
        Map<String, Integer> named = new HashMap<>();
        Map<Integer, String> containerByPort = new HashMap<>();
        for (JsonNode container : object.path("spec").path("containers")) {
            for (JsonNode port : container.path("ports")) {
                int number = port.path("containerPort").asInt(0);
                if (number > 0) {
                    containerByPort.putIfAbsent(number, container.path("name").asText());
                    if (!port.path("name").asText("").isEmpty()) {
                        named.putIfAbsent(port.path("name").asText(), number);
                    }
                }
            }
        }
        return new PodInfo.Pprof(object.path("status").path("podIP").asText(""), annotations, named, containerByPort);
    }

    /** {@code containerd://<id>}, {@code cri-o://<id>}, {@code docker://<id>} -> {@code <id>}. */
    static Optional<String> containerIdOf(String containerId) {
        int scheme = containerId.indexOf("://");
        String id = scheme < 0 ? containerId : containerId.substring(scheme + 3);
        return id.isEmpty() ? Optional.empty() : Optional.of(id);
    }
}
