package dev.scorch.collector.kubernetes;

import dev.scorch.collector.json.JsonLimits;
import dev.scorch.collector.json.JsonParseException;
import dev.scorch.collector.json.JsonReader;
import dev.scorch.collector.json.JsonValue;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * How the collector reads the API server's JSON: the bounds any answer must keep (a broken proxy
 * or a hostile server gets its answer refused, never the collector's heap), and the message of a
 * failure's Status object.
 */
final class ApiDocuments {

    /**
     * A list page or one watch event. Real ones are far smaller: etcd refuses objects over
     * 1.5 MiB, a node runs at most a few hundred pods (110 by default), and an object nests some
     * 20 levels (managedFields mirror its structure). The value bound keeps a hostile document of
     * empty objects, which costs some 40 times its bytes as a tree, to about 16 MiB of heap.
     */
    static final JsonLimits LIMITS = new JsonLimits(64, 2 << 20, 8 << 20, 250_000);

    private ApiDocuments() {}

    /** The one JSON document in an answer's body. */
    static JsonValue parse(String method, String path, byte[] body) throws KubernetesException {
        try {
            return JsonReader.parse(body, LIMITS);
        } catch (JsonParseException e) {
            throw new KubernetesException(method + " " + path + ": the API server's answer is not usable JSON: " + e.getMessage(), e);
        }
    }

    /** Watch events, one at a time, as they arrive on the connection. */
    static JsonReader events(InputStream stream) {
        return JsonReader.streaming(stream, LIMITS);
    }

    /** The {@code message} of a Status body, which says what is wrong (e.g. which RBAC rule is missing); else the body's start. */
    static String statusMessage(byte[] body) {
        try {
            String message = JsonReader.parse(body, LIMITS).member("message").stringOr(null);
            if (message != null) {
                return message;
            }
        } catch (JsonParseException notJson) {
            // a proxy's HTML error page, say: its start is the best description there is
        }
        return new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
    }
}
