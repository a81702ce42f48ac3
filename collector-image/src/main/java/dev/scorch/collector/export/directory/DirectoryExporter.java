package dev.scorch.collector.export.directory;

import dev.scorch.collector.export.BackendHealth;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.WireFormat;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Writes each profile as {@code <directory>/<service>/<start>-<id>.pb.gz}, readable by
 * {@code go tool pprof}, for the standalone mode and for debugging. Files older than the retention
 * or beyond the byte bound are removed oldest first, including files a previous run left.
 *
 * <p>Writing is local, so there is no spool and no sender thread: {@link #offer} writes the file
 * (temp + atomic rename, so a reader never sees half a profile) on the caller's thread.
 */
public final class DirectoryExporter implements ProfileExporter {

    private static final System.Logger LOG = System.getLogger(DirectoryExporter.class.getName());
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final String SUFFIX = ".pb.gz";

    /**
     * @param directory where the service directories go
     * @param retention files whose modification time is older than this are removed
     * @param maxBytes the directory's bound; the oldest files go first when it is exceeded
     */
    public record Settings(Path directory, Duration retention, long maxBytes) {
        public Settings {
            if (retention.isNegative() || retention.isZero() || maxBytes <= 0) {
                throw new IllegalArgumentException("directory exporter needs a positive retention and byte bound, got "
                        + retention + " and " + maxBytes);
            }
        }
    }

    private record Written(Path file, long bytes, Instant at) {}

    /** An interval start as it appears in file names; the policies ending together share their starts. */
    private record StartName(Instant start, String formatted) {}

    /** Service directories known to exist, so a profile costs no mkdir; bounded, and forgotten when a write fails. */
    private static final int MAX_KNOWN_DIRECTORIES = 1024;

    private static volatile StartName lastStartName = new StartName(Instant.EPOCH, FILE_TIME.format(Instant.EPOCH));

    private final Set<Path> knownDirectories = new HashSet<>();

    private final String backend;
    private final Settings settings;
    private final Clock clock;
    private final Deque<Written> written = new ArrayDeque<>();
    private final Map<String, Long> dropped = new TreeMap<>();
    private long totalBytes;
    private long sent;
    private long rotated;
    private Instant lastSuccess;
    private Instant failingSince;
    private String lastError;

    public DirectoryExporter(String backend, Settings settings, Clock clock) {
        this.backend = backend;
        this.settings = settings;
        this.clock = clock;
        adoptExistingFiles();
    }

    @Override
    public String backendName() {
        return backend;
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.GZIPPED_PPROF;
    }

    @Override
    public synchronized void offer(ExportedProfile profile) {
        Path serviceDir = settings.directory().resolve(safeName(profile.labels().getOrDefault("service_name", "unknown")));
        Path file = serviceDir.resolve(fileTime(profile.start()) + "-" + safeName(profile.id()) + SUFFIX);
        Path temp = serviceDir.resolve("." + file.getFileName() + ".tmp");
        try {
            if (!knownDirectories.contains(serviceDir)) {
                createServiceDirectory(serviceDir);
            }
            try {
                Files.write(temp, profile.payload(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            } catch (NoSuchFileException removedMeanwhile) {
                createServiceDirectory(serviceDir);
                Files.write(temp, profile.payload(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Instant now = clock.instant();
            written.addLast(new Written(file, profile.payload().length, now));
            totalBytes += profile.payload().length;
            sent++;
            lastSuccess = now;
            failingSince = null;
            lastError = null;
            rotate(now);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the write already failed; the error below is the one that matters
            }
            dropped.merge("write-failed", 1L, Long::sum);
            if (failingSince == null) {
                failingSince = clock.instant();
                LOG.log(Level.WARNING, "backend {0}: cannot write profiles to {1}: {2}", backend, settings.directory(), e.toString());
            }
            lastError = "cannot write " + file + ": " + e;
        }
    }

    @Override
    public synchronized BackendHealth health() {
        return new BackendHealth(backend, lastSuccess, failingSince, lastError, 0, sent, 0, Map.copyOf(dropped));
    }

    /** Files removed by retention so far; rotation is intended, so it is not counted as a drop. */
    public synchronized long rotatedFiles() {
        return rotated;
    }

    @Override
    public void close() {}

    private void rotate(Instant now) {
        Instant oldestKept = now.minus(settings.retention());
        while (!written.isEmpty() && (totalBytes > settings.maxBytes() || written.peekFirst().at().isBefore(oldestKept))) {
            Written oldest = written.removeFirst();
            totalBytes -= oldest.bytes();
            rotated++;
            try {
                Files.deleteIfExists(oldest.file());
            } catch (IOException e) {
                LOG.log(Level.WARNING, "backend {0}: cannot remove rotated profile {1}: {2}", backend, oldest.file(), e.toString());
            }
        }
    }

    private void adoptExistingFiles() {
        if (!Files.isDirectory(settings.directory())) {
            return;
        }
        List<Written> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(settings.directory(), 2)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().endsWith(SUFFIX) && Files.isRegularFile(file)) {
                    FileTime modified = Files.getLastModifiedTime(file);
                    found.add(new Written(file, Files.size(file), modified.toInstant()));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "backend {0}: cannot list existing profiles in {1}, they will not be rotated: {2}",
                    backend, settings.directory(), e.toString());
        }
        found.sort(Comparator.comparing(Written::at));
        for (Written w : found) {
            written.addLast(w);
            totalBytes += w.bytes();
        }
        rotate(clock.instant());
    }

    private void createServiceDirectory(Path serviceDir) throws IOException {
        Files.createDirectories(serviceDir);
        if (knownDirectories.size() >= MAX_KNOWN_DIRECTORIES) {
            knownDirectories.clear();
        }
        knownDirectories.add(serviceDir);
    }

    private static String fileTime(Instant start) {
        StartName last = lastStartName;
        if (!last.start().equals(start)) {
            last = new StartName(start, FILE_TIME.format(start));
            lastStartName = last;
        }
        return last.formatted();
    }

    /** Keeps file names to a portable alphabet: a service name such as {@code shop/api} is one directory. */
    static String safeName(String raw) {
        String safe = raw.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.isEmpty() || safe.startsWith(".")) {
            safe = "_" + safe;
        }
        return safe.length() > 200 ? safe.substring(0, 200) : safe;
    }
}
