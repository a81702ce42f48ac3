package dev.scorch.operator.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.Backend;
import dev.scorch.operator.api.v1alpha1.Export;
import dev.scorch.operator.api.v1alpha1.NodePlacement;
import dev.scorch.operator.api.v1alpha1.OtlpBackend;
import dev.scorch.operator.api.v1alpha1.ParcaBackend;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicy;
import dev.scorch.operator.api.v1alpha1.ProfilingPolicySpec;
import dev.scorch.operator.api.v1alpha1.PyroscopeBackend;
import dev.scorch.operator.api.v1alpha1.SecretKeyReference;
import dev.scorch.operator.api.v1alpha1.TargetSelection;
import dev.scorch.operator.api.v1alpha1.TlsSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ConfigMap scorch-collector holding {@code collector.json} ({@link CollectorJson},
 * docs/contracts.md) with one section per policy served, sorted by name. The JSON is deterministic
 * (fixed field order, sorted maps), so it changes only when some policy's configuration does; the
 * collectors re-read it in place.
 */
public final class CollectorConfigMap {
    public static final String KEY = "collector.json";
    public static final String MOUNT_DIRECTORY = "/etc/scorch/config";
    public static final String PATH = MOUNT_DIRECTORY + "/" + KEY;
    public static final String SPOOL_DIRECTORY = "/var/lib/scorch/spool";
    public static final int HEALTH_PORT = 8080;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern DURATION_PART = Pattern.compile("([0-9]+)([smh])");

    private CollectorConfigMap() {}

    /** The ConfigMap serving {@code policies} (the non-suspended, valid ones). */
    public static ConfigMap desired(List<ProfilingPolicy> policies, OperatorSettings settings) {
        return new ConfigMapBuilder()
                .withMetadata(Owned.metadata(policies, CollectorLabels.OBJECT_NAME, settings.namespace()))
                .withData(Map.of(KEY, render(policies, settings.collectorStatusUpdateSeconds())))
                .build();
    }

    /** The collector.json text for {@code policy} alone, with the default status refresh. */
    public static String render(ProfilingPolicy policy) {
        return render(List.of(policy), OperatorSettings.DEFAULT_COLLECTOR_STATUS_UPDATE_SECONDS);
    }

    /** The collector.json text for {@code policies}, sorted by name. */
    public static String render(List<ProfilingPolicy> policies, int statusUpdateSeconds) {
        return render(new CollectorJson(new CollectorJson.Health(HEALTH_PORT, statusUpdateSeconds), new CollectorJson.Spool(SPOOL_DIRECTORY),
                policies.stream().sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName()))
                        .map(CollectorConfigMap::section).toList()));
    }

    /** The text of {@code document}. */
    public static String render(CollectorJson document) {
        try {
            return JSON.writeValueAsString(document) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("collector.json of policies "
                    + document.policies().stream().map(CollectorJson.Policy::name).toList(), e);
        }
    }

    /** The section of {@code policy} in collector.json. */
    static CollectorJson.Policy section(ProfilingPolicy policy) {
        ProfilingPolicySpec spec = policy.getSpec();
        NodePlacement nodes = spec.nodes() != null ? spec.nodes() : new NodePlacement(null, null);
        TargetSelection targets = spec.targets() != null ? spec.targets() : new TargetSelection(null, null, null);
        Export export = spec.export();
        return new CollectorJson.Policy(
                policy.getMetadata().getName(),
                new CollectorJson.Nodes(selector(nodes.selector()), tolerations(nodes.tolerations())),
                new CollectorJson.Sampling(spec.sampling().frequencyHz(), spec.sampling().kernelStacks(), spec.sampling().jvmSymbols()),
                new CollectorJson.Targets(selector(targets.namespaceSelector()), selector(targets.podSelector()), targets.hostProcesses()),
                new CollectorJson.Export(intervalSeconds(export.interval()), new TreeMap<>(export.labels()),
                        new CollectorJson.PolicySpool(Quantity.getAmountInBytes(export.spool().maxBytes()).longValue()),
                        export.backends().stream().map(backend -> backend(policy.getMetadata().getName(), backend)).toList()),
                PullAndTriggerSections.pull(spec.pull()),
                PullAndTriggerSections.triggers(spec.triggers()));
    }

    /** Seconds in a duration the CRD admitted (digits followed by s, m or h, repeated). */
    static long intervalSeconds(String interval) {
        Matcher part = DURATION_PART.matcher(interval);
        Duration total = Duration.ZERO;
        while (part.find()) {
            long amount = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            });
        }
        return total.toSeconds();
    }

    /** A backend's section; its credentials are files of the credentials Secret ({@link CollectorCredentials}). */
    private static CollectorJson.Backend backend(String policy, Backend backend) {
        if (backend.pyroscope() != null) {
            PyroscopeBackend p = backend.pyroscope();
            return new CollectorJson.Backend(backend.name(), new CollectorJson.Pyroscope(p.url(), p.tenantId(),
                    p.basicAuthSecretRef() == null ? null
                            : new CollectorJson.BasicAuth(CollectorCredentials.path(policy, backend, CollectorCredentials.USERNAME_FILE),
                                    CollectorCredentials.path(policy, backend, CollectorCredentials.PASSWORD_FILE)),
                    tokenFile(policy, backend, p.bearerTokenSecretRef()), tls(policy, backend, p.tls())), null, null);
        }
        if (backend.parca() != null) {
            ParcaBackend p = backend.parca();
            return new CollectorJson.Backend(backend.name(), null, new CollectorJson.Parca(p.address(), p.insecure(),
                    tokenFile(policy, backend, p.bearerTokenSecretRef()), tls(policy, backend, p.tls())), null);
        }
        OtlpBackend o = backend.otlp();
        return new CollectorJson.Backend(backend.name(), null, null, new CollectorJson.Otlp(o.endpoint(), new TreeMap<>(o.headers()),
                tokenFile(policy, backend, o.bearerTokenSecretRef()), tls(policy, backend, o.tls())));
    }

    private static String tokenFile(String policy, Backend backend, SecretKeyReference ref) {
        return ref == null ? null : CollectorCredentials.path(policy, backend, CollectorCredentials.TOKEN_FILE);
    }

    private static CollectorJson.Tls tls(String policy, Backend backend, TlsSettings tls) {
        TlsSettings t = tls != null ? tls : new TlsSettings(null, null);
        return new CollectorJson.Tls(t.caSecretRef() == null ? null
                : CollectorCredentials.path(policy, backend, CollectorCredentials.CA_FILE), t.insecureSkipVerify());
    }

    private static CollectorJson.Selector selector(LabelSelector selector) {
        Map<String, String> labels = selector == null || selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        List<CollectorJson.Requirement> expressions = new ArrayList<>();
        if (selector != null && selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                expressions.add(new CollectorJson.Requirement(r.getKey(), r.getOperator(), r.getValues() == null ? List.of() : r.getValues()));
            }
        }
        return new CollectorJson.Selector(new TreeMap<>(labels), expressions);
    }

    private static List<CollectorJson.Toleration> tolerations(List<Toleration> tolerations) {
        if (tolerations == null) {
            return List.of();
        }
        return tolerations.stream().map(t -> new CollectorJson.Toleration(Objects.toString(t.getKey(), ""),
                Objects.toString(t.getOperator(), ""), Objects.toString(t.getValue(), ""), Objects.toString(t.getEffect(), ""))).toList();
    }
}
