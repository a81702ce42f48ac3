package dev.scorch.collector.symbol;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Parsed symbol tables by key (build id, or file identity when there is none), least recently used
 * first out once their estimated bytes exceed the bound or they number more than {@value
 * #MAX_ENTRIES} (each keeps its object file open), plus negative entries (a file that failed
 * to parse or has no symbols) that expire so a fixed file is retried. Thread-safe.
 */
final class ObjectSymbolCache {

    static final int MAX_ENTRIES = 1024;

    private record Negative(MissReason reason, long expiresAtNanos) {}

    private final long maxBytes;
    private final long negativeTtlNanos;
    private final LongSupplier nanoTime;
    private final LinkedHashMap<String, ObjectSymbols> entries = new LinkedHashMap<>(64, 0.75f, true);
    private final LinkedHashMap<String, Negative> negatives = new LinkedHashMap<>(64, 0.75f, true);
    private final LinkedHashMap<String, String> keysByIdentity = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;

    ObjectSymbolCache(long maxBytes, Duration negativeTtl, LongSupplier nanoTime) {
        this.maxBytes = maxBytes;
        this.negativeTtlNanos = negativeTtl.toNanos();
        this.nanoTime = nanoTime;
    }

    /** The cached symbols for a file identity seen before, or null. */
    synchronized ObjectSymbols byIdentity(String identity) {
        String key = keysByIdentity.get(identity);
        return key == null ? null : entries.get(key);
    }

    synchronized ObjectSymbols get(String key) {
        return entries.get(key);
    }

    /** Caches {@code symbols} under {@code key} and remembers that {@code identity} names it. */
    synchronized void put(String identity, String key, ObjectSymbols symbols) {
        ObjectSymbols previous = entries.put(key, symbols);
        if (previous != null) {
            bytes -= previous.estimatedBytes();
        }
        bytes += symbols.estimatedBytes();
        keysByIdentity.put(identity, key);
        evict();
    }

    /** The reason a file identity failed recently, or null. */
    synchronized MissReason negative(String identity) {
        Negative negative = negatives.get(identity);
        if (negative == null) {
            return null;
        }
        if (nanoTime.getAsLong() - negative.expiresAtNanos() >= 0) {
            negatives.remove(identity);
            return null;
        }
        return negative.reason();
    }

    synchronized void putNegative(String identity, MissReason reason) {
        negatives.put(identity, new Negative(reason, nanoTime.getAsLong() + negativeTtlNanos));
        trim(negatives, 4096);
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return entries.size();
    }

    private void evict() {
        Iterator<Map.Entry<String, ObjectSymbols>> eldest = entries.entrySet().iterator();
        // Keep at least the newest entry even when it alone exceeds the bound: it is in use now.
        while ((bytes > maxBytes || entries.size() > MAX_ENTRIES) && entries.size() > 1 && eldest.hasNext()) {
            bytes -= eldest.next().getValue().estimatedBytes();
            eldest.remove();
        }
        trim(keysByIdentity, 16_384);
    }

    private static void trim(LinkedHashMap<String, ?> map, int maxEntries) {
        Iterator<String> eldest = map.keySet().iterator();
        while (map.size() > maxEntries && eldest.hasNext()) {
            eldest.next();
            eldest.remove();
        }
    }
}
