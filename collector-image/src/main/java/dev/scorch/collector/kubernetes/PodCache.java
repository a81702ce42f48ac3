package dev.scorch.collector.kubernetes;

import dev.scorch.collector.json.JsonValue;
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

    private final Function<JsonValue, Workload> workloads;
    private final Map<String, PodInfo> byUid = new ConcurrentHashMap<>();
    private final Map<String, PodInfo> byContainerId = new ConcurrentHashMap<>();
    private volatile long generation;

    /** @param workloads names a pod's owning workload (may call the API server; runs on the watch thread) */
    public PodCache(Function<JsonValue, Workload> workloads) {
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
    public synchronized void replaceAll(List<JsonValue> objects) {
        Map<String, PodInfo> pods = new HashMap<>();
        for (JsonValue object : objects) {
            PodInfo pod = toPod(object);
            pods.put(pod.uid(), pod);
        }
        byUid.keySet().retainAll(pods.keySet());
        byContainerId.values().removeIf(pod -> !pods.containsKey(pod.uid()));
        pods.values().forEach(this::put);
        generation++;
    }

    @Override
    public synchronized void apply(String type, JsonValue object) {
        String uid = object.member("metadata").member("uid").stringOr("");
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

    private PodInfo toPod(JsonValue object) {
        return toPod(object, byUid.get(object.member("metadata").member("uid").stringOr("")));
    }

    /** Reuses the previous workload: owners never change, and looking them up costs an API call. */
    private PodInfo toPod(JsonValue object, PodInfo previous) {
        JsonValue metadata = object.member("metadata");
        Map<String, String> labels = new HashMap<>();
        metadata.member("labels").members().forEach((key, value) -> labels.put(key, value.stringOr("")));
        Map<String, String> containers = new HashMap<>();
        JsonValue status = object.member("status");
        for (String field : List.of("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")) {
            for (JsonValue container : status.member(field).elements()) {
                containerIdOf(container.member("containerID").stringOr(""))
                        .ifPresent(id -> containers.put(id, container.member("name").stringOr("")));
            }
        }
        Workload workload = previous != null ? previous.workload() : workloads.apply(object);
        return new PodInfo(metadata.member("uid").stringOr(""), metadata.member("namespace").stringOr(""), metadata.member("name").stringOr(""),
                object.member("spec").member("nodeName").stringOr(""), labels, workload, containers, pprof(object));
    }

    /** The pull fields of a pod with pprof annotations; nothing is kept for the others. */
    private static PodInfo.Pprof pprof(JsonValue object) {
        Map<String, String> annotations = new HashMap<>();
        object.member("metadata").member("annotations").members().forEach((key, value) -> {
            if (key.startsWith(PPROF_ANNOTATIONS) || key.startsWith(GRAFANA_ANNOTATIONS)) {
                annotations.put(key, value.stringOr(""));
            }
        });
        if (annotations.isEmpty()) {
            return PodInfo.Pprof.NONE;
        }
        Map<String, Integer> named = new HashMap<>();
        Map<Integer, String> containerByPort = new HashMap<>();
        for (JsonValue container : object.member("spec").member("containers").elements()) {
            for (JsonValue port : container.member("ports").elements()) {
                long number = port.member("containerPort").longOr(0);
                if (number > 0 && number <= 65535) {
                    containerByPort.putIfAbsent((int) number, container.member("name").stringOr(""));
                    String name = port.member("name").stringOr("");
                    if (!name.isEmpty()) {
                        named.putIfAbsent(name, (int) number);
                    }
                }
            }
        }
        return new PodInfo.Pprof(object.member("status").member("podIP").stringOr(""), annotations, named, containerByPort);
    }

    /** {@code containerd://<id>}, {@code cri-o://<id>}, {@code docker://<id>} -> {@code <id>}. */
    static Optional<String> containerIdOf(String containerId) {
        int scheme = containerId.indexOf("://");
        String id = scheme < 0 ? containerId : containerId.substring(scheme + 3);
        return id.isEmpty() ? Optional.empty() : Optional.of(id);
    }
}
