package dev.scorch.collector.kubernetes;

import dev.scorch.collector.json.JsonReader;
import dev.scorch.collector.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a local copy of one kind of object current: list (in pages of {@code limit}, following
 * {@code continue}), then watch from the list's resourceVersion, following bookmarks; on 410 Gone
 * (the resourceVersion or continue token expired) list again; on any other failure reconnect with
 * exponential backoff and jitter. The first list is served from the API server's watch cache
 * ({@code resourceVersion=0}, cheap when every node's collector starts at once); a list after a
 * 410 is a consistent read, as client-go's reflector does. {@link #health()} says whether the copy
 * is current. Runs on its own virtual thread until closed.
 *
 * <p>One state machine in one file: the list, the watch and the recovery between them share the
 * resourceVersion they hand on and the health they report.
 */
public final class ListWatch implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ListWatch.class.getName());

    /** The API server ends a watch after this; we then resume from the last resourceVersion. */
    static final int WATCH_SECONDS = 300;

    /** Objects per list page: a node's pods fit in one, a cluster's namespaces in a few. */
    static final int PAGE_SIZE = 500;

    private static final Duration MIN_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** What the list and the watch events mean to the owner of the copy. */
    public interface Handler {

        /** The complete set after a (re)list; objects not in it are gone. */
        void replaceAll(List<JsonValue> objects);

        /** One watch event: ADDED, MODIFIED or DELETED. */
        void apply(String type, JsonValue object);
    }

    private final ApiServer api;
    private final String path;
    private final String selectorQuery;
    private final Handler handler;
    private final int watchSeconds;
    private final int pageSize;
    private String resumeFrom;
    /**
     * No byte (not even a bookmark) for this long past the server's own timeout: the connection is
     * dead, and the stream's read fails (its read timeout), so the watch reconnects.
     */
    private final Duration stall;
    private final CountDownLatch synced = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean closed;
    private volatile InputStream stream;
    private volatile Instant failingSince;
    private volatile String lastError;
    private final AtomicLong relists = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong pages = new AtomicLong();

    /**
     * @param path collection path, e.g. {@code /api/v1/pods}
     * @param fieldSelector e.g. {@code spec.nodeName=node-1}, or null for everything
     */
    public ListWatch(ApiServer api, String path, String fieldSelector, Handler handler) {
        this(api, path, fieldSelector, handler, WATCH_SECONDS);
    }

    /** @param watchSeconds how long each watch request lasts before it is resumed */
    ListWatch(ApiServer api, String path, String fieldSelector, Handler handler, int watchSeconds) {
        this(api, path, fieldSelector, handler, watchSeconds, PAGE_SIZE, null);
    }

    /**
     * @param pageSize objects per list page
     * @param resumeFrom a resourceVersion to watch from before any list, as after a lost connection; null: list first
     */
    ListWatch(ApiServer api, String path, String fieldSelector, Handler handler, int watchSeconds, int pageSize, String resumeFrom) {
        this.api = api;
        this.watchSeconds = watchSeconds;
        this.pageSize = pageSize;
        this.resumeFrom = resumeFrom;
        this.stall = Duration.ofSeconds(watchSeconds + 60L);
        this.path = path;
        this.selectorQuery = fieldSelector == null ? "" : "&fieldSelector=" + URLEncoder.encode(fieldSelector, StandardCharsets.UTF_8);
        this.handler = handler;
        this.thread = Thread.ofVirtual().name("watch " + path).unstarted(this::run);
    }

    public ListWatch start() {
        thread.start();
        return this;
    }

    /** Waits for the first complete list; false on timeout. */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        return synced.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean synced() {
        return synced.getCount() == 0;
    }

    /** Whether the copy is current, and if not since when and why. */
    public WatchHealth health() {
        return new WatchHealth(synced(), failingSince, lastError, relists.get(), failures.get(), pages.get());
    }

    private void run() {
        Duration backoff = MIN_BACKOFF;
        boolean consistent = false;
        while (!closed) {
            try {
                String resourceVersion = resumeFrom != null ? resumeFrom : list(consistent);
                resumeFrom = null;
                backoff = MIN_BACKOFF;
                while (!closed) {
                    resourceVersion = watch(resourceVersion);
                }
            } catch (ResourceVersionGone e) {
                relists.incrementAndGet();
                consistent = true;
                LOG.log(Level.DEBUG, "watch of {0}: resourceVersion expired, listing again", path);
            } catch (InterruptedException e) {
                return;
            } catch (KubernetesException | IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                failures.incrementAndGet();
                if (failingSince == null) {
                    failingSince = Instant.now();
                }
                lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                LOG.log(Level.WARNING, "watch of {0} failed, retrying in {1} ms: {2}", path, Long.toString(backoff.toMillis()), lastError);
                try {
                    Thread.sleep(backoff.toMillis() + ThreadLocalRandom.current().nextLong(backoff.toMillis() / 2 + 1));
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Lists every object, page by page; returns the list's resourceVersion.
     *
     * @param consistent read from etcd (after a 410) rather than from the watch cache
     */
    private String list(boolean consistent) throws KubernetesException, InterruptedException {
        List<JsonValue> items = new ArrayList<>();
        String resourceVersion;
        String continueToken = "";
        do {
            // A continue token carries the snapshot's resourceVersion; the server refuses both together.
            String query = "?limit=" + pageSize + selectorQuery + (continueToken.isEmpty()
                    ? (consistent ? "" : "&resourceVersion=0")
                    : "&continue=" + URLEncoder.encode(continueToken, StandardCharsets.UTF_8));
            JsonValue page;
            try {
                page = api.get(path + query);
            } catch (KubernetesException e) {
                if (e.status() == 410) {
                    throw new ResourceVersionGone(); // the continue token expired: start over
                }
                throw e;
            }
            pages.incrementAndGet();
            items.addAll(page.member("items").elements());
            resourceVersion = page.member("metadata").member("resourceVersion").stringOr("");
            continueToken = page.member("metadata").member("continue").stringOr("");
        } while (!continueToken.isEmpty() && !closed);
        handler.replaceAll(items);
        recovered();
        synced.countDown();
        return resourceVersion;
    }

    private void recovered() {
        failingSince = null;
        lastError = null;
    }

    /** Follows one watch connection to its end; returns the resourceVersion to resume from. */
    private String watch(String resourceVersion) throws KubernetesException, InterruptedException, IOException {
        String query = "?watch=1&allowWatchBookmarks=true&timeoutSeconds=" + watchSeconds
                + "&resourceVersion=" + URLEncoder.encode(resourceVersion, StandardCharsets.UTF_8) + selectorQuery;
        InputStream in;
        try {
            in = api.watch(path + query, stall);
        } catch (KubernetesException e) {
            if (e.status() == 410) {
                throw new ResourceVersionGone();
            }
            throw e;
        }
        stream = in;
        recovered();
        String current = resourceVersion;
        try (in) {
            JsonReader events = ApiDocuments.events(in);
            JsonValue event;
            while (!closed && (event = events.next()) != null) {
                String type = event.member("type").stringOr("");
                JsonValue object = event.member("object");
                if (type.equals("ERROR")) {
                    if (object.member("code").longOr(0) == 410) {
                        throw new ResourceVersionGone();
                    }
                    throw new KubernetesException("watch of " + path + ": " + object.member("message").stringOr("error event"));
                }
                String next = object.member("metadata").member("resourceVersion").stringOr("");
                if (!next.isEmpty()) {
                    current = next;
                }
                // A bookmark only moves the resourceVersion; a type this client does not know changes nothing.
                if (type.equals("ADDED") || type.equals("MODIFIED") || type.equals("DELETED")) {
                    handler.apply(type, object);
                }
            }
        } finally {
            stream = null;
        }
        return current;
    }

    @Override
    public void close() {
        closed = true;
        InputStream current = stream;
        if (current != null) {
            closeQuietly(current);
        }
        thread.interrupt();
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
