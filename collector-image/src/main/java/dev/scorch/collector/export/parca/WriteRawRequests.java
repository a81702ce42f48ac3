package dev.scorch.collector.export.parca;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.SeriesLabels;
import dev.scorch.collector.protobuf.ProtobufWriter;

/**
 * Encodes {@code parca.profilestore.v1alpha1.WriteRawRequest} (parca-dev/parca v0.28.0,
 * proto/parca/profilestore/v1alpha1/profilestore.proto):
 *
 * <pre>
 * WriteRawRequest  { repeated RawProfileSeries series = 2; bool normalized = 3; }   (1 = deprecated tenant)
 * RawProfileSeries { LabelSet labels = 1; repeated RawSample samples = 2; }
 * LabelSet         { repeated Label labels = 1; }
 * Label            { string name = 1; string value = 2; }
 * RawSample        { bytes raw_profile = 1; }                                        (2 = executable_info, unused)
 * </pre>
 *
 * <p>{@code normalized} stays false: our pprof locations carry runtime addresses inside their
 * mapping's range, as Go's own profiles do, and Parca normalizes them with the mapping when it
 * needs to symbolize a frame we could not.
 */
final class WriteRawRequests {

    private WriteRawRequests() {}

    static byte[] encode(ExportedProfile profile) {
        var w = new ProtobufWriter(profile.payload().length + 512);
        w.beginMessage(2);
        w.beginMessage(1);
        for (var label : SeriesLabels.of(profile.labels()).entrySet()) {
            w.beginMessage(1).string(1, label.getKey()).string(2, label.getValue()).endMessage();
        }
        w.endMessage();
        w.beginMessage(2).repeatedBytes(1, profile.payload(), 0, profile.payload().length).endMessage();
        w.endMessage();
        return w.toByteArray();
    }
}
