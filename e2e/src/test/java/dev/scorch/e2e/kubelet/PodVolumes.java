package dev.scorch.e2e.kubelet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The volumes of one pod, materialized as a kubelet does: ConfigMap and Secret keys as files,
 * projected ServiceAccount tokens from the TokenRequest API bound to the pod, the cluster CA from
 * {@code kube-root-ca.crt}, downward API files, emptyDirs, and hostPaths.
 *
 * <p>hostPaths under {@code /proc}, {@code /sys} and {@code /dev} are the host's own (the
 * collector reads the real kernel); any other hostPath (a spool under {@code /var/lib}) lives under
 * the fake node's disk directory, so the test never writes into the host's {@code /var/lib} and a
 * restarted pod still finds what its predecessor left there.
 */
final class PodVolumes {

    private static final List<String> REAL_HOST_PATHS = List.of("/proc", "/sys", "/dev");
    private static final long DEFAULT_TOKEN_SECONDS = 3607;

    private final KubernetesClient client;
    private final Path nodeDisk;

    PodVolumes(KubernetesClient client, Path nodeDisk) {
        this.client = client;
        this.nodeDisk = nodeDisk;
    }

    /** Writes every volume of {@code pod} under {@code podDirectory}; throws with the reason when one cannot be made yet. */
    Map<String, Path> materialize(Pod pod, Path podDirectory) {
        Map<String, Path> sources = new java.util.HashMap<>();
        for (Volume volume : pod.getSpec().getVolumes()) {
            sources.put(volume.getName(), materialize(pod, volume, podDirectory.resolve("volumes").resolve(volume.getName())));
        }
        return sources;
    }

    /**
     * Brings the ConfigMap and Secret volumes of a running pod up to date, as the kubelet's periodic
     * sync does: each changed file is replaced atomically (a reader sees the old or the new content,
     * never a mix), a removed key's file goes. A subPath mount of such a volume still sees the update
     * here, where the real kubelet would leave it stale; the DaemonSet tests check for subPath.
     */
    void refresh(Pod pod, Map<String, Path> sources) {
        String namespace = pod.getMetadata().getNamespace();
        for (Volume volume : pod.getSpec().getVolumes()) {
            Path directory = sources.get(volume.getName());
            if (volume.getConfigMap() != null) {
                ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(volume.getConfigMap().getName()).get();
                if (configMap != null) {
                    replaceKeys(directory, stringData(configMap), volume.getConfigMap().getItems());
                }
            } else if (volume.getSecret() != null) {
                Secret secret = client.secrets().inNamespace(namespace).withName(volume.getSecret().getSecretName()).get();
                if (secret != null) {
                    replaceKeys(directory, secretData(secret), volume.getSecret().getItems());
                }
            }
        }
    }

    private static void replaceKeys(Path directory, Map<String, String> data, List<KeyToPath> items) {
        Map<String, String> files = new java.util.HashMap<>();
        if (items == null || items.isEmpty()) {
            files.putAll(data);
        } else {
            items.stream().filter(item -> data.containsKey(item.getKey())).forEach(item -> files.put(item.getPath(), data.get(item.getKey())));
        }
        try (var present = Files.list(directory)) {
            for (Path file : present.filter(Files::isRegularFile).toList()) {
                if (!files.containsKey(file.getFileName().toString())) {
                    Files.delete(file);
                }
            }
            for (Map.Entry<String, String> file : files.entrySet()) {
                Path target = directory.resolve(file.getKey());
                if (Files.exists(target) && Files.readString(target).equals(file.getValue())) {
                    continue;
                }
                Path staged = directory.resolve(".." + file.getKey() + ".tmp");
                Files.writeString(staged, file.getValue());
                Files.move(staged, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update volume " + directory, e);
        }
    }

    /** The container's mounts, from the volumes {@link #materialize} made. */
    static List<BindMount> mountsFor(Container container, Map<String, Path> volumes) {
        List<BindMount> mounts = new ArrayList<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Path source = volumes.get(mount.getName());
            if (source == null) {
                throw new IllegalStateException("container " + container.getName() + " mounts unknown volume " + mount.getName());
            }
            if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
                source = source.resolve(mount.getSubPath());
            }
            mounts.add(new BindMount(source, Path.of(mount.getMountPath()), Boolean.TRUE.equals(mount.getReadOnly())));
        }
        return mounts;
    }

