package dev.scorch.operator.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.scorch.operator.OperatorSettings;
import dev.scorch.operator.api.v1alpha1.Backend;
import dev.scorch.operator.api.v1alpha1.Export;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ConfigMap scorch-<policy> holding {@code collector.json} in the shape docs/contracts.md fixes.
 * The JSON is deterministic (fixed field order, sorted maps), so its hash changes only when the
 * collector's configuration does.
 */
public final class CollectorConfig {
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

    private CollectorConfig() {}

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
        ProfilingPolicySpec spec = policy.getSpec();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("policy", policy.getMetadata().getName());
        root.put("sampling", ordered(
                "frequencyHz", spec.sampling().frequencyHz(),
                "kernelStacks", spec.sampling().kernelStacks()));
        TargetSelection targets = spec.targets() != null ? spec.targets() : new TargetSelection(null, null, null);
        root.put("targets", ordered(
                "namespaceSelector", selector(targets.namespaceSelector()),
                "podSelector", selector(targets.podSelector()),
                "hostProcesses", targets.hostProcesses()));
        Export export = spec.export();
        List<Object> backends = new ArrayList<>();
        for (Backend backend : export.backends()) {
            backends.add(backend(backend));
        }
        root.put("export", ordered(
                "intervalSeconds", intervalSeconds(export.interval()),
                "labels", new TreeMap<>(export.labels()),
                "spool", ordered(
                        "directory", SPOOL_DIRECTORY,
                        "maxBytes", Quantity.getAmountInBytes(export.spool().maxBytes()).longValue()),
                "backends", backends));
        root.put("health", ordered("port", HEALTH_PORT, "statusUpdateSeconds", statusUpdateSeconds));
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("collector.json of policy " + policy.getMetadata().getName(), e);
        }
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

    private static Map<String, Object> backend(Backend backend) {
        String dir = secretDirectory(backend);
        Map<String, Object> kind;
        if (backend.pyroscope() != null) {
            PyroscopeBackend p = backend.pyroscope();
            kind = ordered(
                    "url", p.url(),
                    "tenantId", p.tenantId(),
                    "basicAuth", p.basicAuthSecretRef() == null ? null : ordered(
                            "usernameFile", dir + "/" + USERNAME_FILE,
                            "passwordFile", dir + "/" + PASSWORD_FILE),
                    "bearerTokenFile", tokenFile(dir, p.bearerTokenSecretRef()),
                    "tls", tls(dir, p.tls()));
        } else if (backend.parca() != null) {
            ParcaBackend p = backend.parca();
            kind = ordered(
                    "address", p.address(),
                    "insecure", p.insecure(),
                    "bearerTokenFile", tokenFile(dir, p.bearerTokenSecretRef()),
                    "tls", tls(dir, p.tls()));
        } else {
            OtlpBackend o = backend.otlp();
            kind = ordered(
                    "endpoint", o.endpoint(),
                    "headers", new TreeMap<>(o.headers()),
                    "bearerTokenFile", tokenFile(dir, o.bearerTokenSecretRef()),
                    "tls", tls(dir, o.tls()));
        }
        return ordered("name", backend.name(), backend.kind(), kind);
    }

    private static String tokenFile(String dir, SecretKeyReference ref) {
        return ref == null ? null : dir + "/" + TOKEN_FILE;
    }

    private static Map<String, Object> tls(String dir, TlsSettings tls) {
        TlsSettings t = tls != null ? tls : new TlsSettings(null, null);
        return ordered(
                "caFile", t.caSecretRef() == null ? null : dir + "/" + CA_FILE,
                "insecureSkipVerify", t.insecureSkipVerify());
    }

    private static Map<String, Object> selector(LabelSelector selector) {
        Map<String, String> labels = selector == null || selector.getMatchLabels() == null
                ? Map.of() : selector.getMatchLabels();
        List<Object> expressions = new ArrayList<>();
        if (selector != null && selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                expressions.add(ordered(
                        "key", r.getKey(),
                        "operator", r.getOperator(),
                        "values", r.getValues() == null ? List.of() : r.getValues()));
            }
        }
        return ordered("matchLabels", new TreeMap<>(labels), "matchExpressions", expressions);
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
