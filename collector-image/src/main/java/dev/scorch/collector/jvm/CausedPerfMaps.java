package dev.scorch.collector.jvm;

import dev.scorch.collector.linux.ErrnoException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The perf maps ({@code /tmp/perf-<nspid>.map}) the collector caused JVMs to write, removed once
 * the JVM has exited: HotSpot leaves the file behind, and on a host they pile up. A map is the
 * collector's only when no map of that JVM existed before its first request (one older than the
 * JVM was left by an earlier process with its pid, and is overwritten) and the file is
 * still, to the inode, size and modification time, the one the JVM wrote on the collector's last
 * request. A map the JVM wrote on its own ({@code -XX:+DumpPerfMapAtExit} rewrites it at exit) or
 * on a user's own {@code jcmd} fails that test and stays. A JVM is known by pid and start time, so
 * a reused pid is another JVM.
 *
 * <p>Files are reached as every container file is: the container's {@code /tmp} resolved inside
 * its root ({@link TmpInRoot}), the map looked up there without following a symlink. Once the
 * JVM has exited its own {@code /proc/<pid>/root} is gone, so the root is reached through a peer: the JVM's furthest ancestor in the same mount namespace, still
 * running with the same start time. A JVM without one was its container's or its service's first
 * process, whose {@code /tmp} goes with it (a container's writable layer, a private tmp).
 *
 * <p>A request that reached the JVM and was not answered in time is answered later, when the JVM
 * runs again: the JVM stays followed, and a map other than the one there before that request is
 * the collector's. Those still owed at the end are handed to the next collector
 * ({@link #answersDue}, {@link #adopt}). The file is one piece: every path (request, sweep, end,
 * hand-over) decides under one lock, on one JVM's state, whether a map on disk is the collector's.
 */
final class CausedPerfMaps {

    private static final int MAX_TRACKED = 4096;
    /** Boot time is known to the second: a map from about the JVM's start counts as the JVM's. */
    private static final long STARTED_AT_SLACK_NANOS = 2_000_000_000L;

    /** What the collector knows of one JVM's map. */
    private static final class Tracked {
        final int nsPid;
        final String mountNamespace;
        final ProcProcesses.Identity peer;
        /** A map existed before the first request: the JVM's or its user's, never removed. */
        final boolean foreign;
        TmpInRoot.FileIdentity written;
        /** A request is in flight: the JVM may write the map again. */
        boolean requested;
        /** The map as it was before the latest request (null: none). */
        TmpInRoot.FileIdentity before;
        /**
         * The latest request reached the JVM and was not answered in time: the JVM may still write
         * the map, and a map other than {@link #before} is then the collector's.
         */
        boolean answerDue;
        /** Adopted from a collector that has ended: the map its request causes is removed as soon as it is seen. */
        boolean unwanted;

        Tracked(int nsPid, String mountNamespace, ProcProcesses.Identity peer, boolean foreign) {
            this.nsPid = nsPid;
            this.mountNamespace = mountNamespace;
            this.peer = peer;
            this.foreign = foreign;
        }

        String fileName() {
            return "perf-" + nsPid + ".map";
        }
    }

    private final Path procRoot;
    private final ProcProcesses processes;
    private final LinkedHashMap<ProcProcesses.Identity, Tracked> maps = new LinkedHashMap<>();
    private final Map<String, Long> outcomes = new TreeMap<>();
    /** Set by {@link #removeAll()}: a map written on a request answered after it is removed at once. */
    private boolean ended;

    CausedPerfMaps(Path procRoot) {
        this.procRoot = procRoot;
        this.processes = new ProcProcesses(procRoot);
    }

    /** Before a request to JVM {@code pid}: on the first, notes whether a map was there already. */
    synchronized void beforeRequest(int pid, int nsPid) {
        ProcProcesses.Identity jvm = processes.identity(pid);
        if (jvm == null) {
            return;
        }
        Tracked known = maps.get(jvm);
        if (known != null) {
            known.requested = true;
            known.before = identity(pid, nsPid);
            return;
        }
        String namespace = processes.mountNamespace(pid);
        if (namespace == null) {
            return;
        }
        TmpInRoot.FileIdentity existing = identity(pid, nsPid);
        long started = processes.startedAtNanos(jvm);
        // Older than the JVM: left behind by an earlier process with the same pid, and overwritten on request. When the
        // JVM's start is unknown, any map there counts as the JVM's own.
        boolean foreign = existing != null && (started == Long.MIN_VALUE || existing.modifiedNanos() >= started - STARTED_AT_SLACK_NANOS);
        Tracked tracked = new Tracked(nsPid, namespace, processes.furthestAncestorIn(pid, namespace), foreign);
        tracked.requested = true;
        tracked.before = existing;
        maps.put(jvm, tracked);
        if (maps.size() > MAX_TRACKED) {
            Iterator<ProcProcesses.Identity> eldest = maps.keySet().iterator();
            eldest.next();
            eldest.remove();
            count("untracked");
        }
    }

    /** After JVM {@code pid} answered a request: the map as it wrote it, removed at once after {@link #removeAll()}. */
    synchronized void afterRequest(int pid) {
        ProcProcesses.Identity jvm = processes.identity(pid);
        Tracked map = jvm == null ? null : maps.get(jvm);
        if (map != null) {
            map.requested = false;
            map.answerDue = false;
        }
        if (map != null && !map.foreign) {
            map.written = identity(pid, map.nsPid);
            if (ended || map.unwanted) {
                maps.remove(jvm);
                removeThrough(pid, map);
            }
        }
    }

    /**
     * After a request to JVM {@code pid} failed; {@code mayStillAnswer} when it reached the JVM,
     * which did not reply in time: the JVM may write the map later, and stays followed. A JVM that
     * never wrote a map on request and owes no answer is not followed.
     */
    synchronized void requestFailed(int pid, boolean mayStillAnswer) {
        ProcProcesses.Identity jvm = processes.identity(pid);
        Tracked map = jvm == null ? null : maps.get(jvm);
        if (map != null) {
            map.requested = false;
            map.answerDue |= mayStillAnswer && !map.foreign;
        }
        if (map != null && map.written == null && !map.answerDue) {
            maps.remove(jvm);
        }
    }

    /**
     * Takes the answers that came after their request gave up: a running JVM that owed one and
     * whose map changed since wrote it on the collector's request; it is removed at once when the
     * collector that asked has ended.
     */
    private int settleLateAnswers() {
        int removed = 0;
        for (Iterator<Map.Entry<ProcProcesses.Identity, Tracked>> it = maps.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            Tracked map = entry.getValue();
            if (!map.answerDue || map.requested || !processes.running(entry.getKey())) {
                continue;
            }
            TmpInRoot.FileIdentity now = identity(entry.getKey().pid(), map.nsPid);
            if (now == null || now.equals(map.before)) {
                continue;
            }
            if (ended || map.unwanted) {
                // Still due when removed: the JVM may be writing the map yet, and any map but the one before is ours.
                it.remove();
                removed += removeThrough(entry.getKey().pid(), map);
                continue;
            }
            map.answerDue = false;
            map.written = now;
        }
        return removed;
    }

    /** Removes the maps of the JVMs that have exited; returns how many were removed. */
    synchronized int removeExited() {
        int removed = settleLateAnswers();
        for (Iterator<Map.Entry<ProcProcesses.Identity, Tracked>> it = maps.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (processes.running(entry.getKey())) {
                continue;
            }
            it.remove();
            removed += settle(entry.getValue()) ? 1 : 0;
        }
        return removed;
    }

    /**
     * Removes every map still as the collector had it written, the running JVMs' too (the end of a
     * recording). A running JVM with a request in flight stays followed: the map it writes on that
     * request is removed at once ({@link #afterRequest}).
     */
    synchronized int removeAll() {
        ended = true;
        int removed = settleLateAnswers();
        for (Iterator<Map.Entry<ProcProcesses.Identity, Tracked>> it = maps.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            ProcProcesses.Identity jvm = entry.getKey();
            Tracked map = entry.getValue();
            boolean running = processes.running(jvm);
            if (!running || !(map.requested || map.answerDue) || map.foreign) {
                it.remove();
            }
            if (running && map.written != null) {
                removed += removeThrough(jvm.pid(), map);
            } else if (!running) {
                removed += settle(map) ? 1 : 0;
            } else if (map.foreign) {
                count("kept_not_ours");
            }
        }
        return removed;
    }

    /**
     * The JVMs still running that may yet answer a request (in flight, or gone unanswered), for the
     * collector that comes next on the host ({@link #adopt}).
     */
    synchronized List<AnswersDueFile.AnswerDue> answersDue() {
        List<AnswersDueFile.AnswerDue> due = new ArrayList<>();
        maps.forEach((jvm, map) -> {
            if ((map.requested || map.answerDue) && !map.foreign && processes.running(jvm)) {
                due.add(new AnswersDueFile.AnswerDue(jvm, map.nsPid, map.mountNamespace, map.peer, map.before));
            }
        });
        return due;
    }

    /**
     * Follows the JVMs an ended collector left owing an answer: the map each writes on that request
     * is removed as soon as it is seen, or once the JVM has exited. One no longer there as it was,
     * with no peer left to reach its root through, is skipped.
     *
     * @return the JVMs followed
     */
    synchronized int adopt(List<AnswersDueFile.AnswerDue> due) {
        int adopted = 0;
        for (AnswersDueFile.AnswerDue jvm : due) {
            if (maps.containsKey(jvm.jvm()) || !processes.running(jvm.jvm()) && (jvm.peer() == null || !processes.running(jvm.peer()))) {
                continue;
            }
            Tracked map = new Tracked(jvm.nsPid(), jvm.mountNamespace(), jvm.peer(), false);
            map.before = jvm.before();
            map.answerDue = true;
            map.unwanted = true;
            maps.put(jvm.jvm(), map);
            adopted++;
        }
        return adopted;
    }

    /**
     * Maps by what became of them: {@code removed}, {@code kept_not_ours} (there before the first
     * request), {@code kept_rewritten} (written again since the collector's last request),
     * {@code gone} (no file, or its root went with the JVM), {@code unremovable} (the unlink failed),
     * {@code untracked} (past the bound on JVMs followed).
     */
    synchronized Map<String, Long> outcomes() {
        return new TreeMap<>(outcomes);
    }

    private boolean settle(Tracked map) {
        ProcProcesses.Identity peer = map.peer;
        if (peer == null || !processes.running(peer) || !map.mountNamespace.equals(processes.mountNamespace(peer.pid()))) {
            count(map.foreign ? "kept_not_ours" : "gone");
            return false;
        }
        return removeThrough(peer.pid(), map) == 1;
    }

    /** Removes {@code map} from the {@code /tmp} inside the root of process {@code viaPid}, when it is the collector's. */
    private int removeThrough(int viaPid, Tracked map) {
        if (map.foreign) {
            count("kept_not_ours");
            return 0;
        }
        try (TmpInRoot tmp = new TmpInRoot(procRoot, viaPid)) {
            TmpInRoot.FileIdentity now = tmp.identity(map.fileName());
            if (now == null) {
                count("gone");
                return 0;
            }
            // An answer still due may have come: a map other than the one before the request is the collector's.
            if (!now.equals(map.written) && !(map.answerDue && !now.equals(map.before))) {
                count("kept_rewritten");
                return 0;
            }
            Files.delete(tmp.file(map.fileName()));
            count("removed");
            return 1;
        } catch (ErrnoException | NoSuchFileException e) {
            count("gone");
            return 0;
        } catch (IOException e) {
            count("unremovable");
            return 0;
        }
    }

    /** The map of running JVM {@code pid} as it is now, null when there is none or it cannot be reached. */
    private TmpInRoot.FileIdentity identity(int pid, int nsPid) {
        try (TmpInRoot tmp = new TmpInRoot(procRoot, pid)) {
            return tmp.identity("perf-" + nsPid + ".map");
        } catch (ErrnoException e) {
            return null;
        }
    }

    private void count(String outcome) {
        outcomes.merge(outcome, 1L, Long::sum);
    }
}
