package dev.scorch.collector.flamegraph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium (Debian's package, hack/install-chromium.sh) driven through the Chrome
 * DevTools protocol over its WebSocket: navigate, evaluate script in the page, dispatch real mouse
 * and keyboard input, take screenshots. One page; not thread-safe.
 */
final class Chromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://[^\\s]+)");
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private Chromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    /** Starts Chromium with a fresh profile in {@code profileDir} and attaches to its first page. */
    static Chromium start(Path executable, Path profileDir) throws Exception {
        Process process = new ProcessBuilder(executable.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1400,900",
                "--user-data-dir=" + profileDir, "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String browserUrl = null;
        BufferedReader stderr = process.errorReader();
        for (String line = stderr.readLine(); line != null; line = stderr.readLine()) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                browserUrl = m.group(1);
                break;
            }
        }
        if (browserUrl == null) {
            process.destroyForcibly();
            throw new IOException("Chromium exited without opening its DevTools port");
        }
        Thread.ofVirtual().start(() -> stderr.lines().forEach(line -> {}));
        URI browser = URI.create(browserUrl);
        HttpClient http = HttpClient.newHttpClient();
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://" + browser.getAuthority() + "/json/list"))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
        String pageUrl = null;
        for (JsonNode target : targets) {
            if (target.path("type").asText().equals("page")) {
                pageUrl = target.path("webSocketDebuggerUrl").asText();
                break;
            }
        }
        if (pageUrl == null) {
            process.destroyForcibly();
            throw new IOException("Chromium has no page to attach to: " + targets);
        }
        var holder = new CompletableFuture<Chromium>();
        var listener = new Listener(holder);
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), listener).get(30, TimeUnit.SECONDS);
        Chromium chromium = new Chromium(process, socket);
        holder.complete(chromium);
        return chromium;
    }

    /** Sends one DevTools command and returns its result. */
    JsonNode call(String method, Map<String, ?> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        socket.sendText(JSON.writeValueAsString(message), true).get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        JsonNode reply = answer.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (reply.has("error")) {
            throw new IOException(method + " failed: " + reply.get("error"));
        }
        return reply.path("result");
    }

    /** Opens {@code url} and waits until the page has loaded and run its scripts. */
    void open(String url) throws Exception {
        awaitNewDocument(() -> call("Page.navigate", Map.of("url", url)));
    }

    /** Loads the current address again, as the reload button does. */
    void reload() throws Exception {
        awaitNewDocument(() -> call("Page.reload", Map.of()));
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs {@code navigation} and waits for a new document (the old one's marker gone) to finish loading. */
    private void awaitNewDocument(Step navigation) throws Exception {
        evaluate("window.__previousDocument = true");
        navigation.run();
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (!evaluate("!window.__previousDocument && document.readyState === 'complete'").asBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("no new document loaded");
            }
            Thread.sleep(50);
        }
    }

    /** The value of a script expression evaluated in the page. */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new IOException("script failed: " + expression + ": " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** A real left click at page coordinates (CSS pixels). */
    void click(double x, double y) throws Exception {
        mouse("mouseMoved", x, y, 0);
        mouse("mousePressed", x, y, 1);
        mouse("mouseReleased", x, y, 1);
    }

    /** The pointer moved to page coordinates. */
    void hover(double x, double y) throws Exception {
        mouse("mouseMoved", x, y, 0);
    }

    private void mouse(String type, double x, double y, int clicks) throws Exception {
        call("Input.dispatchMouseEvent", Map.of("type", type, "x", x, "y", y, "button", clicks > 0 ? "left" : "none",
                "clickCount", clicks));
    }

    /** Types text into the focused element as keyboard input would. */
    void type(String text) throws Exception {
        call("Input.insertText", Map.of("text", text));
    }

    /** A PNG of the viewport. */
    void screenshot(Path file) throws Exception {
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png"));
        Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
    }

    /**
     * Stops the browser and its helper processes (zygote, renderer, GPU, crash handler): they write
     * into the profile directory until they exit, and outliving the browser they made a test's
     * temporary directory fail to delete.
     */
    @Override
    public void close() throws Exception {
        socket.abort();
        List<ProcessHandle> helpers = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle helper : helpers) {
            helper.destroyForcibly();
        }
        for (ProcessHandle helper : helpers) {
            try {
                helper.onExit().get(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("Chromium helper process " + helper.pid() + " did not exit within 10 s of SIGKILL", e);
            }
        }
    }

    /** Collects WebSocket text frames into messages and completes the command each answers. */
    private static final class Listener implements WebSocket.Listener {
        private final CompletableFuture<Chromium> owner;
        private final StringBuilder partial = new StringBuilder();

        Listener(CompletableFuture<Chromium> owner) {
            this.owner = owner;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode message = JSON.readTree(text);
                    if (message.has("id")) {
                        CompletableFuture<JsonNode> answer = owner.join().pending.remove(message.get("id").asInt());
                        if (answer != null) {
                            answer.complete(message);
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("unreadable DevTools message: " + text, e);
                }
            }
            socket.request(1);
            return null;
        }
    }
}
