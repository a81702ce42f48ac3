package dev.scorch.collector.run;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.SeriesLabels;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.profile.OtlpProfilesEncoder;
import dev.scorch.collector.pull.GoProfileType;
import dev.scorch.collector.pull.ProfileFetcher;
import dev.scorch.collector.pull.PullFailure;
import dev.scorch.collector.pull.PulledProfile;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A Go profile fetched from a pod (by a policy's interval pulls or a triggered capture) offered to
 * the policy's backends, under the profile name the backends file that type under.
 */
final class GoProfileExport {

    private static final System.Logger LOG = System.getLogger(GoProfileExport.class.getName());

    private GoProfileExport() {}

    /** The profile name backends file a Go profile type under: Parca's and Pyroscope's names for the same endpoints. */
    static String profileName(GoProfileType type) {
        return switch (type) {
            case HEAP, GODELTAPROF_HEAP -> "memory";
            case ALLOCS -> "allocs";
            case GOROUTINE -> "goroutine";
            case MUTEX, GODELTAPROF_MUTEX -> "mutex";
            case BLOCK, GODELTAPROF_BLOCK -> "block";
        };
    }

    /**
     * Offers a gzipped Go profile to every backend: as it is to those that take pprof, re-encoded
     * once by the OTLP encoder for those that take OTLP (one OTLP profile per sample type).
     */
    static void export(List<ProfileExporter> exporters, ProfileFetcher decoder, SortedMap<String, String> labels, GoProfileType type,
            Instant start, Duration duration, byte[] gzippedPprof) throws InterruptedException {
        SortedMap<String, String> named = new TreeMap<>(labels);
        named.put(SeriesLabels.NAME, profileName(type));
        String id = profileName(type) + "-" + UUID.randomUUID();
        byte[] otlp = null;
        for (ProfileExporter exporter : exporters) {
            try {
                byte[] payload = gzippedPprof;
                if (exporter.wireFormat() == WireFormat.OTLP_PROFILES) {
                    otlp = otlp == null ? otlp(decoder, gzippedPprof, named, start, duration, id) : otlp;
                    payload = otlp;
                }
                exporter.offer(new ExportedProfile(id, named, start, duration, payload));
            } catch (PullFailure | RuntimeException e) {
                LOG.log(Level.WARNING, "backend {0} could not take the {1} profile of {2}: {3}", exporter.backendName(), type.typeName(),
                        labels.get("pod"), e.toString());
            }
        }
    }

    private static byte[] otlp(ProfileFetcher decoder, byte[] gzippedPprof, SortedMap<String, String> labels, Instant start,
            Duration duration, String id) throws PullFailure, InterruptedException {
        PulledProfile profile = decoder.decode(gzippedPprof, labels.get("pod"));
        return OtlpProfilesEncoder.encode(profile.toValued(labels, start, duration), id);
    }
}
