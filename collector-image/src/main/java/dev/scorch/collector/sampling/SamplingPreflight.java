package dev.scorch.collector.sampling;

import dev.scorch.collector.linux.ErrnoException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Start-up checks that turn "perf does not work here" into one precise sentence and a
 * {@link SamplingProblem}, before or after the kernel said no.
 */
public final class SamplingPreflight {

    /** mmap2 and comm_exec records (3.16), PERF_FLAG_FD_CLOEXEC (3.14), perf_event_max_stack (4.8). */
    public static final int MINIMUM_MAJOR = 4;
    public static final int MINIMUM_MINOR = 9;

    static final int CAP_DAC_OVERRIDE = 1;
    static final int CAP_DAC_READ_SEARCH = 2;
    static final int CAP_SYS_PTRACE = 19;
    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_SYSLOG = 34;
    static final int CAP_PERFMON = 38;
    static final int CAP_CHECKPOINT_RESTORE = 40;

    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

    private final Path procSys;
    private final Path procSelfStatus;
    private final Path kallsyms;

    SamplingPreflight(Path procSys, Path procSelfStatus, Path kallsyms) {
        this.procSys = procSys;
        this.procSelfStatus = procSelfStatus;
        this.kallsyms = kallsyms;
    }

    public static SamplingPreflight ofThisHost() {
        return new SamplingPreflight(Path.of("/proc/sys"), Path.of("/proc/self/status"), Path.of("/proc/kallsyms"));
    }

    /** A problem found before opening any event. */
    public record Finding(SamplingProblem problem, String message) {}

    /** Everything wrong that can be seen without calling perf_event_open; fatal findings first. */
    public List<Finding> check(boolean kernelStacks) {
        List<Finding> findings = new ArrayList<>();
        String release = read(procSys.resolve("kernel/osrelease")).orElse("").strip();
        Matcher m = RELEASE.matcher(release);
        if (m.find()) {
            int major = Integer.parseInt(m.group(1));
            int minor = Integer.parseInt(m.group(2));
            if (major < MINIMUM_MAJOR || (major == MINIMUM_MAJOR && minor < MINIMUM_MINOR)) {
                findings.add(new Finding(SamplingProblem.KERNEL_UNSUPPORTED,
                        "kernel " + release + " is older than " + MINIMUM_MAJOR + "." + MINIMUM_MINOR
                                + ", which the sampler needs for MMAP2/COMM_EXEC records and perf_event_max_stack"));
            }
        }
        Optional<String> paranoid = read(procSys.resolve("kernel/perf_event_paranoid")).map(String::strip);
        if (paranoid.isEmpty()) {
            findings.add(new Finding(SamplingProblem.KERNEL_UNSUPPORTED,
                    "the kernel has no perf events (" + procSys.resolve("kernel/perf_event_paranoid") + " is missing; CONFIG_PERF_EVENTS off)"));
        } else if (!hasCapability(CAP_PERFMON) && !hasCapability(CAP_SYS_ADMIN) && parseInt(paranoid.get()) > 0) {
            findings.add(new Finding(SamplingProblem.PERF_UNAVAILABLE,
                    "CPU-wide sampling needs CAP_PERFMON or CAP_SYS_ADMIN, or kernel.perf_event_paranoid <= 0 (it is "
                            + paranoid.get() + "); run as root or add the PERFMON capability"));
        }
        if (kernelStacks && !kernelSymbolsReadable()) {
            String kptr = read(procSys.resolve("kernel/kptr_restrict")).map(String::strip).orElse("?");
            findings.add(new Finding(SamplingProblem.KERNEL_SYMBOLS_HIDDEN,
                    "kernel frames will not be named: " + kallsyms + " shows zero addresses (kernel.kptr_restrict=" + kptr
                            + (hasCapability(CAP_SYSLOG) ? "" : ", no CAP_SYSLOG") + ")"));
        }
        List<String> unreadable = unreadableProcessFiles();
        if (!unreadable.isEmpty()) {
            findings.add(new Finding(SamplingProblem.PROCESS_FILES_UNREADABLE,
                    "frames of some processes will not be named: " + String.join("; ", unreadable)));
        }
        return findings;
    }

