package dev.scorch.collector.export.delivery;

import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.Set;

/** One backend's warnings, each kind of problem logged once: a failing disk or a backend rejecting every profile does not flood the log. Thread-safe. */
final class ProblemLog {

    private static final System.Logger LOG = System.getLogger(Backlog.class.getName());

    private final Set<String> logged = new HashSet<>();

    /** Logs {@code message} unless a {@code problem} of this kind was logged before. */
    void once(String problem, String message) {
        boolean first;
        synchronized (this) {
            first = logged.add(problem);
        }
        if (first) {
            LOG.log(Level.WARNING, message);
        }
    }
}
