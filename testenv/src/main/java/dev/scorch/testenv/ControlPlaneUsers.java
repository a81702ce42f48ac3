package dev.scorch.testenv;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/**
 * The control plane's own users ({@link ControlPlane#ADMIN_USER}, the controller manager's, the
 * scheduler's, kwok's), each with a static bearer token of its own and all in {@code
 * system:masters}, and the kubeconfigs that authenticate with a token.
 */
final class ControlPlaneUsers {

    private final Map<String, String> tokens = Map.of(
            ControlPlane.ADMIN_USER, UUID.randomUUID().toString(),
            ControlPlane.CONTROLLER_MANAGER_USER, UUID.randomUUID().toString(),
            ControlPlane.SCHEDULER_USER, UUID.randomUUID().toString(),
            ControlPlane.KWOK_USER, UUID.randomUUID().toString());

    /** The token of one of these users. */
    String token(String user) {
        String token = tokens.get(user);
        if (token == null) {
            throw new IllegalArgumentException("no token for user " + user + "; known users: " + tokens.keySet());
        }
        return token;
    }

    /** kube-apiserver's {@code --token-auth-file}: {@code token,user,uid,"groups"} per line. */
    String tokenFile() {
        StringBuilder csv = new StringBuilder();
        tokens.forEach((user, token) -> csv.append(token).append(',').append(user).append(',').append(user)
                .append(",\"system:masters\"\n"));
        return csv.toString();
    }

    /** A kubeconfig that reaches {@code server}, trusting {@code caPem}, as {@code user} with {@code token}. */
    static String kubeconfig(String server, String caPem, String user, String token) {
        String ca = Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8));
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: scorch-testenv
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: %s
                  user:
                    token: %s
                contexts:
                - name: scorch-testenv
                  context:
                    cluster: scorch-testenv
                    user: %s
                current-context: scorch-testenv
                """.formatted(server, ca, user, token, user);
    }
}