    /** Whether whole CPUs may be sampled: CAP_PERFMON, CAP_SYS_ADMIN, or {@code kernel.perf_event_paranoid} 0 or below. */
    public boolean cpuWideAllowed() {
        return hasCapability(CAP_PERFMON) || hasCapability(CAP_SYS_ADMIN) || paranoid().map(level -> level <= 0).orElse(false);
    }

    /**
     * What stands in the way of sampling only the threads of {@code pids}, in user space, as a
     * user who may not sample whole CPUs: {@code perf_event_paranoid} 1 or 2 allows it for the
     * user's own processes; 3 and above (a distribution patch) refuses every unprivileged user,
     * and another user's process needs CAP_SYS_PTRACE as for a debugger.
     */
    public List<Finding> checkOwnProcesses(Set<Integer> pids, Path procRoot) {
        List<Finding> findings = new ArrayList<>();
        Optional<Integer> level = paranoid();
        if (level.isEmpty()) {
            findings.add(new Finding(SamplingProblem.KERNEL_UNSUPPORTED,
                    "the kernel has no perf events (" + procSys.resolve("kernel/perf_event_paranoid") + " is missing; CONFIG_PERF_EVENTS off)"));
        } else if (level.get() > 2) {
            findings.add(new Finding(SamplingProblem.PERF_UNAVAILABLE, "kernel.perf_event_paranoid is " + level.get()
                    + ": this kernel lets no unprivileged user sample, not even their own processes; set it to 2 or below, or run as root"));
        }
        long uid = effectiveUid();
        for (int pid : pids) {
            long owner = ownerOf(procRoot.resolve(Integer.toString(pid)));
            if (owner >= 0 && owner != uid && !hasCapability(CAP_SYS_PTRACE)) {
                findings.add(new Finding(SamplingProblem.PERF_UNAVAILABLE, "pid " + pid + " belongs to uid " + owner + ", not to uid " + uid
                        + ": sampling another user's process needs CAP_SYS_PTRACE (or root, which samples whole CPUs)"));
            }
        }
        return findings;
    }

    /** Why only the chosen processes are sampled and what that leaves out, for the user to read before recording. */
    public String ownProcessesNote(Set<Integer> pids) {
        return "uid " + effectiveUid() + " may not sample whole CPUs (kernel.perf_event_paranoid=" + paranoid().map(String::valueOf).orElse("?")
                + ", no CAP_PERFMON): sampling the threads of pid " + pids.stream().map(String::valueOf).collect(Collectors.joining(", "))
                + " in user space only, which the kernel allows for your own processes; threads and children they start from now on are"
                + " followed, kernel frames and processes they started earlier are not recorded";
    }

