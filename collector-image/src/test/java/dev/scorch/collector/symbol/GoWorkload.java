package dev.scorch.collector.symbol;

import dev.scorch.testenv.Tier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Test fixture: the {@code workloads/gohot} Go program built by the real Go toolchain in several
 * flavours (stripped with {@code -s -w}, PIE, unstripped for ground truth), once per test JVM.
 */
public final class GoWorkload {

    public enum Flavour {
        FULL(),
        STRIPPED("-ldflags=-s -w"),
        FULL_PIE("-buildmode=pie"),
        STRIPPED_PIE("-buildmode=pie", "-ldflags=-s -w");

        final String[] flags;

        Flavour(String... flags) {
            this.flags = flags;
        }
    }

    private static final Map<Flavour, Path> BUILT = new HashMap<>();
    private static Path source;

    private GoWorkload() {}

    /** The binary of {@code flavour}, built on first use. */
    public static synchronized Path binary(Flavour flavour) throws Exception {
        Path built = BUILT.get(flavour);
        if (built != null) {
            return built;
        }
        Optional<Path> go = ExternalTools.go();
        Tier.UNIT.require(go.isPresent(), "the Go toolchain builds the Go workloads: install Go (1.22+) or set SCORCH_GO");
        Path dir = source();
        Path out = dir.resolve("gohot-" + flavour.name().toLowerCase());
        String[] command = new String[4 + flavour.flags.length + 1];
        command[0] = go.get().toString();
        command[1] = "build";
        command[2] = "-o";
        command[3] = out.toString();
        System.arraycopy(flavour.flags, 0, command, 4, flavour.flags.length);
        command[command.length - 1] = ".";
        ExternalTools.run(dir, command);
        BUILT.put(flavour, out);
        return out;
    }

    /** Link-time address of {@code function} per {@code go tool nm} of an unstripped build. */
    public static long address(Flavour unstripped, String function) throws Exception {
        Path full = binary(unstripped);
        String nm = ExternalTools.run(full.getParent(), ExternalTools.go().orElseThrow().toString(), "tool", "nm", full.toString());
        for (String line : nm.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[2].equals(function)) {
                return Long.parseUnsignedLong(f[0], 16);
            }
        }
        throw new AssertionError(function + " not in go tool nm output of " + full);
    }

    private static Path source() throws IOException {
        if (source == null) {
            source = Files.createTempDirectory("scorch-gohot");
            for (String name : new String[] {"main.go", "go.mod"}) {
                try (InputStream in = GoWorkload.class.getResourceAsStream("/workloads/gohot/" + name)) {
                    Files.copy(in, source.resolve(name));
                }
            }
        }
        return source;
    }
}
