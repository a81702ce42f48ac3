package dev.scorch.collector.config;

import dev.scorch.collector.attribution.LabelSelector;
import dev.scorch.collector.json.JsonLimits;
import dev.scorch.collector.json.JsonObject;
import dev.scorch.collector.json.JsonParseException;
import dev.scorch.collector.json.JsonReader;
import dev.scorch.collector.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads collector.json ({@link RunConfig}). Unknown fields are ignored (a newer operator may render more); a missing
 * required field or a wrong value is a {@link ConfigException} naming the field.
 */
public final class CollectorConfigParser {

    /** A bigger file is not something the operator rendered. */
    static final int MAX_BYTES = 1 << 20;

    private static final Pattern POLICY_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    /** Where spools live when the file does not say. */
    static final String DEFAULT_SPOOL_ROOT = "/var/lib/scorch/spool";

    /**
     * What the operator renders is a few levels deep and a few kilobytes per policy; these bounds
     * leave it room and refuse what it never renders before it costs the collector anything.
     */
    static final JsonLimits JSON_LIMITS = new JsonLimits(32, 64 << 10, MAX_BYTES, 100_000);

    private final String fileName;

    private CollectorConfigParser(String fileName) {
        this.fileName = fileName;
    }

    /** Parses the file at {@code path}; errors name it by its file name. */
    public static RunConfig read(Path path) throws ConfigException {
        String fileName = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new ConfigException(fileName + ": larger than " + MAX_BYTES + " bytes (" + path + ")");
            }
            return new CollectorConfigParser(fileName).parse(bytes);
        } catch (NoSuchFileException e) {
            throw new ConfigException(fileName + ": " + path + " does not exist (the operator mounts it from ConfigMap scorch-collector)", e);
        } catch (IOException e) {
            throw new ConfigException(fileName + ": cannot read " + path + ": " + e, e);
        }
    }

    /** Parses collector.json content; errors name the file as {@code collector.json}. */
    public static RunConfig parse(String json) throws ConfigException {
        return new CollectorConfigParser("collector.json").parse(json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The {@code health} section of collector.json content that is unusable as a whole, when that
     * section alone is valid: the collector still binds the port its probes are pointed at.
     */
    public static Optional<RunConfig.Health> healthSectionOf(byte[] json) {
        try {
            JsonValue tree = JsonReader.parse(json, JSON_LIMITS);
            if (!(tree instanceof JsonObject)) {
                return Optional.empty();
            }
            return Optional.of(new CollectorConfigParser("collector.json").health(new ConfigNode("collector.json", "", tree).object("health")));
        } catch (JsonParseException | ConfigException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Any other failure of a check (a bug) is a {@link ConfigException} too: a broken file must
     * become {@code ConfigInvalid}, never end the collector.
     */
    private RunConfig parse(byte[] bytes) throws ConfigException {
        try {
            return parseChecked(bytes);
        } catch (RuntimeException e) {
            throw new ConfigException(fileName + ": cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private RunConfig parseChecked(byte[] bytes) throws ConfigException {
        JsonValue tree;
        try {
            tree = JsonReader.parse(bytes, JSON_LIMITS);
        } catch (JsonParseException e) {
            throw new ConfigException(fileName + ": not valid JSON at line " + e.line() + ", column " + e.column()
                    + (e.path().isEmpty() ? "" : " (in " + e.path() + ")") + ": " + e.problem(), e);
        }
        ConfigNode root = new ConfigNode(fileName, "", tree);
        if (!root.isObject()) {
            throw root.error("must be a JSON object");
        }
        Path spoolRoot = root.object("spool").optionalPath("directory").orElse(Path.of(DEFAULT_SPOOL_ROOT));
        RunConfig.Health health = health(root.object("health"));
        List<PolicyConfig> policies = new ArrayList<>();
        List<RunConfig.InvalidPolicy> invalid = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode section : root.list("policies")) {
            String name = policyName(section);
            if (!names.add(name)) {
                throw section.child("name").error("duplicate policy name \"" + name + "\"");
            }
            try {
                policies.add(policy(section, name, spoolRoot));
            } catch (ConfigException e) {
                // One wrong section costs only its own policy: the others keep collecting.
                invalid.add(new RunConfig.InvalidPolicy(name, e.getMessage()));
            }
        }
        return new RunConfig(health, spoolRoot, policies, invalid);
    }

    /** A section's name is needed to report on it at all, so a missing or malformed one fails the file. */
    private static String policyName(ConfigNode section) throws ConfigException {
        if (!section.isObject()) {
            throw section.error("must be an object");
        }
        String name = section.requiredString("name");
        if (name.length() > 253 || !POLICY_NAME.matcher(name).matches()) {
            throw section.child("name").error("must be a Kubernetes object name (lower-case DNS subdomain), was \"" + name + "\"");
        }
        return name;
    }

    private PolicyConfig policy(ConfigNode section, String name, Path spoolRoot) throws ConfigException {
        return new PolicyConfig(name,
                section.optionalObject("nodes", this::nodes).orElse(PolicyConfig.Nodes.EVERY_UNTAINTED_NODE),
                sampling(section.object("sampling")),
                section.optionalObject("targets", this::targets).orElse(PolicyConfig.Targets.EVERY_POD),
                export(section.requiredObject("export"), spoolRoot.resolve(name)),
                section.optionalObject("pull", PullAndTriggerSections::pull),
                section.optionalObject("triggers", PullAndTriggerSections::triggers));
    }

    private PolicyConfig.Nodes nodes(ConfigNode node) throws ConfigException {
        return new PolicyConfig.Nodes(
                node.optionalObject("selector", this::selector).orElse(LabelSelector.EVERYTHING),
                node.objects("tolerations", this::toleration));
    }

    private PolicyConfig.Toleration toleration(ConfigNode node) throws ConfigException {
        String operator = node.stringOrEmpty("operator").isEmpty() ? "Equal" : node.stringOrEmpty("operator");
        if (!operator.equals("Equal") && !operator.equals("Exists")) {
            throw node.child("operator").error("must be Equal or Exists, was \"" + operator + "\"");
        }
        return new PolicyConfig.Toleration(node.stringOrEmpty("key"), operator, node.stringOrEmpty("value"), node.stringOrEmpty("effect"));
    }

    private PolicyConfig.Sampling sampling(ConfigNode node) throws ConfigException {
        return new PolicyConfig.Sampling(
                (int) node.optionalLong("frequencyHz", 19, 1, 1000),
                node.optionalBoolean("kernelStacks", true),
                node.optionalBoolean("jvmSymbols", true));
    }

    private PolicyConfig.Targets targets(ConfigNode node) throws ConfigException {
        return new PolicyConfig.Targets(
                node.optionalObject("namespaceSelector", this::selector).orElse(LabelSelector.EVERYTHING),
                node.optionalObject("podSelector", this::selector).orElse(LabelSelector.EVERYTHING),
                node.optionalBoolean("hostProcesses", false));
    }

    private LabelSelector selector(ConfigNode node) throws ConfigException {
        return new LabelSelector(node.stringMap("matchLabels"), node.objects("matchExpressions", this::requirement));
    }

    private LabelSelector.Requirement requirement(ConfigNode node) throws ConfigException {
        String key = node.requiredString("key");
        String operatorName = node.requiredString("operator");
        LabelSelector.Operator operator;
        try {
            operator = LabelSelector.Operator.valueOf(operatorName);
        } catch (IllegalArgumentException e) {
            throw node.child("operator").error("must be one of In, NotIn, Exists, DoesNotExist, was \"" + operatorName + "\"");
        }
        List<String> values = node.stringList("values");
        boolean needsValues = operator == LabelSelector.Operator.In || operator == LabelSelector.Operator.NotIn;
        if (needsValues && values.isEmpty()) {
            throw node.child("values").error("must not be empty for operator " + operator);
        }
        if (!needsValues && !values.isEmpty()) {
            throw node.child("values").error("must be empty for operator " + operator);
        }
        return new LabelSelector.Requirement(key, operator, values);
    }

    private PolicyConfig.Export export(ConfigNode node, Path spoolDirectory) throws ConfigException {
        Duration interval = Duration.ofSeconds(node.optionalLong("intervalSeconds", 15, 1, 3600));
        PolicyConfig.Spool spoolConfig = new PolicyConfig.Spool(spoolDirectory,
                node.object("spool").optionalLong("maxBytes", 256L << 20, 0, Long.MAX_VALUE));
        List<BackendConfig> backends = node.objects("backends", BackendSections::backend);
        if (backends.isEmpty()) {
            throw node.child("backends").error("required: at least one backend");
        }
        Set<String> names = new HashSet<>();
        List<ConfigNode> items = node.list("backends");
        for (int i = 0; i < backends.size(); i++) {
            if (!names.add(backends.get(i).name())) {
                throw items.get(i).child("name").error("duplicate backend name \"" + backends.get(i).name() + "\"");
            }
        }
        return new PolicyConfig.Export(interval, node.stringMap("labels"), spoolConfig, backends);
    }

    private RunConfig.Health health(ConfigNode node) throws ConfigException {
        return new RunConfig.Health(
                (int) node.optionalLong("port", RunConfig.Health.DEFAULT.port(), 0, 65535),
                Duration.ofSeconds(node.optionalLong("statusUpdateSeconds", RunConfig.Health.DEFAULT.statusUpdateInterval().toSeconds(), 1, 86400)));
    }
}
