package dev.scorch.collector.cli;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A recording run on another thread while the test drives its workload, as {@code scorch record} runs one. */
final class BackgroundRecording {

    private BackgroundRecording() {}

    /** Runs {@code recording} for at most {@code duration} (or until it is stopped). */
    static CompletableFuture<Recording.Result> start(Recording recording, Duration duration) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return recording.run(duration);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
