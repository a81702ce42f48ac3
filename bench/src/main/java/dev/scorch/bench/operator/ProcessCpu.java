package dev.scorch.bench.operator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process has used (user and system, {@code /proc/<pid>/stat}), so that what one apply
 * costs each controller can be set side by side.
 */
final class ProcessCpu {
    /** Clock ticks per second of {@code /proc/<pid>/stat}'s times: USER_HZ, 100 on Linux. */
    private static final double TICKS_PER_SECOND = 100;

    private final long pid;

    private ProcessCpu(long pid) {
        this.pid = pid;
    }

    static ProcessCpu of(long pid) {
        return new ProcessCpu(pid);
    }

    /** The process this benchmark started (directly or not) whose executable is named {@code name}. */
    static ProcessCpu descendantNamed(String name) {
        return ProcessHandle.current().descendants()
                .filter(process -> process.info().command().map(command -> Path.of(command).getFileName().toString().equals(name))
                        .orElse(false))
                .findFirst().map(process -> new ProcessCpu(process.pid()))
                .orElseThrow(() -> new IllegalStateException("no process " + name + " under the benchmark"));
    }

    /** User plus system CPU seconds used so far. */
    double seconds() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command, which is in parentheses and may hold spaces: state is field 3,
            // utime 14 and stime 15.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CPU time of process " + pid, e);
        }
    }
}
