package dev.scorch.collector.export.pyroscope;

import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.SeriesLabels;
import dev.scorch.collector.protobuf.ProtobufWriter;

/**
 * Encodes {@code push.v1.PushRequest} (grafana/pyroscope api/push/v1/push.proto,
 * types.v1.LabelPair from api/types/v1/types.proto):
 *
 * <pre>
 * PushRequest      { repeated RawProfileSeries series = 1; }
 * RawProfileSeries { repeated types.v1.LabelPair labels = 1; repeated RawSample samples = 2; }
 * LabelPair        { string name = 1; string value = 2; }
 * RawSample        { bytes raw_profile = 1; string ID = 2; }
 * </pre>
 */
final class PushRequests {

    private PushRequests() {}

    static byte[] encode(ExportedProfile profile) {
        var w = new ProtobufWriter(profile.payload().length + 512);
        w.beginMessage(1);
        for (var label : SeriesLabels.of(profile.labels()).entrySet()) {
            w.beginMessage(1).string(1, label.getKey()).string(2, label.getValue()).endMessage();
        }
        w.beginMessage(2)
                .repeatedBytes(1, profile.payload(), 0, profile.payload().length)
                .string(2, profile.id())
                .endMessage();
        w.endMessage();
        return w.toByteArray();
    }
}
