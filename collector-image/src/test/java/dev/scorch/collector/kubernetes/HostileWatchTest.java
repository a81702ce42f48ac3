package dev.scorch.collector.kubernetes;

import static dev.scorch.collector.kubernetes.CollectorOnApiServerTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.http.ScriptedServer;
import java.net.URI;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * A watch stream that turns hostile (a broken proxy, a compromised server) costs the collector a
 * refused event and a reconnect, never its heap, its stack or its pod cache: the events before the
 * hostile one stay applied and the watch's health says what was refused. Against a scripted
 * loopback server, since a real API server never sends such events.
 */
class HostileWatchTest {

    private static final String CHUNKED_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String LIST = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"5\"},\"items\":["
            + pod("a", "6") + "]}";
    private static final String GOOD_EVENT = "{\"type\":\"ADDED\",\"object\":" + pod("b", "7") + "}\n";

    private static String pod(String uid, String resourceVersion) {
        return "{\"metadata\":{\"uid\":\"" + uid + "\",\"namespace\":\"shop\",\"name\":\"pod-" + uid + "\",\"resourceVersion\":\""
                + resourceVersion + "\"},\"status\":{\"containerStatuses\":[{\"name\":\"app\",\"containerID\":\"containerd://" + uid + "1\"}]}}";
    }

    private static String chunk(String text) {
        return Integer.toHexString(text.length()) + "\r\n" + text + "\r\n";
    }

    /** Lists answer pod a; every watch sends pod b, then {@code hostile} in chunks of 64 KiB, then nothing. */
    private static ScriptedServer server(String hostile) throws Exception {
        return new ScriptedServer(connection -> {
            ScriptedServer.Request request;
            while ((request = connection.read()) != null) {
                if (!request.line().contains("watch=1")) {
                    connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + LIST.length() + "\r\n\r\n" + LIST);
                    continue;
                }
                connection.write(CHUNKED_HEAD + chunk(GOOD_EVENT));
                for (int i = 0; i < hostile.length(); i += 64 << 10) {
                    connection.write(chunk(hostile.substring(i, Math.min(hostile.length(), i + (64 << 10)))));
                }
                Thread.sleep(30_000);
            }
        });
    }

    private static void refusedAndRecovered(String hostile, String refusal) throws Exception {
        PodCache pods = new PodCache(object -> new Workload("Pod", object.member("metadata").member("name").stringOr("")));
        try (ScriptedServer server = server(hostile);
                ListWatch watch = new ListWatch(new ApiServer(URI.create(server.url("").toString()), SSLContext.getDefault(), () -> "token"),
                        "/api/v1/pods", "spec.nodeName=node-a", pods).start()) {
            awaitTrue(() -> watch.health().lastError() != null && watch.health().lastError().contains(refusal),
                    "the watch's health to name the refused event");

            assertThat(pods.byUid("a")).as("the listed pod").isPresent();
            assertThat(pods.byUid("b")).as("the event before the hostile one").isPresent();
            awaitTrue(() -> server.connections() >= 2, "a reconnect after the refused event");
        }
    }

    @Test
    void anEventNestedPastTheBoundIsRefusedAndTheWatchReconnects() throws Exception {
        refusedAndRecovered("{\"type\":\"ADDED\",\"object\":" + "[".repeat(100_000), "nested deeper than 64 levels");
    }

    @Test
    void anEventOfEndlessValuesIsRefusedAndTheWatchReconnects() throws Exception {
        refusedAndRecovered("{\"type\":\"ADDED\",\"object\":[" + "{},".repeat(300_000), "more than 250000 values");
    }

    @Test
    void anEventWithAStringPastTheBoundIsRefusedAndTheWatchReconnects() throws Exception {
        refusedAndRecovered("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"" + "x".repeat(3 << 20), "string longer than 2097152 characters");
    }
}
