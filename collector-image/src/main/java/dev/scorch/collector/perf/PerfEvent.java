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
     * Opens a CPU-wide event on {@code cpu} (every process, or only the tasks of the cgroup
     * directory {@code cgroupFd} when it is not negative) with its own ring of
     * {@code dataPages} pages (a power of two).
     */
    public static PerfEvent openWithBuffer(EventAttributes attributes, int cpu, int cgroupFd, int dataPages, Arena arena)
            throws ErrnoException {
        int fd = open(attributes, cpu, cgroupFd);
        try {
            MemorySegment mapping = LibC.mmapShared(fd, (1L + dataPages) * PAGE_SIZE, LibC.PROT_READ | LibC.PROT_WRITE);
            return new PerfEvent(fd, cpu, mapping, new RingBuffer(mapping, PAGE_SIZE, arena));
        } catch (ErrnoException e) {
            FileDescriptors.close(fd);
            throw e;
        }
    }

    /** Opens an event whose records go to {@code owner}'s ring buffer (same CPU). */
    public static PerfEvent openSharing(EventAttributes attributes, PerfEvent owner, int cgroupFd) throws ErrnoException {
        int fd = open(attributes, owner.cpu, cgroupFd);
        try {
            LibC.ioctl(fd, IOC_SET_OUTPUT, owner.fd);
            return new PerfEvent(fd, owner.cpu, null, null);
        } catch (ErrnoException e) {
            FileDescriptors.close(fd);
            throw e;
        }
    }

    private static int open(EventAttributes attributes, int cpu, int cgroupFd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = attributes.encode(arena);
            long pid = cgroupFd >= 0 ? cgroupFd : -1;
            long flags = FLAG_FD_CLOEXEC | (cgroupFd >= 0 ? FLAG_PID_CGROUP : 0);
            return LibC.perfEventOpen(attr, pid, cpu, -1, flags);
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