    private Optional<Integer> paranoid() {
        return read(procSys.resolve("kernel/perf_event_paranoid")).map(String::strip).flatMap(value -> {
            try {
                return Optional.of(Integer.parseInt(value));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    private long effectiveUid() {
        return read(procSelfStatus).flatMap(status -> status.lines().filter(line -> line.startsWith("Uid:")).findFirst())
                .map(line -> Long.parseLong(line.substring(4).strip().split("\\s+")[1]))
                .orElse(-1L);
    }

    private static long ownerOf(Path processDirectory) {
        try {
            return ((Number) Files.getAttribute(processDirectory, "unix:uid")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** What symbolization cannot read without the capabilities missing from the effective set. */
    private List<String> unreadableProcessFiles() {
        List<String> missing = new ArrayList<>();
        if (!hasCapability(CAP_SYS_PTRACE)) {
            missing.add("no CAP_SYS_PTRACE: other users' /proc/<pid>/root and /proc/<pid>/maps are closed");
        }
        if (!hasCapability(CAP_DAC_READ_SEARCH) && !hasCapability(CAP_DAC_OVERRIDE)) {
            missing.add("no CAP_DAC_READ_SEARCH: binaries that root's permission bits do not open stay unread");
        }
        if (!hasCapability(CAP_CHECKPOINT_RESTORE) && !hasCapability(CAP_SYS_ADMIN)) {
            missing.add("no CAP_CHECKPOINT_RESTORE (kernel 5.9+) or CAP_SYS_ADMIN: deleted or replaced binaries, "
                    + "reachable only through /proc/<pid>/map_files, stay unread");
        }
        return missing;
    }

    boolean kernelSymbolsReadable() {
        try (var lines = Files.lines(kallsyms)) {
            return lines.limit(64).anyMatch(line -> !line.startsWith("0000000000000000"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    boolean hasCapability(int capability) {
        return read(procSelfStatus).flatMap(status -> status.lines()
                        .filter(line -> line.startsWith("CapEff:"))
                        .findFirst())
                .map(line -> (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << capability)) != 0)
                .orElse(false);
    }

    /** Turns a failed perf_event_open (or mmap/ioctl) into the reason the operator shows. */
    static SamplingUnavailableException explain(ErrnoException e, SamplerOptions options) {
        String what = "perf_event_open of a " + options.frequencyHz() + " Hz CPU-clock event failed with "
                + e.getMessage() + ": ";
        if (e.call().equals("mmap") && (e.errno() == ErrnoException.EPERM || e.errno() == ErrnoException.EACCES)) {
            return new SamplingUnavailableException(SamplingProblem.PERF_UNAVAILABLE, what + "the ring buffer exceeds the locked memory "
                    + "this user may pin: kernel.perf_event_mlock_kb (" + read(Path.of("/proc/sys/kernel/perf_event_mlock_kb")).map(String::strip)
                    .orElse("unknown") + " KiB per CPU, shared by every perf user of this uid) and then RLIMIT_MEMLOCK; grant CAP_IPC_LOCK, "
                    + "or raise the limit", e);
        }
        return switch (e.errno()) {
            case ErrnoException.EACCES, ErrnoException.EPERM -> new SamplingUnavailableException(SamplingProblem.PERF_UNAVAILABLE,
                    what + (options.tasks().isEmpty() ? "" : "sampling a process of another user needs CAP_SYS_PTRACE; ") + "CPU-wide sampling needs CAP_PERFMON or CAP_SYS_ADMIN, or kernel.perf_event_paranoid <= 0 "
                            + "(it is " + read(Path.of("/proc/sys/kernel/perf_event_paranoid")).map(String::strip).orElse("unknown")
                            + "); a seccomp profile may also block perf_event_open", e);
            case ErrnoException.ENOENT, ErrnoException.ENOSYS, ErrnoException.EOPNOTSUPP, ErrnoException.E2BIG ->
                    new SamplingUnavailableException(SamplingProblem.KERNEL_UNSUPPORTED,
                            what + "this kernel does not support software CPU-clock sampling with the attributes the sampler uses", e);
            case ErrnoException.EINVAL -> new SamplingUnavailableException(SamplingProblem.KERNEL_UNSUPPORTED,
                    what + "check that " + options.frequencyHz() + " Hz is below kernel.perf_event_max_sample_rate ("
                            + read(Path.of("/proc/sys/kernel/perf_event_max_sample_rate")).map(String::strip).orElse("unknown")
                            + ") and that the cgroup paths are cgroup v2 directories", e);
            case ErrnoException.EMFILE -> new SamplingUnavailableException(SamplingProblem.PERF_UNAVAILABLE,
                    what + "out of file descriptors (one per CPU per cgroup); raise RLIMIT_NOFILE", e);
            default -> new SamplingUnavailableException(SamplingProblem.PERF_UNAVAILABLE, what + "see perf_event_open(2)", e);
        };
    }

    /**
     * Reads a small /proc file in one stream. Not {@code Files.readString}: for a file that reports
     * size 0 it reads one byte first and then continues at offset 1, where an integer sysctl
     * ({@code perf_event_paranoid}, {@code perf_event_mlock_kb}) answers end-of-file, so "-1" would
     * read as "-" and "516" as "5".
     */
    private static Optional<String> read(Path file) {
        try (var in = Files.newInputStream(file)) {
            return Optional.of(new String(in.readNBytes(4096), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int parseInt(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }
}
