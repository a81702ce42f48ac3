package dev.scorch.collector.kubernetes;

import java.time.Instant;

/**
 * How a {@link ListWatch} fares, for metrics and the pod condition's message.
 *
 * @param synced whether a complete list has arrived at least once
 * @param failingSince when the list or watch began failing (errors other than 410 Gone, which is
 *     routine); null while the last request succeeded
 * @param lastError the latest failure (status, path, message; never a credential), null when none
 * @param relists lists repeated because a resourceVersion or continue token had expired (410 Gone)
 * @param failures list or watch requests that failed and were retried with backoff
 * @param pages list pages fetched (a list follows {@code continue} tokens)
 */
public record WatchHealth(boolean synced, Instant failingSince, String lastError, long relists, long failures, long pages) {

    public boolean failing() {
        return failingSince != null;
    }
}
