package dev.scorch.collector.export.parca;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.export.delivery.ProfileSender;
import dev.scorch.collector.export.delivery.SendFailure;
import dev.scorch.collector.export.transport.HttpPoster;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The Parca transport left open in docs/decisions.md, built only to price it: WriteRaw as gRPC-web
 * (one HTTP/1.1 POST of a length-prefixed message; the status comes back in a trailer frame in
 * the body) over the JDK's {@code java.net.http}, which the collector loads anyway for its API
 * client. Used by {@code ExportingProcess} for bench/export-memory.sh; not a production sender.
 */
final class GrpcWebProbeSender implements ProfileSender {

    private final HttpPoster poster = new HttpPoster("Parca gRPC-web", BackendConfig.Tls.SYSTEM_ROOTS, Duration.ofSeconds(5),
            Duration.ofSeconds(10));
    private final URI url;

    GrpcWebProbeSender(String address) {
        this.url = URI.create("http://" + address + "/parca.profilestore.v1alpha1.ProfileStoreService/WriteRaw");
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.GZIPPED_PPROF;
    }

    @Override
    public void send(ExportedProfile profile) throws SendFailure {
        byte[] message = WriteRawRequests.encode(profile);
        ByteBuffer frame = ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message);
        byte[] answer = poster.post(url, "application/grpc-web+proto", Map.of("X-Grpc-Web", "1"), frame.array(),
                "application/grpc-web+proto");
        String trailers = new String(answer, StandardCharsets.ISO_8859_1);
        if (!trailers.contains("grpc-status: 0")) {
            throw SendFailure.retryable("Parca gRPC-web WriteRaw to " + url + " answered " + trailers.strip(), null);
        }
    }

    @Override
    public void close() {
        poster.close();
    }
}
