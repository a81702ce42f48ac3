package dev.scorch.collector.process;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * The process table's record of one process: its executable mappings keyed by start address,
 * its names, and when it exited. Written by the sampler thread, read by the unwinder (on the
 * sampler thread, for every frame) and the profile builder. Changes synchronize on the entry; a
 * mapping lookup reads the current immutable {@link MappingIndex} without a lock.
 */
final class ProcessEntry implements ProcessSnapshot {

    private final int pid;
    private final ProcFiles proc;
    /**
     * Mappings with the kernel time of the MMAP2 record behind each; mappings read from /proc or
     * inherited at fork have none and belong to the image before any exec read later.
     */
    private volatile MappingIndex mappings = MappingIndex.EMPTY;
    /** Kernel time of the latest exec seen, valid when {@link #execSeen}. */
    private long execTime;
    private int namespacePid;
    private String command = "";
    private boolean exited;
    private long exitedInInterval = -1;
    private long lastSeenInterval;
    /** Whether a sample of it was ever taken: most short-lived processes never are. */
    private boolean sampled;
    private boolean procRead;
    /** Whether {@code /proc/<pid>/maps} was refused as over budget: addresses without a mapping are then a named miss. */
    private boolean mapsRefused;
    private boolean statusRead;
    /** Whether the mappings describe the whole image (from exec or a fork of a known parent). */
    private boolean complete;
    /**
     * The process this one was forked from, until it execs: records arrive per CPU, so the
     * parent's mappings may only be known after the FORK record was read.
     */
    private volatile ProcessEntry forkedFrom;
    private boolean execSeen;

    ProcessEntry(int pid, long interval, ProcFiles proc) {
        this.pid = pid;
        this.proc = proc;
        this.namespacePid = pid;
        this.lastSeenInterval = interval;
    }

    @Override
    public int pid() {
        return pid;
    }

    /** Read from /proc/<pid>/status when first asked: most processes never are. */
    @Override
    public synchronized int namespacePid() {
        readStatus();
        return namespacePid;
    }

    /** From COMM records, else /proc/<pid>/status, else (a forked child gone already) the parent's. */
    @Override
    public String command() {
        ProcessEntry parent;
        synchronized (this) {
            if (command.isEmpty()) {
                readStatus();
            }
            if (!command.isEmpty()) {
                return command;
            }
            parent = forkedFrom;
        }
        return parent == null ? "" : parent.command();
    }

    private void readStatus() {
        if (statusRead) {
            return;
        }
        statusRead = true;
        proc.status(pid).ifPresent(status -> {
            namespacePid = status.namespacePid();
            if (command.isEmpty()) {
                command = status.name();
            }
        });
    }

    @Override
    public Optional<Mapping> mappingAt(long address) {
        return Optional.ofNullable(mappingContaining(address));
    }

    @Override
    public Mapping mappingContaining(long address) {
        Mapping mapping = mappings.find(address);
        if (mapping != null) {
            return mapping;
        }
        ProcessEntry parent = forkedFrom;
        return parent == null ? null : parent.mappingContaining(address);
    }

    @Override
    public synchronized boolean exited() {
        return exited;
    }

    /** Adds a mapping read from /proc, replacing whatever it overlaps (an mmap over an old range replaces it). */
    synchronized void map(Mapping mapping) {
        mappings = mappings.with(mapping, MappingIndex.UNTIMED);
    }

    /**
     * Adds a mapping from an MMAP2 record taken at {@code timeNanos}; ignored when it belongs to
     * the image before an exec that was read first (the two records came from different CPUs).
     */
    synchronized void map(Mapping mapping, long timeNanos) {
        if (execSeen && timeNanos < execTime) {
            return;
        }
        mappings = mappings.with(mapping, timeNanos);
    }

    /**
     * Starts as a copy of {@code parent} and falls back to it for addresses the copy lacks;
     * ignored when this process's exec was already seen (records of different CPUs interleave).
     */
    void forkedFrom(ProcessEntry parent) {
        MappingIndex inherited;
        String parentCommand;
        boolean parentComplete;
        synchronized (parent) {
            inherited = parent.mappings;
            parentCommand = parent.command;
            parentComplete = parent.complete;
        }
        synchronized (this) {
            if (execSeen || forkedFrom != null) {
                return;
            }
            forkedFrom = parent;
            // Shared, not copied: the index is immutable. Mappings this process's own records added first stay on top.
            mappings = mappings.isEmpty() ? inherited.untimed() : mappings.over(inherited);
            complete = parentComplete;
            if (command.isEmpty()) {
                command = parentCommand;
            }
        }
    }

    /**
     * The process exec'd at {@code timeNanos}: mappings of the old image go, those the new image
     * mapped later stay (the loader's MMAP2 records may be read before the exec when the process
     * moved to another CPU in between). An exec older than one already seen changes nothing.
     */
    synchronized void exec(String newCommand, long timeNanos) {
        if (execSeen && timeNanos < execTime) {
            return;
        }
        forkedFrom = null;
        execSeen = true;
        execTime = timeNanos;
        mappings = mappings.mappedSince(timeNanos);
        command = newCommand;
        complete = true;
    }

    synchronized void command(String newCommand) {
        command = newCommand;
    }

    /** Hands over the paths of its own mappings and its command name (a forked child's inherited ones are its parent's). */
    void names(Consumer<String> names) {
        mappings.paths(names);
        synchronized (this) {
            if (!command.isEmpty()) {
                names.accept(command);
            }
        }
    }

    synchronized void markExited(long interval) {
        if (!exited) {
            exited = true;
            exitedInInterval = interval;
        }
    }

    synchronized long exitedInInterval() {
        return exitedInInterval;
    }

    synchronized void seen(long interval) {
        lastSeenInterval = interval;
        sampled = true;
    }

    synchronized boolean sampled() {
        return sampled;
    }

    synchronized long lastSeenInterval() {
        return lastSeenInterval;
    }

    synchronized boolean complete() {
        return complete;
    }

    synchronized void complete(boolean whole) {
        complete = whole;
    }

    @Override
    public synchronized boolean mapsRefused() {
        return mapsRefused;
    }

    synchronized void mapsRefused(boolean refused) {
        mapsRefused = refused;
    }

    synchronized boolean procRead() {
        return procRead;
    }

    synchronized void procRead(boolean read) {
        procRead = read;
    }

    @Override
    public synchronized String toString() {
        return "process " + pid + " (" + command + ", " + mappings.size() + " executable mappings" + (exited ? ", exited" : "") + ")";
    }
}
