package dev.scorch.collector.perf;

import dev.scorch.collector.linux.ErrnoException;
import dev.scorch.collector.linux.FileDescriptors;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One open perf event: its file descriptor and, for the event that owns a CPU's buffer, the mmap
 * ring buffer. Events that share a buffer are redirected with PERF_EVENT_IOC_SET_OUTPUT.
 */
public final class PerfEvent implements AutoCloseable {

    static final long IOC_ENABLE = 0x2400;
    static final long IOC_DISABLE = 0x2401;
    static final long IOC_SET_OUTPUT = 0x2405;
    static final long FLAG_PID_CGROUP = 4;
    static final long FLAG_FD_CLOEXEC = 8;
    public static final long PAGE_SIZE = 4096;

    private final int fd;
    private final int cpu;
    private final MemorySegment mapping;
    private final RingBuffer ring;

    private PerfEvent(int fd, int cpu, MemorySegment mapping, RingBuffer ring) {
        this.fd = fd;
        this.cpu = cpu;
        this.mapping = mapping;
        this.ring = ring;
    }

    /**
     * What an event samples on its CPU: every task, the tasks of one cgroup directory, or one task
     * (and, with {@code inherit}, the threads and children it starts later). The last is what an
     * unprivileged user may open for their own processes under {@code perf_event_paranoid} 2.
     *
     * @param pid perf_event_open's pid argument
     * @param flags perf_event_open's flags beyond close-on-exec
     */
    public record Scope(long pid, long flags) {

        public static final Scope EVERY_TASK = new Scope(-1, 0);

        /** The tasks of the cgroup directory open as {@code cgroupFd} ({@link #openCgroup}). */
        public static Scope cgroup(int cgroupFd) {
            return new Scope(cgroupFd, FLAG_PID_CGROUP);
        }

        /** One thread, by its thread id. */
        public static Scope task(int tid) {
            return new Scope(tid, 0);
        }
    }

    /** Opens an event on {@code cpu} for {@code scope} with its own ring of {@code dataPages} pages (a power of two). */
    public static PerfEvent openWithBuffer(EventAttributes attributes, int cpu, Scope scope, int dataPages, Arena arena)
            throws ErrnoException {
        int fd = open(attributes, cpu, scope);
        try {
            MemorySegment mapping = LibC.mmapShared(fd, (1L + dataPages) * PAGE_SIZE, LibC.PROT_READ | LibC.PROT_WRITE);
            return new PerfEvent(fd, cpu, mapping, new RingBuffer(mapping, PAGE_SIZE, arena));
        } catch (ErrnoException e) {
            FileDescriptors.close(fd);
            throw e;
        }
    }

    /** Opens an event whose records go to {@code owner}'s ring buffer (same CPU). */
    public static PerfEvent openSharing(EventAttributes attributes, PerfEvent owner, Scope scope) throws ErrnoException {
        int fd = open(attributes, owner.cpu, scope);
        try {
            LibC.ioctl(fd, IOC_SET_OUTPUT, owner.fd);
            return new PerfEvent(fd, owner.cpu, null, null);
        } catch (ErrnoException e) {
            FileDescriptors.close(fd);
            throw e;
        }
    }

    private static int open(EventAttributes attributes, int cpu, Scope scope) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = attributes.encode(arena);
            return LibC.perfEventOpen(attr, scope.pid(), cpu, -1, FLAG_FD_CLOEXEC | scope.flags());
        }
    }

    /** Opens a cgroup directory for {@link #openWithBuffer}'s cgroup mode; close it with {@link #closeFd}. */
    public static int openCgroup(String directory) throws ErrnoException {
        return FileDescriptors.open(directory, FileDescriptors.O_RDONLY | FileDescriptors.O_DIRECTORY | FileDescriptors.O_CLOEXEC);
    }

    public static void closeFd(int fd) {
        FileDescriptors.close(fd);
    }

    public int fd() {
        return fd;
    }

    public int cpu() {
        return cpu;
    }

    /** The ring buffer, or null when this event writes into another event's buffer. */
    public RingBuffer ring() {
        return ring;
    }

    public void enable() throws ErrnoException {
        LibC.ioctl(fd, IOC_ENABLE, 0);
    }

    public void disable() throws ErrnoException {
        LibC.ioctl(fd, IOC_DISABLE, 0);
    }

    @Override
    public void close() {
        if (mapping != null) {
            LibC.munmap(mapping);
        }
        FileDescriptors.close(fd);
    }
}
