package dev.scorch.testenv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Where the tests find the Go toolchain that builds their Go programs and reads profiles with {@code go tool pprof}. */
public final class GoToolchain {

    private GoToolchain() {}

    /** The {@code go} command: $SCORCH_GO, /usr/local/go/bin/go, or go on the PATH. */
    public static Optional<Path> go() {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getenv("SCORCH_GO");
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
        }
        candidates.add(Path.of("/usr/local/go/bin/go"));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "go"));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }
}
