package dev.scorch.collector.symbol;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * Opens files that a container controls without letting the container stall the collector: a
 * plain {@code open(2)} of a path that was swapped for a FIFO blocks until a writer appears. The
 * file is opened with {@code O_NONBLOCK} first, its type checked through {@code /proc/self/fd},
 * and only a regular file is reopened as a {@link FileChannel}.
 */
final class RegularFileOpener {

    private static final int O_RDONLY = 0;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final int S_IFMT = 0xF000;
    private static final int S_IFREG = 0x8000;

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        OPEN = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
        CLOSE = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    /**
     * An open regular file and its identity.
     *
     * @param channel read-only channel, owned by the caller
     * @param inode inode number
     * @param identity device, inode, size and modification time: changes when the file does
     */
    record OpenedFile(FileChannel channel, long inode, String identity) {}

    private RegularFileOpener() {}

    /** Opens {@code path} if it is a regular file; null when it does not exist or is not regular. */
    static OpenedFile open(Path path) throws IOException {
        int fd = nonBlockingOpen(path);
        if (fd < 0) {
            return null;
        }
        try {
            Path link = Path.of("/proc/self/fd/" + fd);
            Map<String, Object> attributes = Files.readAttributes(link, "unix:mode,dev,ino,size,lastModifiedTime");
            if ((((Integer) attributes.get("mode")) & S_IFMT) != S_IFREG) {
                return null;
            }
            long inode = (Long) attributes.get("ino");
            String identity = attributes.get("dev") + ":" + inode + ":" + attributes.get("size") + ":"
                    + ((FileTime) attributes.get("lastModifiedTime")).toMillis();
            return new OpenedFile(FileChannel.open(link, StandardOpenOption.READ), inode, identity);
        } finally {
            close(fd);
        }
    }

    private static int nonBlockingOpen(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path.toString());
            return (int) OPEN.invokeExact(cPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        } catch (Throwable e) {
            throw new IllegalStateException("open(2) through the FFM API failed for " + path, e);
        }
    }

    private static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable e) {
            throw new IllegalStateException("close(2) through the FFM API failed", e);
        }
    }
}
