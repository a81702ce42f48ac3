package dev.scorch.collector.process;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.WithLength;
import dev.scorch.collector.fuzz.HostileInputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any {@code /proc/<pid>/maps}, {@code status}, {@code cgroup} and {@code stat} content (a process
 * controls its mapped paths, its name and its cgroup's name) gives mappings, a status and a cgroup,
 * or a refusal, never an exception.
 */
class ProcFilesFuzzTest {

    private static final String MAPS = """
            55d4c2a00000-55d4c2a21000 r-xp 00001000 fd:01 1311234                    /usr/bin/app
            7f1c2b000000-7f1c2b1d5000 r-xp 00028000 fd:01 1315678                    /usr/lib/x86_64-linux-gnu/libc.so.6
            7f1c2c000000-7f1c2c100000 rwxp 00000000 00:00 0
            7ffd1a1f0000-7ffd1a1f2000 r-xp 00000000 00:00 0                          [vdso]
            """;
    private static final String STATUS = "Name:\tapp\nState:\tS (sleeping)\nTgid:\t42\nPid:\t42\nNSpid:\t42\t7\n";

    @TempDir
    Path dir;

    private void read(byte[] maps, byte[] status) throws IOException {
        Path pid = Files.createDirectories(dir.resolve("42"));
        Files.write(pid.resolve("maps"), maps);
        Files.write(pid.resolve("status"), status);
        Files.write(pid.resolve("cgroup"), status);
        Files.write(pid.resolve("stat"), status);
        ProcFiles files = new ProcFiles(dir);
        files.executableMappings(42);
        files.status(42);
        files.cgroup(42);
    }

    @FuzzTest(maxDuration = "1m")
    void anyMapsAndStatusContentIsReadOrIgnored(byte @WithLength(max = HostileInputs.MAX_FUZZ_BYTES) [] bytes) throws IOException {
        read(bytes, bytes);
    }

    @Test
    void mutantsOfMapsAndStatusAreReadOrIgnored() {
        HostileInputs.survive(HostileInputs.mutants(HostileInputs.seeds(MAPS, STATUS), 200, 51), 64L << 20, bytes -> read(bytes, bytes));
    }
}
