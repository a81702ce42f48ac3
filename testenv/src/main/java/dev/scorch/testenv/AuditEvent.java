package dev.scorch.testenv;

import java.time.Instant;

/**
 * One request as kube-apiserver's audit log records it (fields of {@code audit.k8s.io/v1} Event).
 *
 * @param auditId the request's id, shared by all stages of one request
 * @param stage RequestReceived, ResponseStarted (watches), ResponseComplete or Panic
 * @param verb get, list, watch, create, update, patch, delete, deletecollection
 * @param user the authenticated user name
 * @param impersonatedUser the user acted as, or null when not impersonating
 * @param userAgent the client's User-Agent
 * @param resource the resource, e.g. {@code daemonsets}, or null for non-resource URLs
 * @param subresource e.g. {@code status}, or null
 * @param namespace the namespace, or null for cluster-scoped objects
 * @param name the object's name, or null for collections
 * @param received when the API server received the request
 * @param completed when the API server recorded the request's last stage (for ResponseComplete: the
 *     response was written)
 * @param code the HTTP status code, 0 when the stage has none yet
 */
public record AuditEvent(
        String auditId,
        String stage,
        String verb,
        String user,
        String impersonatedUser,
        String userAgent,
        String resource,
        String subresource,
        String namespace,
        String name,
        Instant received,
        Instant completed,
        int code) {

    /** The user whose rights applied: the impersonated one if any, else the authenticated one. */
    public String effectiveUser() {
        return impersonatedUser != null ? impersonatedUser : user;
    }

    /** Whether the request changes state (create, update, patch, delete, deletecollection). */
    public boolean isWrite() {
        return switch (verb) {
            case "create", "update", "patch", "delete", "deletecollection" -> true;
            default -> false;
        };
    }
}
