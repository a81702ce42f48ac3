package dev.scorch.collector.kubernetes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A ServiceAccount token file, re-read periodically: kubelet rotates projected tokens in place, and
 * an old token stops working after its expiry.
 */
final class RotatingToken implements Supplier<String> {

    private final Path file;
    private final long refreshNanos;
    private String token;
    private long readAt;

    RotatingToken(Path file, Duration refresh) {
        this.file = file;
        this.refreshNanos = refresh.toNanos();
    }

    @Override
    public synchronized String get() {
        long now = System.nanoTime();
        if (token == null || now - readAt >= refreshNanos) {
            try {
                token = Files.readString(file, StandardCharsets.UTF_8).strip();
                readAt = now;
            } catch (IOException e) {
                // Keep the last token: a transient read error must not turn into anonymous requests.
                if (token == null) {
                    token = "";
                }
            }
        }
        return token;
    }
}
