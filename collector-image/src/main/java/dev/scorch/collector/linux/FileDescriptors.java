package dev.scorch.collector.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code open(2)} and {@code close(2)} through the FFM API, for the descriptors {@code java.nio}
 * cannot give: a cgroup directory fd for perf_event_open, and a non-blocking open that a FIFO
 * planted by a container cannot stall. Errno is captured with each call.
 */
public final class FileDescriptors {

    public static final int O_RDONLY = 0;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_DIRECTORY = 0x10000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_PATH = 0x200000;
    /** openat2: resolve the path as if the directory were the root (absolute symlinks and ".." stay inside it). */
    public static final long RESOLVE_IN_ROOT = 0x10;
    /** openat2: refuse /proc magic links (such as /proc/self/root) on the way. */
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;

    /** The openat2 system call number: 437 in the table shared by every Linux architecture since 5.6. */
    private static final long SYS_OPENAT2 = 437;
    /** {@code struct open_how}: u64 flags, u64 mode, u64 resolve. */
    private static final long OPEN_HOW_SIZE = 24;

    private static final int EINTR = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = LINKER.downcallHandle(
            LINKER.defaultLookup().find("open").orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol open")),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SYSCALL_OPENAT2 = LINKER.downcallHandle(
            LINKER.defaultLookup().find("syscall").orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol syscall")),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG), CAPTURE_ERRNO,
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("close").orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol close")),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

    private FileDescriptors() {}

    /** open(path, flags); returns the new fd. */
    public static int open(String path, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, 0);
            if (fd < 0) {
                throw new ErrnoException("open", (int) ERRNO.get(state, 0L), path);
            }
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new LinkageError("open downcall failed for " + path, t);
        }
    }

    /**
     * openat2(directory, path, {flags, 0, resolve}); returns the new fd. With {@link #RESOLVE_IN_ROOT}
     * the kernel resolves {@code path} (and every symlink on the way) inside {@code directory}, as
     * a process chrooted there would: the way to open a file a container names without following
     * its symlinks out of the container.
     */
    public static int openat2(int directory, String path, int flags, long resolve) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment how = arena.allocate(OPEN_HOW_SIZE, 8);
            how.set(JAVA_LONG, 0, Integer.toUnsignedLong(flags));
            how.set(JAVA_LONG, 16, resolve);
            long fd = (long) SYSCALL_OPENAT2.invokeExact(state, SYS_OPENAT2, (long) directory, arena.allocateFrom(path), how, OPEN_HOW_SIZE);
            if (fd < 0) {
                throw new ErrnoException("openat2", (int) ERRNO.get(state, 0L), path);
            }
            return (int) fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new LinkageError("openat2 downcall failed for " + path, t);
        }
    }

    /** close(fd); EINTR is not an error (Linux releases the fd before it can happen). */
    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) CLOSE.invokeExact(state, fd);
            int errno = (int) ERRNO.get(state, 0L);
            if (rc != 0 && errno != EINTR) {
                throw new IllegalStateException("close(" + fd + ") failed: errno " + errno);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new LinkageError("close downcall failed", t);
        }
    }
}
