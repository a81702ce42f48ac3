package dev.scorch.collector.jvm;

import dev.scorch.collector.linux.ErrnoException;
import dev.scorch.collector.linux.FileDescriptors;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a diagnostic command in a HotSpot JVM through its attach mechanism, from outside the JVM's
 * container: the trigger file {@code .attach_pid<nspid>} is created in the container's {@code /tmp}
 * (resolved inside the container's root, owned by the JVM's user), SIGQUIT makes the JVM start its
 * attach listener on the UNIX socket {@code /tmp/.java_pid<nspid>}, and the request is written in
 * protocol 1: {@code "1" NUL command NUL arg1 NUL arg2 NUL arg3 NUL}; the reply starts with a
 * result code line. The JVM accepts a peer with its own effective uid and gid, or root.
 *
 * <p>SIGQUIT is sent only when the JVM catches it: a JVM started with {@code -Xrs} does not, and the
 * signal would end it.
 */
public final class HotSpotAttach {

    private static final int O_WRONLY = 0x1;
    private static final int O_CREAT = 0x40;
    private static final int O_EXCL = 0x80;
    private static final int S_IFMT = 0xF000;
    private static final int S_IFSOCK = 0xC000;
    private static final int MAX_REPLY_BYTES = 64 << 10;
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

    /** Runs {@code jcmd <command>} in JVM {@code pid} (host pid; {@code nsPid} as the container sees it); returns its output. */
    public String jcmd(int pid, int nsPid, String command) throws AttachException {
        JvmStatus status = JvmStatus.read(procRoot.resolve(pid + "/status"));
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
                return request(socket, "jcmd", command);
            } finally {
                FileDescriptors.close(tmpFd);
            }
        } catch (ErrnoException e) {
            throw new AttachException("no_tmp", "process " + pid + " has no /tmp inside its root: " + e.getMessage());
        } finally {
            FileDescriptors.close(rootFd);
        }
    }

    private void startListener(int pid, int nsPid, JvmStatus status, int rootFd, Path tmp, Path socket) throws AttachException {
        if (!status.catchesSigquit()) {
            throw new AttachException("sigquit_not_caught", "JVM " + pid + " does not catch SIGQUIT (-Xrs?): attaching would end it");
        }
        String trigger = ".attach_pid" + nsPid;
        try {
            int fd = FileDescriptors.openat2(rootFd, "/tmp/" + trigger, O_WRONLY | O_CREAT | O_EXCL | FileDescriptors.O_CLOEXEC,
                    FileDescriptors.RESOLVE_IN_ROOT | FileDescriptors.RESOLVE_NO_MAGICLINKS);
            try {
                AttachCalls.fchown(fd, status.uid(), status.gid());
            } finally {
                FileDescriptors.close(fd);
            }
        } catch (ErrnoException e) {
            if (e.errno() != 17) { // EEXIST: another attacher's trigger serves as well
                throw new AttachException("no_trigger", "cannot create /tmp/" + trigger + " in the root of JVM " + pid + ": " + e.getMessage());
            }
        }
        try {
            AttachCalls.kill(pid, AttachCalls.SIGQUIT);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!isSocket(socket)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AttachException("no_listener", "JVM " + pid + " opened no attach socket within " + timeout.toMillis() + " ms");
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (ErrnoException e) {
            throw new AttachException("gone", "cannot signal JVM " + pid + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttachException("interrupted", "interrupted while waiting for JVM " + pid);
        } finally {
            try {
                Files.deleteIfExists(tmp.resolve(trigger));
            } catch (IOException e) {
                // the JVM ignores a stale trigger once its listener runs
            }
        }
    }

    private static boolean isSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Writes one protocol-1 request and reads the reply within the timeout. */
    private String request(Path socket, String command, String argument) throws AttachException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new AttachException("refused", "cannot open a UNIX socket: " + e.getMessage());
        }
        CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> {
            try (channel) {
                channel.connect(UnixDomainSocketAddress.of(socket));
                byte[] request = ("1\0" + command + "\0" + argument + "\0\0\0").getBytes(StandardCharsets.UTF_8);
                channel.write(ByteBuffer.wrap(request));
                try (InputStream in = java.nio.channels.Channels.newInputStream(channel)) {
                    return new String(in.readNBytes(MAX_REPLY_BYTES), StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }, Thread::startVirtualThread);
        String text;
        try {
            text = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            closeQuietly(channel);
            throw new AttachException("timeout", "no reply from the attach socket within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new AttachException("refused", "the attach socket refused the request: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(channel);
            throw new AttachException("interrupted", "interrupted while waiting for the attach reply");
        }
        int newline = text.indexOf('\n');
        String code = (newline < 0 ? text : text.substring(0, newline)).trim();
        if (!code.equals("0")) {
            throw new AttachException("refused", "the JVM answered " + (code.isEmpty() ? "nothing" : "code " + code) + ": "
                    + text.substring(newline < 0 ? text.length() : newline + 1).strip());
        }
        String output = text.substring(newline + 1);
        // jcmd reports an unknown command (JDK < 17 has no Compiler.perfmap) in its output, with code 0.
        if (output.contains("Unknown diagnostic command") || output.contains("java.lang.IllegalArgumentException")) {
            throw new AttachException("unsupported", "the JVM does not know " + argument + ": " + output.strip());
        }
        return output;
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was written we need
        }
    }
}
