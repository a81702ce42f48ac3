package dev.scorch.collector.symbol;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a kernel without {@code openat2} (before 5.6) a file inside a container's root is refused
 * with a named error, never opened by a plain path walk that the container's absolute symlinks
 * could lead to host files. The old kernel is made real for one thread: a seccomp filter on that
 * thread alone answers openat2 with ENOSYS, as a 5.4 kernel does.
 */
class KernelWithoutOpenat2Test {

    private static final int PR_SET_SECCOMP = 22;
    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int SECCOMP_MODE_FILTER = 2;
    private static final int SYS_OPENAT2 = 437;
    private static final int ENOSYS = 38;

    @TempDir
    Path dir;

    @Test
    void aContainerFileIsRefusedWithANamedErrorNotOpenedThroughTheHostsSymlinks() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root/tmp")).getParent();
        Path hostFile = Files.writeString(dir.resolve("host-secret.map"), "7f0000001000 100 HostOnlySecret\n");
        Files.createSymbolicLink(root.resolve("tmp/perf-7.map"), hostFile.toAbsolutePath());

        Object withOpenat2 = openInRoot(root, false);
        Object withoutOpenat2 = openInRoot(root, true);

        assertThat(withOpenat2).as("with openat2 the symlink resolves inside the root, where nothing is").isNull();
        assertThat(withoutOpenat2).isInstanceOfSatisfying(RegularFileOpener.RootConfinementUnavailableException.class,
                e -> assertThat(e.getMessage()).contains("no openat2").contains("/tmp/perf-7.map"));
    }

    /** What {@code openInRoot} gives (an opened file, null, or the exception) on a fresh thread, with openat2 gone or not. */
    private static Object openInRoot(Path root, boolean withoutOpenat2) throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                if (withoutOpenat2) {
                    denyOpenat2OnThisThread();
                }
                result.set(RegularFileOpener.openInRoot(root, "/tmp/perf-7.map"));
            } catch (Throwable e) {
                result.set(e);
            }
        });
        thread.join();
        if (result.get() instanceof Error error) {
            throw error;
        }
        return result.get();
    }

    /** A seccomp filter for the calling thread only (no TSYNC): openat2 fails with ENOSYS, everything else runs. */
    private static void denyOpenat2OnThisThread() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle prctl = linker.downcallHandle(linker.defaultLookup().find("prctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
        int arch = System.getProperty("os.arch").equals("aarch64") ? 0xc00000b7 : 0xc000003e;
        int[][] program = {
            {0x20, 0, 0, 4},                       // load the architecture
            {0x15, 0, 3, arch},                    // another one: allow
            {0x20, 0, 0, 0},                       // load the system call number
            {0x15, 0, 1, SYS_OPENAT2},             // not openat2: allow
            {0x06, 0, 0, 0x00050000 | ENOSYS},     // openat2: ENOSYS
            {0x06, 0, 0, 0x7fff0000},              // allow
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = arena.allocate(8L * program.length, 8);
            for (int i = 0; i < program.length; i++) {
                filter.set(JAVA_SHORT, 8L * i, (short) program[i][0]);
                filter.set(JAVA_BYTE, 8L * i + 2, (byte) program[i][1]);
                filter.set(JAVA_BYTE, 8L * i + 3, (byte) program[i][2]);
                filter.set(JAVA_INT, 8L * i + 4, program[i][3]);
            }
            MemorySegment fprog = arena.allocate(16, 8);
            fprog.set(JAVA_SHORT, 0, (short) program.length);
            fprog.set(ADDRESS, 8, filter);
            assertThat((int) prctl.invokeExact(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L)).isZero();
            assertThat((int) prctl.invokeExact(PR_SET_SECCOMP, (long) SECCOMP_MODE_FILTER, fprog.address(), 0L, 0L)).isZero();
        }
    }
}
