package dev.scorch.collector.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a local copy of one kind of object current: list, then watch from the list's
 * resourceVersion, following bookmarks; on 410 Gone list again; on any other failure reconnect
 * with exponential backoff and jitter. Runs on its own virtual thread until closed.
 */
public final class ListWatch implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ListWatch.class.getName());

    /** The API server ends a watch after this; we then resume from the last resourceVersion. */
    static final int WATCH_SECONDS = 300;

    private static final Duration MIN_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** What the list and the watch events mean to the owner of the copy. */
    public interface Handler {

        /** The complete set after a (re)list; objects not in it are gone. */
        void replaceAll(List<JsonNode> objects);

        /** One watch event: ADDED, MODIFIED or DELETED. */
        void apply(String type, JsonNode object);
    }

    private final ApiServer api;
    private final String path;
    private final String selectorQuery;
    private final Handler handler;
    private final int watchSeconds;
    /** No byte (not even a bookmark) for this long after the server's own timeout: the connection is dead. */
    private final Duration stall;
    private final CountDownLatch synced = new CountDownLatch(1);
    private final Thread thread;
    private final Thread watchdog;
    private volatile boolean closed;
    private volatile InputStream stream;
    private volatile long lastActivityNanos = System.nanoTime();

    /**
     * @param path collection path, e.g. {@code /api/v1/pods}
     * @param fieldSelector e.g. {@code spec.nodeName=node-1}, or null for everything
     */
    public ListWatch(ApiServer api, String path, String fieldSelector, Handler handler) {
        this(api, path, fieldSelector, handler, WATCH_SECONDS);
    }

    /** @param watchSeconds how long each watch request lasts before it is resumed */
    ListWatch(ApiServer api, String path, String fieldSelector, Handler handler, int watchSeconds) {
        this.api = api;
        this.watchSeconds = watchSeconds;
        this.stall = Duration.ofSeconds(watchSeconds + 60L);
        this.path = path;
        this.selectorQuery = fieldSelector == null ? "" : "&fieldSelector=" + URLEncoder.encode(fieldSelector, StandardCharsets.UTF_8);
        this.handler = handler;
        this.thread = Thread.ofVirtual().name("watch " + path).unstarted(this::run);
        this.watchdog = Thread.ofVirtual().name("watchdog " + path).unstarted(this::guardAgainstStalls);
    }

    public ListWatch start() {
        thread.start();
        watchdog.start();
        return this;
    }

    /** Waits for the first complete list; false on timeout. */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        return synced.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean synced() {
        return synced.getCount() == 0;
    }

    private void run() {
        Duration backoff = MIN_BACKOFF;
        while (!closed) {
            try {
                String resourceVersion = list();
                backoff = MIN_BACKOFF;
                while (!closed) {
                    resourceVersion = watch(resourceVersion);
                }
            } catch (ResourceVersionGone e) {
                LOG.log(Level.DEBUG, "watch of {0}: resourceVersion expired, listing again", path);
            } catch (InterruptedException e) {
                return;
            } catch (KubernetesException | IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.log(Level.WARNING, "watch of {0} failed, retrying in {1} ms: {2}", path, Long.toString(backoff.toMillis()), e.getMessage());
                try {
                    Thread.sleep(backoff.toMillis() + ThreadLocalRandom.current().nextLong(backoff.toMillis() / 2 + 1));
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private String list() throws KubernetesException, InterruptedException {
        JsonNode list = api.get(path + "?resourceVersion=0" + selectorQuery);
        List<JsonNode> items = new ArrayList<>();
        list.path("items").forEach(items::add);
        handler.replaceAll(items);
        synced.countDown();
        return list.path("metadata").path("resourceVersion").asText("");
    }

    /** Follows one watch connection to its end; returns the resourceVersion to resume from. */
    private String watch(String resourceVersion) throws KubernetesException, InterruptedException, IOException {
        String query = "?watch=1&allowWatchBookmarks=true&timeoutSeconds=" + watchSeconds
                + "&resourceVersion=" + URLEncoder.encode(resourceVersion, StandardCharsets.UTF_8) + selectorQuery;
        InputStream in;
        try {
            in = api.watch(path + query);
        } catch (KubernetesException e) {
            if (e.status() == 410) {
                throw new ResourceVersionGone();
            }
            throw e;
        }
        stream = in;
        lastActivityNanos = System.nanoTime();
        String current = resourceVersion;
        try (in; MappingIterator<JsonNode> events = ApiServer.JSON.readerFor(JsonNode.class).readValues(in)) {
            while (!closed && events.hasNextValue()) {
                lastActivityNanos = System.nanoTime();
                JsonNode event = events.nextValue();
                String type = event.path("type").asText();
                JsonNode object = event.path("object");
                if (type.equals("ERROR")) {
                    if (object.path("code").asInt() == 410) {
                        throw new ResourceVersionGone();
                    }
                    throw new KubernetesException("watch of " + path + ": " + object.path("message").asText("error event"));
                }
                String next = object.path("metadata").path("resourceVersion").asText("");
                if (!next.isEmpty()) {
                    current = next;
                }
                if (!type.equals("BOOKMARK")) {
                    handler.apply(type, object);
                }
            }
        } finally {
            stream = null;
        }
        return current;
    }

    private void guardAgainstStalls() {
        while (!closed) {
            try {
                Thread.sleep(15_000);
            } catch (InterruptedException e) {
                return;
            }
            InputStream current = stream;
            if (current != null && System.nanoTime() - lastActivityNanos > stall.toNanos()) {
                LOG.log(Level.WARNING, "watch of {0} stalled for {1} s, reconnecting", path, Long.toString(stall.toSeconds()));
                closeQuietly(current);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        InputStream current = stream;
        if (current != null) {
            closeQuietly(current);
        }
        thread.interrupt();
        watchdog.interrupt();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // Closing only unblocks the reader; there is nothing left to save.
        }
    }

    /** The watch's resourceVersion is too old: list again. */
    private static final class ResourceVersionGone extends RuntimeException {
        ResourceVersionGone() {
            super(null, null, false, false);
        }
    }
}
