package dev.scorch.collector.jvm;

import dev.scorch.collector.linux.ErrnoException;
import dev.scorch.collector.linux.FileDescriptors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code /tmp} inside the root of a process ({@code /proc/<pid>/root}), resolved without
 * leaving that root ({@code openat2} with {@code RESOLVE_IN_ROOT}), as every container file is
 * reached: a symlink planted in the container cannot lead to a host file.
 */
final class TmpInRoot implements AutoCloseable {

    /** A regular file as it is now: device and inode, size and modification time. */
    record FileIdentity(Object key, long size, long modifiedNanos) {}

    private final int rootFd;
    private final int tmpFd;

    TmpInRoot(Path procRoot, int pid) throws ErrnoException {
        rootFd = FileDescriptors.open(procRoot.resolve(pid + "/root").toString(),
                FileDescriptors.O_PATH | FileDescriptors.O_DIRECTORY | FileDescriptors.O_CLOEXEC);
        try {
            tmpFd = FileDescriptors.openat2(rootFd, "/tmp", FileDescriptors.O_PATH | FileDescriptors.O_DIRECTORY | FileDescriptors.O_CLOEXEC,
                    FileDescriptors.RESOLVE_IN_ROOT | FileDescriptors.RESOLVE_NO_MAGICLINKS);
        } catch (ErrnoException e) {
            FileDescriptors.close(rootFd);
            throw e;
        }
    }

    /** {@code name} in that {@code /tmp}: only this last component is looked up, and callers never follow it as a symlink. */
    Path file(String name) {
        return Path.of("/proc/self/fd/" + tmpFd).resolve(name);
    }

    /** The identity of regular file {@code name}, without following a symlink; null for anything else or nothing. */
    FileIdentity identity(String name) {
        try {
            Map<String, Object> attributes = Files.readAttributes(file(name), "unix:ino,dev,size,lastModifiedTime,mode",
                    LinkOption.NOFOLLOW_LINKS);
            if (((Integer) attributes.get("mode") & 0xF000) != 0x8000) {
                return null;
            }
            long modified = ((FileTime) attributes.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
            return new FileIdentity(attributes.get("dev") + ":" + attributes.get("ino"), (Long) attributes.get("size"), modified);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    @Override
    public void close() {
        FileDescriptors.close(tmpFd);
        FileDescriptors.close(rootFd);
    }
}
