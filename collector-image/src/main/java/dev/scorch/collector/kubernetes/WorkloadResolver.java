package dev.scorch.collector.kubernetes;

import dev.scorch.collector.json.JsonValue;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the workload that owns a pod. A ReplicaSet is looked up once to find its Deployment, a Job
 * once to find its CronJob; the answers are cached, as an owner never changes for a given name
 * and UID.
 */
public final class WorkloadResolver {

    private static final System.Logger LOG = System.getLogger(WorkloadResolver.class.getName());

    private final ApiServer api;
    private final Map<String, Workload> owners = new ConcurrentHashMap<>();
    private final Map<String, Boolean> warned = new ConcurrentHashMap<>();

    public WorkloadResolver(ApiServer api) {
        this.api = api;
    }

    /** The workload owning the pod described by {@code pod} (a Pod object). */
    public Workload workloadOf(JsonValue pod) {
        JsonValue metadata = pod.member("metadata");
        String namespace = metadata.member("namespace").stringOr("");
        Optional<JsonValue> controller = controllerOf(metadata);
        if (controller.isEmpty()) {
            return new Workload("Pod", metadata.member("name").stringOr(""));
        }
        String kind = controller.get().member("kind").stringOr("");
        String name = controller.get().member("name").stringOr("");
        return switch (kind) {
            case "ReplicaSet" -> ownerOf(namespace, "/apis/apps/v1/namespaces/", "replicasets", controller.get(), "Deployment")
                    .orElseGet(() -> deploymentByNamingConvention(name, metadata));
            case "Job" -> ownerOf(namespace, "/apis/batch/v1/namespaces/", "jobs", controller.get(), "CronJob")
                    .orElse(new Workload("Job", name));
            default -> new Workload(kind, name);
        };
    }

    /**
     * The owner of a ReplicaSet or Job, or the object itself when it has no owner of
     * {@code ownerKind}; empty when the lookup failed.
     */
    private Optional<Workload> ownerOf(String namespace, String apiPrefix, String resource, JsonValue reference, String ownerKind) {
        String name = reference.member("name").stringOr("");
        String key = resource + "/" + namespace + "/" + name + "/" + reference.member("uid").stringOr("");
        Workload cached = owners.get(key);
        if (cached != null) {
            return Optional.of(cached);
        }
        try {
            JsonValue object = api.get(apiPrefix + namespace + "/" + resource + "/" + name);
            Workload owner = controllerOf(object.member("metadata"))
                    .filter(ref -> ref.member("kind").stringOr("").equals(ownerKind))
                    .map(ref -> new Workload(ownerKind, ref.member("name").stringOr("")))
                    .orElse(new Workload(reference.member("kind").stringOr(""), name));
            owners.put(key, owner);
            return Optional.of(owner);
        } catch (KubernetesException e) {
            if (warned.putIfAbsent(resource, Boolean.TRUE) == null) {
                LOG.log(Level.WARNING, "cannot read {0} {1}/{2} to find its owning {3}; naming workloads from "
                        + "their pods instead (the collector''s RBAC needs get on {0}): {4}", resource, namespace, name, ownerKind, e.getMessage());
            }
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** A Deployment names its ReplicaSets {@code <deployment>-<pod-template-hash>}. */
    private static Workload deploymentByNamingConvention(String replicaSet, JsonValue podMetadata) {
        String hash = podMetadata.member("labels").member("pod-template-hash").stringOr("");
        if (!hash.isEmpty() && replicaSet.endsWith("-" + hash)) {
            return new Workload("Deployment", replicaSet.substring(0, replicaSet.length() - hash.length() - 1));
        }
        return new Workload("ReplicaSet", replicaSet);
    }

    private static Optional<JsonValue> controllerOf(JsonValue metadata) {
        for (JsonValue owner : metadata.member("ownerReferences").elements()) {
            if (owner.member("controller").booleanOr(false)) {
                return Optional.of(owner);
            }
        }
        return Optional.empty();
    }
}
