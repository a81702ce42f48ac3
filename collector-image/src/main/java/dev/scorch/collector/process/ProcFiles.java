package dev.scorch.collector.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads what the process table needs from {@code /proc/<pid>}: the executable mappings of
 * {@code maps} and the name and namespace pid of {@code status}. Processes can vanish at any
 * moment, and maps lines are partly controlled by the process, so every read is bounded and a
 * line that does not parse is skipped.
 */
final class ProcFiles {

    /** A JVM has a few thousand mappings; stop long before a hostile process could hurt. */
    static final int MAX_MAPS_LINES = 65_536;
    static final int MAX_LINE = 8192;

    private final Path procRoot;

    ProcFiles(Path procRoot) {
        this.procRoot = procRoot;
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

    /** The executable mappings, or empty when the process is gone or unreadable. */
    Optional<List<Mapping>> executableMappings(int pid) {
        Path maps = procRoot.resolve(pid + "/maps");
        try (BufferedReader reader = Files.newBufferedReader(maps, StandardCharsets.UTF_8)) {
            List<Mapping> result = new ArrayList<>();
            String line;
            int lines = 0;
            while ((line = reader.readLine()) != null && lines++ < MAX_MAPS_LINES) {
                if (line.length() <= MAX_LINE) {
                    Mapping mapping = parseMapsLine(line);
                    if (mapping != null && mapping.executable()) {
                        result.add(mapping);
                    }
                }
            }
            return Optional.of(result);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * One line of {@code /proc/<pid>/maps}: {@code start-end perms offset dev inode path}, with
     * the path (possibly containing spaces, possibly absent) starting after the padding.
     */
    static Mapping parseMapsLine(String line) {
        int[] fieldStart = new int[6];
        int fields = 0;
        int i = 0;
        int n = line.length();
        while (fields < 6 && i < n) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            fieldStart[fields++] = i;
            if (fields == 6) {
                break;
            }
            while (i < n && line.charAt(i) != ' ') {
                i++;
            }
        }
        if (fields < 5) {
            return null;
        }
        try {
            String range = token(line, fieldStart[0]);
            int dash = range.indexOf('-');
            long start = Long.parseUnsignedLong(range.substring(0, dash), 16);
            long limit = Long.parseUnsignedLong(range.substring(dash + 1), 16);
            String perms = token(line, fieldStart[1]);
            long offset = Long.parseUnsignedLong(token(line, fieldStart[2]), 16);
            long inode = Long.parseUnsignedLong(token(line, fieldStart[4]));
            String path = fields == 6 ? line.substring(fieldStart[5]) : "";
            if (path.endsWith(" (deleted)")) {
                path = path.substring(0, path.length() - " (deleted)".length());
            }
            if (Long.compareUnsigned(limit, start) <= 0 || perms.length() < 3) {
                return null;
            }
            return new Mapping(start, limit, offset, path, inode, perms.charAt(2) == 'x');
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String token(String line, int from) {
        int end = line.indexOf(' ', from);
        return end < 0 ? line.substring(from) : line.substring(from, end);
    }

    /** Name and innermost namespace pid from {@code status}, when the process is still there. */
    Optional<Status> status(int pid) {
        Path status = procRoot.resolve(pid + "/status");
        try (BufferedReader reader = Files.newBufferedReader(status, StandardCharsets.UTF_8)) {
            String name = "";
            int nsPid = pid;
            String line;
            int lines = 0;
            while ((line = reader.readLine()) != null && lines++ < 256) {
                if (line.startsWith("Name:")) {
                    name = line.substring(5).strip();
                } else if (line.startsWith("NSpid:")) {
                    String[] pids = line.substring(6).strip().split("\\s+");
                    nsPid = Integer.parseInt(pids[pids.length - 1]);
                }
            }
            return Optional.of(new Status(name, nsPid));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    record Status(String name, int namespacePid) {}
}
