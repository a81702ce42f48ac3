package dev.scorch.collector.symbol;

import dev.scorch.collector.linux.ErrnoException;
import dev.scorch.collector.linux.FileDescriptors;
import java.io.IOException;
import java.lang.System.Logger.Level;
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
 *
 * <p>A path a container names (its binaries, debug files, perf maps) is opened inside the
 * container's root with {@code openat2(RESOLVE_IN_ROOT)} ({@link #openInRoot}): an absolute
 * symlink such as {@code /tmp/perf-1.map -> /etc/shadow} then resolves to the container's own
 * {@code /etc/shadow}, never the host's (the collector's) file.
 */
public final class RegularFileOpener {

    private static final System.Logger LOG = System.getLogger(RegularFileOpener.class.getName());
    private static volatile boolean noOpenat2Logged;

    /**
     * The kernel has no {@code openat2} (Linux before 5.6, below the supported 5.8): a container's
     * file is then refused, never opened by a path walk the container's symlinks could lead out
     * of its root. Binaries still resolve through {@code /proc/<pid>/map_files} (the mapped inode
     * itself, no path involved).
     */
    public static final class RootConfinementUnavailableException extends IOException {
        RootConfinementUnavailableException(Path root, String path) {
            super("not opening " + path + " inside " + root + ": this kernel has no openat2 (Linux 5.6+), so files inside containers"
                    + " cannot be opened confined to the container's root; perf maps and debug files of containers stay unread");
        }
    }

    private static final int S_IFMT = 0xF000;
    private static final int S_IFREG = 0x8000;

    /**
     * An open regular file and its identity.
     *
     * @param channel read-only channel, owned by the caller
     * @param inode inode number
     * @param identity device, inode, size and modification time: changes when the file does
     */
    public record OpenedFile(FileChannel channel, long inode, String identity) {}

    private RegularFileOpener() {}

    /** Opens {@code path} if it is a regular file; null when it does not exist or is not regular. */
    public static OpenedFile open(Path path) throws IOException {
        return regularFile(nonBlockingOpen(path));
    }

    /**
     * Opens {@code pathInRoot} resolved inside directory {@code root} (a container's root, {@code
     * /proc/<pid>/root}) if it is a regular file; null when it does not exist there, is not
     * regular, or cannot be reached without leaving the root.
     */
    public static OpenedFile openInRoot(Path root, String pathInRoot) throws IOException {
        // A file opened inside a root is never opened any other way: without openat2 it is refused (see the exception).
        int rootFd;
        try {
            rootFd = FileDescriptors.open(root.toString(), FileDescriptors.O_PATH | FileDescriptors.O_DIRECTORY | FileDescriptors.O_CLOEXEC);
        } catch (ErrnoException e) {
            return null;
        }
        try {
            return regularFile(FileDescriptors.openat2(rootFd, pathInRoot,
                    FileDescriptors.O_RDONLY | FileDescriptors.O_NONBLOCK | FileDescriptors.O_CLOEXEC,
                    FileDescriptors.RESOLVE_IN_ROOT | FileDescriptors.RESOLVE_NO_MAGICLINKS));
        } catch (ErrnoException e) {
            if (e.errno() == ErrnoException.ENOSYS) {
                RootConfinementUnavailableException refused = new RootConfinementUnavailableException(root, pathInRoot);
                if (!noOpenat2Logged) {
                    noOpenat2Logged = true;
                    LOG.log(Level.WARNING, refused.getMessage());
                }
                throw refused;
            }
            return null;
        } finally {
            FileDescriptors.close(rootFd);
        }
    }

    private static OpenedFile regularFile(int fd) throws IOException {
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
            FileDescriptors.close(fd);
        }
    }

    private static int nonBlockingOpen(Path path) {
        try {
            return FileDescriptors.open(path.toString(), FileDescriptors.O_RDONLY | FileDescriptors.O_NONBLOCK | FileDescriptors.O_CLOEXEC);
        } catch (ErrnoException e) {
            return -1;
        }
    }
}
