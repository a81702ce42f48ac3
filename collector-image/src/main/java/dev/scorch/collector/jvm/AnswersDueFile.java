package dev.scorch.collector.jvm;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVMs that still owe a JIT map request when a collector ends, handed to the next collector on
 * the host through a file in a directory that outlives it: a JVM that answers after its collector
 * has exited writes a map that collector can no longer remove. One line per JVM: pid and start
 * ticks, namespace pid, mount namespace, the peer its root is reached through after it exits, and
 * the map as it was before the request. The file is the collector's own (root's, in its spool
 * root), read to a bound and parsed defensively all the same: a line that does not parse is skipped.
 */
final class AnswersDueFile {

    private static final System.Logger LOG = System.getLogger(AnswersDueFile.class.getName());
    private static final int MAX_BYTES = 1 << 20;

    /** A JVM that may still write its map on an ended collector's request. */
    record AnswerDue(ProcProcesses.Identity jvm, int nsPid, String mountNamespace, ProcProcesses.Identity peer,
            TmpInRoot.FileIdentity before) {

        String line() {
            return String.join(" ", jvm.pid() + "/" + jvm.startTicks(), Integer.toString(nsPid), mountNamespace,
                    peer == null ? "-" : peer.pid() + "/" + peer.startTicks(),
                    before == null ? "-" : before.key() + "/" + before.size() + "/" + before.modifiedNanos());
        }

        /** The JVM a line names, null when it does not parse. */
        static AnswerDue parse(String line) {
            String[] fields = line.split(" ");
            try {
                if (fields.length != 5 || fields[2].isEmpty()) {
                    return null;
                }
                TmpInRoot.FileIdentity before = null;
                if (!fields[4].equals("-")) {
                    String[] identity = fields[4].split("/");
                    before = new TmpInRoot.FileIdentity(identity[0], Long.parseLong(identity[1]), Long.parseLong(identity[2]));
                }
                return new AnswerDue(identity(fields[0]), Integer.parseInt(fields[1]), fields[2],
                        fields[3].equals("-") ? null : identity(fields[3]), before);
            } catch (RuntimeException e) {
                return null;
            }
        }

        private static ProcProcesses.Identity identity(String field) {
            int slash = field.indexOf('/');
            return new ProcProcesses.Identity(Integer.parseInt(field.substring(0, slash)), Long.parseLong(field.substring(slash + 1)));
        }
    }

    private AnswersDueFile() {}

    /** Reads and deletes what an ended collector left at {@code file}; nothing when there is no file. */
    static List<AnswerDue> take(Path file) {
        List<AnswerDue> due = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8).lines().map(AnswerDue::parse)
                    .filter(java.util.Objects::nonNull).forEach(due::add);
            Files.delete(file);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot read the JIT map requests an earlier collector left unanswered (" + file + "): " + e.getMessage());
        }
        return due;
    }

    /** Writes {@code due} to {@code file} in place of what was there (removed when nothing is due). */
    static void write(Path file, List<AnswerDue> due) {
        try {
            if (due.isEmpty()) {
                Files.deleteIfExists(file);
                return;
            }
            Files.createDirectories(file.getParent());
            Path written = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(written, due.stream().map(AnswerDue::line).toList(), StandardCharsets.UTF_8);
            Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.log(Level.INFO, due.size() + " JVM(s) still owe a JIT map request at the end; the next collector removes the maps they write ("
                    + file + ")");
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot hand the JIT map requests still unanswered to the next collector (" + file + "): "
                    + e.getMessage() + "; a JVM answering after this collector has exited leaves its map");
        }
    }
}
