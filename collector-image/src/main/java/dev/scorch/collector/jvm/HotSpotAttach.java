package dev.scorch.collector.jvm;

import dev.scorch.collector.linux.ErrnoException;
import dev.scorch.collector.linux.FileDescriptors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs a diagnostic command in a HotSpot JVM through its attach mechanism, from outside the JVM's
 * container: the trigger file {@code .attach_pid<nspid>} is created in the container's {@code /tmp}
 * (resolved inside the container's root, owned by the JVM's user), SIGQUIT makes the JVM start its
 * attach listener on the UNIX socket {@code /tmp/.java_pid<nspid>}, and the request is written in
 * protocol 1: {@code "1" NUL command NUL arg1 NUL arg2 NUL arg3 NUL}; the reply starts with a
 * result code line. The JVM accepts a peer with its own effective uid and gid, or root.
 *
 * <p>SIGQUIT is sent only when the JVM catches it: a JVM started with {@code -Xrs} does not, and the
 * signal would end it. A JVM that has not taken the signal by the end of the wait keeps its trigger
 * ({@code not_scheduled}); a socket no listener is behind, left by a killed JVM that had the same
 * pid, is removed and the listener started.
 */
public final class HotSpotAttach {

    private static final int O_WRONLY = 0x1;
    private static final int O_CREAT = 0x40;
    private static final int O_EXCL = 0x80;
    private static final int EEXIST = 17;
    private static final int S_IFMT = 0xF000;
    private static final int S_IFSOCK = 0xC000;
    private static final long POLL_MILLIS = 50;

    /** Why an attach failed; the reason goes into metrics as it is. */
    public static final class AttachException extends Exception {
        private final String reason;

        AttachException(String reason, String message) {
            super(message);
            this.reason = reason;
        }

        /** A short label: {@code not_hotspot}, {@code sigquit_not_caught}, {@code no_listener}, {@code refused}, ... */
        public String reason() {
            return reason;
        }
    }

    private final Path procRoot;
    private final Duration timeout;

    public HotSpotAttach(Path procRoot, Duration timeout) {
        this.procRoot = procRoot;
        this.timeout = timeout;
    }

    /** How long the JVM has to start its listener, and then to answer. */
    Duration timeout() {
        return timeout;
    }

    /** Runs {@code jcmd <command>} in JVM {@code pid} (host pid; {@code nsPid} as the container sees it); returns its output. */
    public String jcmd(int pid, int nsPid, String command) throws AttachException {
        JvmStatus status = status(pid);
        if (status == null) {
            throw new AttachException("gone", "process " + pid + " has no readable status");
        }
        int rootFd;
        try {
            rootFd = FileDescriptors.open(procRoot.resolve(pid + "/root").toString(), FileDescriptors.O_PATH | FileDescriptors.O_DIRECTORY
                    | FileDescriptors.O_CLOEXEC);
        } catch (ErrnoException e) {
            throw new AttachException("no_root", "cannot open the root of process " + pid + ": " + e.getMessage());
        }
        try {
            int tmpFd = FileDescriptors.openat2(rootFd, "/tmp", FileDescriptors.O_PATH | FileDescriptors.O_DIRECTORY | FileDescriptors.O_CLOEXEC,
                    FileDescriptors.RESOLVE_IN_ROOT | FileDescriptors.RESOLVE_NO_MAGICLINKS);
            try {
                Path tmp = Path.of("/proc/self/fd/" + tmpFd);
                Path socket = tmp.resolve(".java_pid" + nsPid);
                if (!isSocket(socket)) {
                    startListener(pid, nsPid, status, rootFd, tmp, socket);
                }
                try {
                    return new AttachRequest(timeout).send(socket, "jcmd", command);
                } catch (AttachRequest.NoListenerException e) {
                    // A socket no listener is behind: left by a JVM that had this pid before and was killed. This JVM's
                    // listener replaces it once started, but an attacher that finds a socket does not start one.
                    removeQuietly(socket);
                    startListener(pid, nsPid, status, rootFd, tmp, socket);
                    return new AttachRequest(timeout).send(socket, "jcmd", command);
                }
            } finally {
                FileDescriptors.close(tmpFd);
            }
        } catch (AttachRequest.NoListenerException e) {
            throw new AttachException("refused", "the attach socket of JVM " + pid + " has no listener behind it, even after starting one");
        } catch (ErrnoException e) {
            throw new AttachException("no_tmp", "process " + pid + " has no /tmp inside its root: " + e.getMessage());
        } finally {
            FileDescriptors.close(rootFd);
        }
    }

