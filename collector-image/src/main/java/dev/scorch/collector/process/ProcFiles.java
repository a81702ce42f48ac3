package dev.scorch.collector.process;

import dev.scorch.collector.budget.BudgetedLines;
import dev.scorch.collector.budget.OverBudgetException;
import dev.scorch.collector.budget.ParseBudget;
import dev.scorch.collector.budget.ParseRejections;
import dev.scorch.collector.budget.TotalBudget;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads what the process table needs from {@code /proc/<pid>}: the executable mappings of {@code
 * maps}, the name and namespace pid of {@code status}, and the {@code cgroup} file for attribution.
 * Processes can vanish at any moment and control parts of these files (mapped paths, names, cgroup
 * names), so each read is a parse of hostile input: bounded by a {@link ParseBudget} per file and a
 * node-wide {@link TotalBudget}, a refusal counted by parser and limit, and remembered by process
 * identity (pid and start time) so a hostile process costs its budget once. A line that does not
 * parse is skipped.
 */
final class ProcFiles {

    private static final System.Logger LOG = System.getLogger(ProcFiles.class.getName());

    /**
     * A process may hold up to {@code vm.max_map_count} mappings (65,530 by default, 262,144 on
     * nodes tuned for Elasticsearch), a line each of about 100 bytes.
     */
    static final ParseBudget.Limits MAPS = new ParseBudget.Limits("proc_maps", 32L << 20, 262_144, 16L << 20);
    /** A path of PATH_MAX bytes, every byte escaped by the kernel as {@code \ooo} at worst, plus the fields before it. */
    static final int MAX_MAPS_LINE = 20_480;
    /** Status is about 1.5 KiB; its Groups line alone may list 65,536 groups. */
    static final ParseBudget.Limits STATUS = new ParseBudget.Limits("proc_status", 1L << 20, 1024, 64 << 10);
    static final int MAX_STATUS_LINE = 1024;
    /** One short line per cgroup hierarchy: a few hundred bytes on a real node. */
    static final ParseBudget.Limits CGROUP = new ParseBudget.Limits("cgroup", 64 << 10, 256, 256 << 10);
    static final int MAX_CGROUP_LINE = 8192;
    /** {@code stat} is one line; the command in it is at most 64 bytes escaped. */
    static final ParseBudget.Limits STAT = new ParseBudget.Limits("proc_stat", 16 << 10, 4, 16 << 10);
    static final int MAX_STAT_LINE = 4096;
    /** What reading /proc may cost the node per minute: far above a busy node's churn, far below a core. */
    static final long TOTAL_READ_BYTES_PER_MINUTE = 1L << 30;
    static final long TOTAL_LINES_PER_MINUTE = 8_000_000;
    /** Field 22 of {@code stat}, counted from the state field after the command's closing parenthesis. */
    private static final int START_TIME_AFTER_COMMAND = 19;

    private final Path procRoot;
    private final ParseRejections rejections = new ParseRejections();
    private final TotalBudget total;

    ProcFiles(Path procRoot) {
        this(procRoot, new TotalBudget(TOTAL_READ_BYTES_PER_MINUTE, TOTAL_LINES_PER_MINUTE, Duration.ofMinutes(1), System::nanoTime));
    }

    ProcFiles(Path procRoot, TotalBudget total) {
        this.procRoot = procRoot;
        this.total = total;
    }

    /** Files refused so far, by {@code parser/limit}, remembered by file and process identity. */
    ParseRejections rejections() {
        return rejections;
    }

