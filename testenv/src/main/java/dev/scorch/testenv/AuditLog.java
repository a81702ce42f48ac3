package dev.scorch.testenv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON-lines audit log a {@link ControlPlane} writes when started with
 * {@link ControlPlane.Options#auditedBy(String)}, one {@link AuditEvent} per request (its last
 * recorded stage).
 */
public final class AuditLog {

    /** Logs request metadata of {@code users} only, nothing of anyone else, once per request. */
    public static String policyForUsers(List<String> users) {
        return policyForUsers(users, List.of());
    }

    /**
     * Logs request metadata of {@code users}, and of the creates of {@code creators} (the input a
     * controller reacts to, so that its reaction can be timed from the moment the input was stored),
     * nothing else, once per request.
     */
    public static String policyForUsers(List<String> users, List<String> creators) {
        String createsRule = creators.isEmpty() ? "" : """
                - level: Metadata
                  users: [%s]
                  verbs: ["create"]
                """.formatted(quoted(creators));
        return """
                apiVersion: audit.k8s.io/v1
                kind: Policy
                omitStages: ["RequestReceived"]
                rules:
                - level: Metadata
                  users: [%s]
                %s- level: None
                """.formatted(quoted(users), createsRule);
    }

    private static String quoted(List<String> users) {
        return String.join(", ", users.stream().map(u -> "\"" + u + "\"").toList());
    }

    /** Logs every write (create, update, patch, delete, deletecollection) of anyone, nothing else. */
    public static final String WRITES_POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: [RequestReceived]
            rules:
              - level: Metadata
                verbs: [create, update, patch, delete, deletecollection]
              - level: None
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditLog() {
    }

    /** The requests in {@code log}, each once, in the order they were received. */
    public static List<AuditEvent> read(Path log) {
        Map<String, AuditEvent> byId = new LinkedHashMap<>();
        try (BufferedReader reader = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    AuditEvent event = parse(JSON.readTree(line));
                    byId.put(event.auditId(), event);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read audit log " + log, e);
        }
        List<AuditEvent> events = new ArrayList<>(byId.values());
        events.sort(Comparator.comparing(AuditEvent::received));
        return events;
    }

    /**
     * The writes in {@code log} made as {@code user}, with its own credentials or impersonated, less
     * those to Leases: leader election renews its Lease every few seconds whatever else happens, so
     * those writes say nothing about whether a steady cluster costs a component any work.
     */
    public static long writesBy(Path log, String user) {
        return read(log).stream()
                .filter(AuditEvent::isWrite)
                .filter(event -> user.equals(event.effectiveUser()))
                .filter(event -> !"leases".equals(event.resource()))
                .count();
    }

    private static AuditEvent parse(JsonNode node) {
        JsonNode objectRef = node.path("objectRef");
        return new AuditEvent(
                node.path("auditID").asText(),
                node.path("stage").asText(),
                node.path("verb").asText(),
                node.path("user").path("username").asText(null),
                node.path("impersonatedUser").path("username").asText(null),
                node.path("userAgent").asText(null),
                objectRef.path("resource").asText(null),
                objectRef.path("subresource").asText(null),
                objectRef.path("namespace").asText(null),
                objectRef.path("name").asText(null),
                Instant.parse(node.path("requestReceivedTimestamp").asText()),
                Instant.parse(node.path("stageTimestamp").asText()),
                node.path("responseStatus").path("code").asInt(0));
    }
}
