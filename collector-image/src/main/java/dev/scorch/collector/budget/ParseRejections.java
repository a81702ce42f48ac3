package dev.scorch.collector.budget;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Files refused by a parser, remembered by identity (device, inode, size and modification time,
 * or build id) for the life of the process so a hostile file costs its budget once, not once per
 * frame or interval; a changed file has a new identity and is parsed again. Also the counts behind
 * {@code scorch_parse_rejections_total}, by {@code parser/limit}. Thread-safe.
 *
 * <p>At most {@value #MAX_REMEMBERED} identities are kept (least recently seen out first): a node
 * with more distinct hostile files than that pays a bounded parse again for the oldest, and the
 * node-wide {@link TotalBudget} caps that work.
 */
public final class ParseRejections {

    static final int MAX_REMEMBERED = 65_536;

    /** Why a file was refused: the parser and the limit it exceeded (or {@code malformed}, {@code error}). */
    public record Rejection(String parser, String limit) {

        public String label() {
            return parser + "/" + limit;
        }
    }

    private final LinkedHashMap<String, Rejection> byIdentity = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<String, Long> counts = new TreeMap<>();

    /** Remembers and counts a refusal of the file with {@code identity}. */
    public synchronized void reject(String identity, Rejection rejection) {
        byIdentity.put(identity, rejection);
        counts.merge(rejection.label(), 1L, Long::sum);
        Iterator<String> eldest = byIdentity.keySet().iterator();
        while (byIdentity.size() > MAX_REMEMBERED && eldest.hasNext()) {
            eldest.next();
            eldest.remove();
        }
    }

    /** Counts a refusal of a file that has no identity to remember it by. */
    public synchronized void count(Rejection rejection) {
        counts.merge(rejection.label(), 1L, Long::sum);
    }

    /** Remembers and counts {@code refusal}, unless it was deferred by the node-wide budget (then it is only counted). */
    public void reject(String identity, OverBudgetException refusal) {
        Rejection rejection = new Rejection(refusal.parser(), refusal.limit());
        if (refusal.deferred()) {
            count(rejection);
        } else {
            reject(identity, rejection);
        }
    }

    /** The refusal of the file with {@code identity}, or null when it was never refused. */
    public synchronized Rejection of(String identity) {
        return byIdentity.get(identity);
    }

    /** Refusals so far by {@code parser/limit}. */
    public synchronized Map<String, Long> counts() {
        return new TreeMap<>(counts);
    }
}