    private Path materialize(Pod pod, Volume volume, Path directory) {
        String namespace = pod.getMetadata().getNamespace();
        if (volume.getHostPath() != null) {
            return hostPath(volume.getHostPath().getPath(), volume.getHostPath().getType());
        }
        mkdirs(directory);
        if (volume.getEmptyDir() != null) {
            return directory;
        }
        if (volume.getConfigMap() != null) {
            ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(volume.getConfigMap().getName()).get();
            if (configMap == null) {
                if (Boolean.TRUE.equals(volume.getConfigMap().getOptional())) {
                    return directory;
                }
                throw new IllegalStateException("configmap " + namespace + "/" + volume.getConfigMap().getName() + " not found");
            }
            writeKeys(directory, stringData(configMap), volume.getConfigMap().getItems());
            return directory;
        }
        if (volume.getSecret() != null) {
            Secret secret = client.secrets().inNamespace(namespace).withName(volume.getSecret().getSecretName()).get();
            if (secret == null) {
                if (Boolean.TRUE.equals(volume.getSecret().getOptional())) {
                    return directory;
                }
                throw new IllegalStateException("secret " + namespace + "/" + volume.getSecret().getSecretName() + " not found");
            }
            writeKeys(directory, secretData(secret), volume.getSecret().getItems());
            return directory;
        }
        if (volume.getProjected() != null) {
            for (VolumeProjection source : volume.getProjected().getSources()) {
                project(pod, source, directory);
            }
            return directory;
        }
        if (volume.getDownwardAPI() != null) {
            for (DownwardAPIVolumeFile file : volume.getDownwardAPI().getItems()) {
                write(directory.resolve(file.getPath()), fieldValue(pod, file.getFieldRef()));
            }
            return directory;
        }
        throw new IllegalStateException("volume " + volume.getName() + " has a kind this fake kubelet does not support");
    }

    private void project(Pod pod, VolumeProjection source, Path directory) {
        String namespace = pod.getMetadata().getNamespace();
        if (source.getServiceAccountToken() != null) {
            ServiceAccountTokenProjection projection = source.getServiceAccountToken();
            TokenRequestBuilder request = new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(projection.getExpirationSeconds() == null
                            ? DEFAULT_TOKEN_SECONDS : projection.getExpirationSeconds())
                    .withNewBoundObjectRef()
                    .withApiVersion("v1").withKind("Pod")
                    .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid())
                    .endBoundObjectRef()
                    .endSpec();
            if (projection.getAudience() != null && !projection.getAudience().isEmpty()) {
                request.editSpec().withAudiences(projection.getAudience()).endSpec();
            }
            String account = pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
            TokenRequest token = client.serviceAccounts().inNamespace(namespace).withName(account)
                    .tokenRequest(request.build());
            write(directory.resolve(projection.getPath()), token.getStatus().getToken());
        } else if (source.getConfigMap() != null) {
            ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(source.getConfigMap().getName()).get();
            if (configMap == null) {
                throw new IllegalStateException("configmap " + namespace + "/" + source.getConfigMap().getName() + " not found yet");
            }
            writeKeys(directory, stringData(configMap), source.getConfigMap().getItems());
        } else if (source.getSecret() != null) {
            Secret secret = client.secrets().inNamespace(namespace).withName(source.getSecret().getName()).get();
            if (secret == null) {
                throw new IllegalStateException("secret " + namespace + "/" + source.getSecret().getName() + " not found");
            }
            writeKeys(directory, secretData(secret), source.getSecret().getItems());
        } else if (source.getDownwardAPI() != null) {
            for (DownwardAPIVolumeFile file : source.getDownwardAPI().getItems()) {
                write(directory.resolve(file.getPath()), fieldValue(pod, file.getFieldRef()));
            }
        }
    }

    private Path hostPath(String path, String type) {
        Path host = Path.of(path);
        if (REAL_HOST_PATHS.stream().anyMatch(path::startsWith)) {
            return host;
        }
        Path onNodeDisk = nodeDisk.resolve(path.replaceFirst("^/+", ""));
        if ("DirectoryOrCreate".equals(type) || type == null || type.isEmpty() || "Directory".equals(type)) {
            mkdirs(onNodeDisk);
        }
        return onNodeDisk;
    }

    /** A downward API field of the pod, as the kubelet resolves it. */
    static String fieldValue(Pod pod, ObjectFieldSelector field) {
        String path = field.getFieldPath();
        return switch (path) {
            case "metadata.name" -> pod.getMetadata().getName();
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "metadata.uid" -> pod.getMetadata().getUid();
            case "spec.nodeName" -> pod.getSpec().getNodeName();
            case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
            case "status.hostIP", "status.podIP" -> FakeKubelet.NODE_IP;
            default -> {
                if (path.startsWith("metadata.labels['")) {
                    yield pod.getMetadata().getLabels().getOrDefault(path.substring(17, path.length() - 2), "");
                }
                if (path.startsWith("metadata.annotations['")) {
                    yield pod.getMetadata().getAnnotations().getOrDefault(path.substring(22, path.length() - 2), "");
                }
                throw new IllegalArgumentException("downward API field " + path + " is not supported here");
            }
        };
    }

    private static Map<String, String> stringData(ConfigMap configMap) {
        return configMap.getData() == null ? Map.of() : configMap.getData();
    }

    private static Map<String, String> secretData(Secret secret) {
        Map<String, String> data = new java.util.HashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            data.putAll(secret.getStringData());
        }
        return data;
    }

    private static void writeKeys(Path directory, Map<String, String> data, List<KeyToPath> items) {
        if (items == null || items.isEmpty()) {
            data.forEach((key, value) -> write(directory.resolve(key), value));
            return;
        }
        for (KeyToPath item : items) {
            String value = data.get(item.getKey());
            if (value == null) {
                throw new IllegalStateException("key " + item.getKey() + " missing for volume file " + item.getPath());
            }
            write(directory.resolve(item.getPath()), value);
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write volume file " + file, e);
        }
    }

    private static void mkdirs(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
    }
}
