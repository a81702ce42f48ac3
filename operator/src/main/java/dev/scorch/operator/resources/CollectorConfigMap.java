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
 * The ConfigMap holding {@code collector.json} ({@link CollectorJson}, docs/contracts.md). The JSON
 * is deterministic (fixed field order, sorted maps), so it changes only when the collectors'
 * configuration does.
 */
public final class CollectorConfigMap {
    public static final String KEY = "collector.json";
    public static final String MOUNT_DIRECTORY = "/etc/scorch/config";
    public static final String PATH = MOUNT_DIRECTORY + "/" + KEY;
    public static final String SECRETS_DIRECTORY = "/etc/scorch/secrets";
    public static final String SPOOL_DIRECTORY = "/var/lib/scorch/spool";
    public static final int HEALTH_PORT = 8080;
    /** File names inside a backend's secret directory. */
    public static final String USERNAME_FILE = "username";
    public static final String PASSWORD_FILE = "password";
    public static final String TOKEN_FILE = "token";
    public static final String CA_FILE = "ca.crt";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern DURATION_PART = Pattern.compile("([0-9]+)([smh])");

    private CollectorConfigMap() {}

    public static ConfigMap desired(ProfilingPolicy policy, OperatorSettings settings) {
        return new ConfigMapBuilder()
                .withMetadata(Owned.metadata(policy, CollectorLabels.objectName(policy), settings.namespace()))
                .withData(Map.of(KEY, render(policy, settings.collectorStatusUpdateSeconds())))
                .build();
    }

    /** The collector.json text for {@code policy}, with the default status refresh. */
    public static String render(ProfilingPolicy policy) {
        return render(policy, OperatorSettings.DEFAULT_COLLECTOR_STATUS_UPDATE_SECONDS);
    }

    /** The collector.json text for {@code policy}. */
    public static String render(ProfilingPolicy policy, int statusUpdateSeconds) {
        return render(new CollectorJson(new CollectorJson.Health(HEALTH_PORT, statusUpdateSeconds), new CollectorJson.Spool(SPOOL_DIRECTORY),
                List.of(section(policy))));
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
                        export.backends().stream().map(CollectorConfigMap::backend).toList()),
                PullAndTriggerSections.pull(spec.pull()),
                PullAndTriggerSections.triggers(spec.triggers()));
    }

    /** The directory a backend's secret files are mounted in. */
    public static String secretDirectory(Backend backend) {
        return SECRETS_DIRECTORY + "/" + backend.name();
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

    private static CollectorJson.Backend backend(Backend backend) {
        String dir = secretDirectory(backend);
        if (backend.pyroscope() != null) {
            PyroscopeBackend p = backend.pyroscope();
            return new CollectorJson.Backend(backend.name(), new CollectorJson.Pyroscope(p.url(), p.tenantId(),
                    p.basicAuthSecretRef() == null ? null
                            : new CollectorJson.BasicAuth(dir + "/" + USERNAME_FILE, dir + "/" + PASSWORD_FILE),
                    tokenFile(dir, p.bearerTokenSecretRef()), tls(dir, p.tls())), null, null);
        }
        if (backend.parca() != null) {
            ParcaBackend p = backend.parca();
            return new CollectorJson.Backend(backend.name(), null,
                    new CollectorJson.Parca(p.address(), p.insecure(), tokenFile(dir, p.bearerTokenSecretRef()), tls(dir, p.tls())), null);
        }
        OtlpBackend o = backend.otlp();
        return new CollectorJson.Backend(backend.name(), null, null, new CollectorJson.Otlp(o.endpoint(), new TreeMap<>(o.headers()),
                tokenFile(dir, o.bearerTokenSecretRef()), tls(dir, o.tls())));
    }

    private static String tokenFile(String dir, SecretKeyReference ref) {
        return ref == null ? null : dir + "/" + TOKEN_FILE;
    }

    private static CollectorJson.Tls tls(String dir, TlsSettings tls) {
        TlsSettings t = tls != null ? tls : new TlsSettings(null, null);
        return new CollectorJson.Tls(t.caSecretRef() == null ? null : dir + "/" + CA_FILE, t.insecureSkipVerify());
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
