package dev.scorch.collector.linux;

/** A libc call or system call failed; carries errno and what was being done. */
public final class ErrnoException extends Exception {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EBADF = 9;
    public static final int EACCES = 13;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int ENOSYS = 38;
    public static final int EOPNOTSUPP = 95;
    public static final int E2BIG = 7;

    private final String call;
    private final int errno;

    public ErrnoException(String call, int errno, String context) {
        super(call + " failed with " + name(errno) + " (" + context + ")");
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    private static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case E2BIG -> "E2BIG";
            case EBADF -> "EBADF";
            case 12 -> "ENOMEM";
            case EACCES -> "EACCES";
            case 16 -> "EBUSY";
            case EINVAL -> "EINVAL";
            case EMFILE -> "EMFILE";
            case ENOSYS -> "ENOSYS";
            case 75 -> "EOVERFLOW";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            default -> "errno " + errno;
        };
    }
}
