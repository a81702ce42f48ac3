package dev.scorch.collector.perf;

import dev.scorch.collector.linux.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The few libc calls the sampler needs, bound through the FFM API: {@code syscall} (glibc has no
 * perf_event_open wrapper), {@code mmap}, {@code munmap}, {@code ioctl} and {@code poll}. Every call
 * captures errno and turns a failure into an {@link ErrnoException}.
 */
final class LibC {

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final short POLLIN = 1;
    static final int EINTR = 4;

    /** {@code struct pollfd { int fd; short events; short revents; }} */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

    private static final long SYS_PERF_EVENT_OPEN = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 298;
        case "aarch64" -> 241;
        default -> -1;
    };

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // Variadic syscall(long number, ...): every argument is passed as a long, as glibc reads them.
    private static final MethodHandle SYSCALL_5 = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
            CAPTURE_ERRNO);
    private static final MethodHandle MUNMAP = downcall("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);
    private static final MethodHandle IOCTL = downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle POLL = downcall("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);

    private static final MemorySegment MAP_FAILED = MemorySegment.ofAddress(-1L);

    private LibC() {}

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** perf_event_open(attr, pid, cpu, group_fd, flags); returns the new fd. */
    static int perfEventOpen(MemorySegment attr, long pid, int cpu, int groupFd, long flags) throws ErrnoException {
        if (SYS_PERF_EVENT_OPEN < 0) {
            throw new ErrnoException("perf_event_open", 38 /* ENOSYS */, "unsupported architecture " + System.getProperty("os.arch"));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long fd = (long) SYSCALL_5.invokeExact(state, SYS_PERF_EVENT_OPEN, attr, pid, (long) cpu, (long) groupFd, flags);
            if (fd < 0) {
                throw new ErrnoException("perf_event_open", errno(state), "pid " + pid + ", cpu " + cpu);
            }
            return (int) fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new LinkageError("perf_event_open downcall failed", t);
        }
    }

    /** mmap(NULL, length, prot, MAP_SHARED, fd, 0), sized to {@code length}. */
    static MemorySegment mmapShared(int fd, long length, int prot) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment address = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, MAP_SHARED, fd, 0L);
            if (address.address() == MAP_FAILED.address()) {
                throw new ErrnoException("mmap", errno(state), length + " bytes of perf fd " + fd);
            }
            return address.reinterpret(length);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new LinkageError("mmap downcall failed", t);
        }
    }

    static void munmap(MemorySegment mapping) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) MUNMAP.invokeExact(state, mapping, mapping.byteSize());
            if (rc != 0) {
                throw new IllegalStateException("munmap failed: errno " + errno(state));
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new LinkageError("munmap downcall failed", t);
        }
    }

    static void ioctl(int fd, long request, long argument) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) IOCTL.invokeExact(state, fd, request, argument);
            if (rc < 0) {
                throw new ErrnoException("ioctl", errno(state), "request 0x" + Long.toHexString(request) + " on fd " + fd);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new LinkageError("ioctl downcall failed", t);
        }
    }

    /**
     * poll(fds, count, timeoutMillis). Returns the number of ready fds, 0 on timeout or when
     * interrupted by a signal.
     */
    static int poll(MemorySegment pollFds, long count, int timeoutMillis, MemorySegment callState) throws ErrnoException {
        try {
            int rc = (int) POLL.invokeExact(callState, pollFds, count, timeoutMillis);
            if (rc < 0) {
                int errno = errno(callState);
                if (errno == EINTR) {
                    return 0;
                }
                throw new ErrnoException("poll", errno, count + " perf fds");
            }
            return rc;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new LinkageError("poll downcall failed", t);
        }
    }

    static MemorySegment allocateCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    private static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }
}
