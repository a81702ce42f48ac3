package dev.scorch.collector.unwind;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.process.Mapping;
import dev.scorch.collector.symbol.MappedObjects;
import dev.scorch.collector.symbol.PlantedContainerRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Objects whose tables do not fit the cache together evict each other; compiling an evicted one
 * again draws on a window of call-frame bytes a minute, while a first compile never does. Real
 * objects: the C library and the running JDK's {@code libjvm.so}, whose table alone is past a
 * bound that holds the C library's.
 */
class UnwindInfoRecompileTest {

    private static final long START = 0x10000000L;

    @TempDir
    Path dir;

    private PlantedContainerRoot container;
    private Mapping libc;
    private Mapping libjvm;

    @BeforeEach
    void twoObjects() throws Exception {
        container = new PlantedContainerRoot(dir);
        libc = mapping("/lib/libc.so.6", Files.copy(PlantedContainerRoot.hostLibc(), container.file("/lib/libc.so.6")));
        libjvm = mapping("/jdk/libjvm.so",
                Files.copy(Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so"), container.file("/jdk/libjvm.so")));
    }

    private static Mapping mapping(String pathInRoot, Path file) throws Exception {
        return new Mapping(START, START + 0x200000, 0, pathInRoot, (Long) Files.getAttribute(file, "unix:ino"), true);
    }

    /** A cache holding the C library's table but not both; recompiles get {@code recompiledBytesPerMinute}. */
    private UnwindInfoCache cache(long recompiledBytesPerMinute) {
        MappedObjects objectFiles = new MappedObjects(container.proc(), Path.of("/"));
        return new UnwindInfoCache(objectFiles, new UnwindInfoCache.Settings(1L << 20, CfiCompiler.limits(), recompiledBytesPerMinute),
                false);
    }

    private ObjectUnwindInfo unwindInfoOf(UnwindInfoCache cache, Mapping mapping) {
        return cache.forMapping(container.process(mapping), mapping);
    }

    @Test
    void anEvictedObjectOverTheRecompileWindowStopsUnwindingInsteadOfCompilingAgain() {
        UnwindInfoCache cache = cache(1);

        ObjectUnwindInfo first = unwindInfoOf(cache, libc);
        ObjectUnwindInfo evicting = unwindInfoOf(cache, libjvm);
        ObjectUnwindInfo again = unwindInfoOf(cache, libc);

        assertThat(first).isNotNull();
        assertThat(evicting).as("a first compile does not draw on the window").isNotNull();
        assertThat(again).as("the C library, evicted, asked again").isNull();
        assertThat(cache.compiled()).isEqualTo(2);
    }

    @Test
    void anEvictedObjectWithinTheRecompileWindowIsCompiledAgain() {
        UnwindInfoCache cache = cache(UnwindInfoCache.Settings.defaults().recompiledBytesPerMinute());

        unwindInfoOf(cache, libc);
        unwindInfoOf(cache, libjvm);
        ObjectUnwindInfo again = unwindInfoOf(cache, libc);

        assertThat(again).isNotNull();
        assertThat(again.hasCallFrameInformation()).isTrue();
        assertThat(cache.compiled()).isEqualTo(3);
    }
}