    /**
     * Starts the JVM's attach listener, sending SIGQUIT only as the creator of the trigger file.
     * HotSpot prints a thread dump for a SIGQUIT that arrives once its listener runs and its socket
     * exists, so several attachers each sending one (two collectors on a host, threads of one) would
     * make it print one: an attacher that finds the trigger already there leaves the signal to its
     * creator and waits for the socket; the creator checks the socket again before signalling.
     *
     * <p>A JVM that has not taken the signal by the end of the wait (stopped, or starved of CPU)
     * keeps its trigger: removed, the JVM would take the signal later as a request for a thread dump
     * and print one; kept, it starts its listener then, and a later request finds the socket.
     */
    private void startListener(int pid, int nsPid, JvmStatus status, int rootFd, Path tmp, Path socket) throws AttachException {
        if (!status.catchesSigquit()) {
            throw new AttachException("sigquit_not_caught", "JVM " + pid + " does not catch SIGQUIT (-Xrs?): attaching would end it");
        }
        String trigger = ".attach_pid" + nsPid;
        if (!createTrigger(pid, status, rootFd, trigger)) {
            if (awaitSocket(pid, socket)) {
                // A trigger older than an attacher's wait was kept for a JVM that took its signal late: done with.
                removeStale(tmp.resolve(trigger));
                return;
            }
            if (sigquitPending(pid)) {
                throw notScheduled(pid);
            }
            // A trigger older than an attacher's wait was left by one that died: take its place once.
            if (!removeStale(tmp.resolve(trigger)) || !createTrigger(pid, status, rootFd, trigger)) {
                throw new AttachException("no_listener", "JVM " + pid + " opened no attach socket within " + timeout.toMillis()
                        + " ms of another attacher's request");
            }
        }
        boolean keepTrigger = false;
        try {
            if (isSocket(socket)) {
                return;
            }
            AttachCalls.kill(pid, AttachCalls.SIGQUIT);
            if (!awaitSocket(pid, socket)) {
                keepTrigger = sigquitPending(pid);
                throw keepTrigger ? notScheduled(pid)
                        : new AttachException("no_listener", "JVM " + pid + " opened no attach socket within " + timeout.toMillis() + " ms");
            }
        } catch (ErrnoException e) {
            throw new AttachException("gone", "cannot signal JVM " + pid + ": " + e.getMessage());
        } finally {
            if (!keepTrigger) {
                removeQuietly(tmp.resolve(trigger));
            }
        }
    }

    private JvmStatus status(int pid) {
        return JvmStatus.read(procRoot.resolve(pid + "/status"));
    }

    private boolean sigquitPending(int pid) {
        JvmStatus now = status(pid);
        return now != null && now.sigquitPending();
    }

    private AttachException notScheduled(int pid) {
        return new AttachException("not_scheduled", "JVM " + pid + " has not taken the SIGQUIT that starts its attach listener within "
                + timeout.toMillis() + " ms (stopped, or starved of CPU); it starts the listener when it does");
    }

    private static void removeQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the JVM ignores a stale trigger once its listener runs, and replaces a stale socket when it starts one
        }
    }

    /** Creates the trigger file owned by the JVM's user; false when it exists (another attacher's). */
    private static boolean createTrigger(int pid, JvmStatus status, int rootFd, String trigger) throws AttachException {
        try {
            int fd = FileDescriptors.openat2(rootFd, "/tmp/" + trigger, O_WRONLY | O_CREAT | O_EXCL | FileDescriptors.O_CLOEXEC,
                    FileDescriptors.RESOLVE_IN_ROOT | FileDescriptors.RESOLVE_NO_MAGICLINKS);
            try {
                AttachCalls.fchown(fd, status.uid(), status.gid());
            } finally {
                FileDescriptors.close(fd);
            }
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == EEXIST) {
                return false;
            }
            throw new AttachException("no_trigger", "cannot create /tmp/" + trigger + " in the root of JVM " + pid + ": " + e.getMessage());
        }
    }

    /** Removes {@code trigger} if it is older than an attacher waits; whether it did. */
    private boolean removeStale(Path trigger) {
        try {
            long age = System.currentTimeMillis() - Files.getLastModifiedTime(trigger, LinkOption.NOFOLLOW_LINKS).toMillis();
            return age > timeout.toMillis() && Files.deleteIfExists(trigger);
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits up to the timeout for the attach socket; whether it appeared. */
    private boolean awaitSocket(int pid, Path socket) throws AttachException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isSocket(socket)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AttachException("interrupted", "interrupted while waiting for JVM " + pid);
            }
        }
        return true;
    }

    private static boolean isSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
