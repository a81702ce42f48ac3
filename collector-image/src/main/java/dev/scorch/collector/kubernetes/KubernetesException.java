package dev.scorch.collector.kubernetes;

/** A Kubernetes API call failed; the message names the call and the API server's reason. */
public final class KubernetesException extends Exception {

    private final int status;

    public KubernetesException(String message) {
        super(message);
        this.status = 0;
    }

    public KubernetesException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    public KubernetesException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The HTTP status, 0 when the request did not get an answer. */
    public int status() {
        return status;
    }
}
