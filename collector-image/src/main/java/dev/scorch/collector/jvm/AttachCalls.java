package dev.scorch.collector.jvm;

import dev.scorch.collector.linux.ErrnoException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** The two system calls the attach handshake needs that Java lacks: kill(2) and fchown(2). */
final class AttachCalls {

    static final int SIGQUIT = 3;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle KILL = downcall("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHOWN = downcall("fchown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    private AttachCalls() {}

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name)),
                descriptor, CAPTURE_ERRNO);
    }

    static void kill(int pid, int signal) throws ErrnoException {
        call(KILL, "kill", Integer.toString(pid), pid, signal, Integer.MIN_VALUE);
    }

    static void fchown(int fd, int uid, int gid) throws ErrnoException {
        call(FCHOWN, "fchown", "fd " + fd, fd, uid, gid);
    }

    private static void call(MethodHandle handle, String name, String subject, int a, int b, int c) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = c == Integer.MIN_VALUE ? (int) handle.invokeExact(state, a, b) : (int) handle.invokeExact(state, a, b, c);
            if (rc != 0) {
                throw new ErrnoException(name, (int) ERRNO.get(state, 0L), subject);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new LinkageError(name + " downcall failed", t);
        }
    }
}