    /** The pids of the processes running now (the numeric entries of the proc root). */
    List<Integer> pids() {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(procRoot)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.isEmpty() && name.length() <= 10 && name.chars().allMatch(Character::isDigit)) {
                    pids.add(Integer.parseInt(name));
                }
            }
        } catch (IOException | RuntimeException e) {
            // An unreadable proc root leaves every process to be read on first sight.
        }
        return pids;
    }

    boolean alive(int pid) {
        return Files.isDirectory(procRoot.resolve(Integer.toString(pid)));
    }

    /** How reading a process's file ended. */
    enum Outcome {
        READ,
        /** The process is gone or the file unreadable. */
        GONE,
        /** Over its budget, now or earlier in this process's life: counted and remembered. */
        REFUSED,
        /** The node-wide budget of this minute is spent: read it again later. */
        DEFERRED
    }

    /** A process's executable mappings, or why there are none. */
    record Maps(List<Mapping> mappings, Outcome outcome) {}

    /** The executable mappings of {@code maps}, within its budget. */
    Maps executableMappings(int pid) {
        Optional<String> identity = identity(pid).map(process -> MAPS.parser() + ":" + process);
        if (refusedBefore(identity)) {
            return new Maps(List.of(), Outcome.REFUSED);
        }
        ParseBudget budget = ParseBudget.of(MAPS, total);
        try (BudgetedLines lines = BudgetedLines.open(procRoot.resolve(pid + "/maps"), budget, MAX_MAPS_LINE)) {
            List<Mapping> result = new ArrayList<>();
            String line;
            while ((line = lines.next()) != null) {
                budget.require("line_bytes", lines.truncated() ? MAX_MAPS_LINE + 1 : line.length(), MAX_MAPS_LINE);
                if (!MapsLine.executable(line)) {
                    continue;
                }
                Mapping mapping = MapsLine.parse(line);
                if (mapping != null && mapping.executable()) {
                    budget.heap(64 + 2L * mapping.path().length());
                    result.add(mapping);
                }
            }
            return new Maps(result, Outcome.READ);
        } catch (OverBudgetException e) {
            return new Maps(List.of(), refused(pid, identity, e));
        } catch (IOException | RuntimeException e) {
            return new Maps(List.of(), Outcome.GONE);
        }
    }

    /** Name and innermost namespace pid from {@code status}, when the process is still there and the file within its budget. */
    Optional<Status> status(int pid) {
        Optional<String> identity = identity(pid).map(process -> STATUS.parser() + ":" + process);
        if (refusedBefore(identity)) {
            return Optional.empty();
        }
        ParseBudget budget = ParseBudget.of(STATUS, total);
        try (BudgetedLines lines = BudgetedLines.open(procRoot.resolve(pid + "/status"), budget, MAX_STATUS_LINE)) {
            String name = "";
            int nsPid = pid;
            String line;
            while ((line = lines.next()) != null) {
                boolean wanted = line.startsWith("Name:") || line.startsWith("NSpid:");
                // Lines we skip (Groups may list thousands) may be long; the two we keep are short on every kernel.
                budget.require("line_bytes", wanted && lines.truncated() ? MAX_STATUS_LINE + 1 : 0, MAX_STATUS_LINE);
                if (line.startsWith("Name:")) {
                    name = line.substring(5).strip();
                } else if (line.startsWith("NSpid:")) {
                    String[] pids = line.substring(6).strip().split("\\s+");
                    nsPid = Integer.parseInt(pids[pids.length - 1]);
                    break;
                }
            }
            return Optional.of(new Status(name, nsPid));
        } catch (OverBudgetException e) {
            refused(pid, identity, e);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    record Status(String name, int namespacePid) {}

    /**
     * The content of {@code cgroup} for attribution, or empty when the process is gone or the file
     * is over its budget (then the process is attributed to no container, and the refusal counted).
     */
    Optional<String> cgroup(int pid) {
        Optional<String> identity = identity(pid).map(process -> CGROUP.parser() + ":" + process);
        if (refusedBefore(identity)) {
            return Optional.empty();
        }
        ParseBudget budget = ParseBudget.of(CGROUP, total);
        try (BudgetedLines lines = BudgetedLines.open(procRoot.resolve(pid + "/cgroup"), budget, MAX_CGROUP_LINE)) {
            StringBuilder content = new StringBuilder();
            String line;
            while ((line = lines.next()) != null) {
                budget.require("line_bytes", lines.truncated() ? MAX_CGROUP_LINE + 1 : line.length(), MAX_CGROUP_LINE);
                budget.heap(2L * line.length());
                content.append(line).append('\n');
            }
            return Optional.of(content.toString());
        } catch (OverBudgetException e) {
            refused(pid, identity, e);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Who the process is for the rejection memory: its pid and start time (field 22 of {@code
     * stat}), so a pid reused by a new process is read afresh. Empty when {@code stat} cannot be
     * read; then refusals are counted but not remembered.
     */
    Optional<String> identity(int pid) {
        try (BudgetedLines lines = BudgetedLines.open(procRoot.resolve(pid + "/stat"), ParseBudget.of(STAT), MAX_STAT_LINE)) {
            String stat = lines.next();
            if (stat == null || lines.truncated()) {
                return Optional.empty();
            }
            String[] fields = stat.substring(stat.lastIndexOf(')') + 1).strip().split(" ");
            return fields.length > START_TIME_AFTER_COMMAND
                    ? Optional.of(pid + "@" + Long.parseUnsignedLong(fields[START_TIME_AFTER_COMMAND]))
                    : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private boolean refusedBefore(Optional<String> identity) {
        return identity.isPresent() && rejections.of(identity.get()) != null;
    }

    private Outcome refused(int pid, Optional<String> identity, OverBudgetException e) {
        ParseRejections.Rejection rejection = new ParseRejections.Rejection(e.parser(), e.limit());
        if (e.deferred()) {
            rejections.count(rejection);
            return Outcome.DEFERRED;
        }
        identity.ifPresentOrElse(file -> rejections.reject(file, rejection), () -> rejections.count(rejection));
        LOG.log(Level.INFO, () -> "not reading this " + e.parser() + " file of pid " + pid + " again while the process lives: " + e.getMessage());
        return Outcome.REFUSED;
    }
}
