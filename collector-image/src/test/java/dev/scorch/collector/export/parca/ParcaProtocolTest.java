package dev.scorch.collector.export.parca;

import static dev.scorch.collector.export.Eventually.await;
import static dev.scorch.collector.export.TestProfiles.numbered;
import static org.assertj.core.api.Assertions.assertThat;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.backends.ExporterFactory;
import dev.scorch.collector.export.ProfileExporter;
import dev.scorch.collector.export.ProtobufFields;
import dev.scorch.collector.export.ProtobufFields.Field;
import dev.scorch.collector.export.SelfSignedCertificate;
import dev.scorch.collector.export.delivery.Backoff;
import dev.scorch.collector.export.delivery.DeliverySettings;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.okhttp.OkHttpServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What goes over the wire to Parca, checked by a gRPC server that serves
 * {@code ProfileStoreService/WriteRaw} with raw bytes and decodes them by the field numbers of
 * parca-dev/parca v0.28.0's profilestore.proto; it also plays the error answers the real Parca
 * gives only in situations a test cannot easily provoke (authentication, overload).
 */
class ParcaProtocolTest {

    @TempDir
    Path dir;

    private final List<byte[]> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicReference<Status> answer = new AtomicReference<>(Status.OK);
    private Server server;

    @BeforeEach
    void startPlaintextServer() throws IOException {
        startServer(InsecureServerCredentials.create());
    }

    private void startServer(io.grpc.ServerCredentials credentials) throws IOException {
        if (server != null) {
            server.shutdownNow();
        }
        MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
            @Override
            public java.io.InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(java.io.InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        var method = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(ParcaSender.WRITE_RAW)
                .setRequestMarshaller(bytes)
                .setResponseMarshaller(bytes)
                .build();
        var service = ServerServiceDefinition.builder("parca.profilestore.v1alpha1.ProfileStoreService")
                .addMethod(method, ServerCalls.asyncUnaryCall((request, response) -> {
                    requests.add(request);
                    Status status = answer.get();
                    if (status.isOk()) {
                        response.onNext(new byte[0]);
                        response.onCompleted();
                    } else {
                        response.onError(status.asRuntimeException());
                    }
                }))
                .build();
        ServerInterceptor recordAuthorization = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                authorizations.add(String.valueOf(headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER))));
                return next.startCall(call, headers);
            }
        };
        server = OkHttpServerBuilder.forPort(0, credentials)
                .addService(ServerInterceptors.intercept(service, recordAuthorization))
                .build()
                .start();
    }

    @AfterEach
    void stopServer() {
        server.shutdownNow();
    }

    private ProfileExporter exporter(Optional<Path> bearerToken) {
        return exporter(true, bearerToken, BackendConfig.Tls.SYSTEM_ROOTS);
    }

    private ProfileExporter exporter(boolean insecure, Optional<Path> bearerToken, BackendConfig.Tls tls) {
        var factory = new ExporterFactory(new DeliverySettings(dir.resolve("spool"), 1 << 20, 1 << 20,
                new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), Duration.ofSeconds(5), Clock.systemUTC()));
        return factory.create(new BackendConfig.Parca("parca", "localhost:" + server.getPort(), insecure, bearerToken, tls));
    }

    @Test
    void speaksTlsToAServerSignedByTheConfiguredCaBundleAndRefusesItWithoutTheBundle() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create(dir);
        startServer(io.grpc.TlsServerCredentials.newBuilder().keyManager(certificate.keyManagers()).build());

        try (ProfileExporter untrusting = exporter(false, Optional.empty(), BackendConfig.Tls.SYSTEM_ROOTS)) {
            untrusting.offer(numbered(1, 10));
            await(() -> untrusting.health().lastError() != null);
            assertThat(untrusting.health().lastError()).contains("UNAVAILABLE");
            assertThat(untrusting.health().sent()).isZero();
        }
        try (ProfileExporter trusting = exporter(false, Optional.empty(), new BackendConfig.Tls(Optional.of(certificate.caBundle()), false))) {
            trusting.offer(numbered(2, 10));
            await(() -> trusting.health().sent() >= 1);
        }
    }

    @Test
    void writesOneSeriesWithNameLabelsAndTheRawProfileUnderTheProtoFieldNumbers() {
        ExportedProfile profile = numbered(4, 200);
        try (ProfileExporter exporter = exporter(Optional.empty())) {
            exporter.offer(profile);
            await(() -> exporter.health().sent() == 1);
        }
        byte[] request = requests.getFirst();
        assertThat(ProtobufFields.all(request, 1)).as("deprecated tenant").isEmpty();
        assertThat(ProtobufFields.all(request, 3)).as("normalized stays false").isEmpty();
        byte[] series = ProtobufFields.only(request, 2).bytes();
        byte[] labelSet = ProtobufFields.only(series, 1).bytes();
        Map<String, String> labels = new LinkedHashMap<>();
        for (Field label : ProtobufFields.all(labelSet, 1)) {
            labels.put(ProtobufFields.only(label.bytes(), 1).string(), ProtobufFields.only(label.bytes(), 2).string());
        }
        assertThat(labels).containsExactly(
                Map.entry("__name__", "process_cpu"), Map.entry("seq", "4"), Map.entry("service_name", "shop/api"));
        byte[] sample = ProtobufFields.only(series, 2).bytes();
        assertThat(ProtobufFields.only(sample, 1).bytes()).isEqualTo(profile.payload());
        assertThat(authorizations).containsExactly("null");
    }

    @Test
    void sendsTheCurrentBearerTokenFromItsSecretFile() throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, "first-token\n");
        try (ProfileExporter exporter = exporter(Optional.of(token))) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().sent() == 1);
            Files.writeString(token, "rotated-token");
            exporter.offer(numbered(2, 10));
            await(() -> exporter.health().sent() == 2);
        }
        assertThat(authorizations).containsExactly("Bearer first-token", "Bearer rotated-token");
    }

    @Test
    void retriesWhileParcaIsOverloadedAndDeliversAfterwards() {
        answer.set(Status.UNAVAILABLE.withDescription("shutting down"));
        try (ProfileExporter exporter = exporter(Optional.empty())) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().retried() >= 2);
            assertThat(exporter.health().lastError()).contains("UNAVAILABLE").contains("shutting down");
            answer.set(Status.OK);
            await(() -> exporter.health().sent() == 1);
            assertThat(exporter.health().dropped()).isEmpty();
        }
    }

    @Test
    void dropsProfilesParcaRefusesToAuthenticateCountedByTheStatus() {
        answer.set(Status.UNAUTHENTICATED.withDescription("invalid token"));
        try (ProfileExporter exporter = exporter(Optional.empty())) {
            exporter.offer(numbered(1, 10));
            await(() -> exporter.health().dropped().getOrDefault("rejected-grpc-UNAUTHENTICATED", 0L) == 1);
            assertThat(exporter.health().lastError()).contains("UNAUTHENTICATED: invalid token");
            assertThat(exporter.health().retried()).isZero();
        }
    }
}
