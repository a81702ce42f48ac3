package dev.scorch.collector.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
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
    public Workload workloadOf(JsonNode pod) {
        JsonNode metadata = pod.path("metadata");
        String namespace = metadata.path("namespace").asText();
        Optional<JsonNode> controller = controllerOf(metadata);
        if (controller.isEmpty()) {
            return new Workload("Pod", metadata.path("name").asText());
        }
        String kind = controller.get().path("kind").asText();
        String name = controller.get().path("name").asText();
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
    private Optional<Workload> ownerOf(String namespace, String apiPrefix, String resource, JsonNode reference, String ownerKind) {
        String name = reference.path("name").asText();
        String key = resource + "/" + namespace + "/" + name + "/" + reference.path("uid").asText();
        Workload cached = owners.get(key);
        if (cached != null) {
            return Optional.of(cached);
        }
        try {
            JsonNode object = api.get(apiPrefix + namespace + "/" + resource + "/" + name);
            Workload owner = controllerOf(object.path("metadata"))
                    .filter(ref -> ref.path("kind").asText().equals(ownerKind))
                    .map(ref -> new Workload(ownerKind, ref.path("name").asText()))
                    .orElse(new Workload(reference.path("kind").asText(), name));
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
    private static Workload deploymentByNamingConvention(String replicaSet, JsonNode podMetadata) {
        String hash = podMetadata.path("labels").path("pod-template-hash").asText("");
        if (!hash.isEmpty() && replicaSet.endsWith("-" + hash)) {
            return new Workload("Deployment", replicaSet.substring(0, replicaSet.length() - hash.length() - 1));
        }
        return new Workload("ReplicaSet", replicaSet);
    }

    private static Optional<JsonNode> controllerOf(JsonNode metadata) {
        for (JsonNode owner : metadata.path("ownerReferences")) {
            if (owner.path("controller").asBoolean(false)) {
                return Optional.of(owner);
            }
        }
        return Optional.empty();
    }
}
