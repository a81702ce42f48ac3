package dev.scorch.bench.operator;

import dev.scorch.testenv.AuditEvent;
import dev.scorch.testenv.AuditLog;
import dev.scorch.testenv.ControlPlane;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What the audit log says a controller asked of the API server in a window. */
final class AuditedRequests {

    private AuditedRequests() {
    }

    /**
     * The requests {@code user} made in [from, to) by verb and resource, each count divided by
     * {@code per}, and how its status writes spread over the objects.
     */
    static String perApply(List<AuditEvent> audited, String user, Instant from, Instant to, int per) {
        List<AuditEvent> mine = within(audited, from, to).stream().filter(event -> user.equals(event.effectiveUser())).toList();
        Map<String, String> perApply = new TreeMap<>();
        byRequest(mine).forEach((request, count) -> perApply.put(request, String.format("%.2f", (double) count / per)));
        Map<String, Long> statusWritesByObject = mine.stream()
                .filter(event -> event.isWrite() && "status".equals(event.subresource()))
                .collect(Collectors.groupingBy(AuditEvent::name, TreeMap::new, Collectors.counting()));
        return perApply + "; status writes: " + statusWritesByObject.values().stream().mapToLong(Long::longValue).sum()
                + " to " + statusWritesByObject.size() + " policies, most to one "
                + statusWritesByObject.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /**
     * The requests of the operator, the controller manager and the scheduler during
     * {@code idleSeconds} of a steady cluster, after 15 s for what is under way to settle.
     */
    static String whileIdle(Path auditLog, int idleSeconds) throws InterruptedException {
        Thread.sleep(Duration.ofSeconds(15));
        Instant from = Instant.now();
        Thread.sleep(Duration.ofSeconds(idleSeconds));
        List<AuditEvent> window = within(AuditLog.read(auditLog), from, Instant.now());
        StringBuilder report = new StringBuilder("idle requests in " + idleSeconds + " s of a steady cluster (audit log):");
        for (String user : List.of(PackagedOperator.USER, ControlPlane.CONTROLLER_MANAGER_USER, ControlPlane.SCHEDULER_USER)) {
            List<AuditEvent> mine = window.stream().filter(event -> user.equals(event.effectiveUser())).toList();
            report.append("\n  ").append(user.equals(PackagedOperator.USER) ? "operator" : "anchor, " + user).append(": ")
                    .append(mine.size()).append(" requests, ").append(mine.stream().filter(AuditEvent::isWrite).count())
                    .append(" writes ").append(byRequest(mine));
        }
        return report.toString();
    }

    private static List<AuditEvent> within(List<AuditEvent> audited, Instant from, Instant to) {
        return audited.stream().filter(event -> !event.received().isBefore(from) && event.received().isBefore(to)).toList();
    }

    private static Map<String, Long> byRequest(List<AuditEvent> events) {
        return events.stream().collect(Collectors.groupingBy(
                event -> event.verb() + " " + event.resource() + (event.subresource() == null ? "" : "/" + event.subresource()),
                TreeMap::new, Collectors.counting()));
    }
}
