package dev.scorch.collector.export.parca;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.ExportedProfile;
import dev.scorch.collector.export.WireFormat;
import dev.scorch.collector.export.delivery.ProfileSender;
import dev.scorch.collector.export.delivery.SendFailure;
import dev.scorch.collector.export.transport.SecretFile;
import dev.scorch.collector.export.transport.TlsContexts;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Sends profiles to Parca with {@code ProfileStoreService/WriteRaw} over gRPC (HTTP/2), one
 * profile per call, plaintext or TLS, with an optional bearer token read from its Secret file on
 * every call.
 *
 * <p>Transport: grpc-java's OkHttp transport with a byte[] marshaller, so no generated stubs and no
 * protobuf runtime are needed (docs/decisions.md, "Parca over grpc-okhttp"). Every call carries a
 * deadline, which bounds connecting, sending and waiting for the answer.
 */
public final class ParcaSender implements ProfileSender {

    static final String WRITE_RAW = "parca.profilestore.v1alpha1.ProfileStoreService/WriteRaw";
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\\d{1,5})");
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final int MAX_RESPONSE_BYTES = 1 << 20;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static final MethodDescriptor<byte[], byte[]> METHOD = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(WRITE_RAW)
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private final String address;
    private final ManagedChannel channel;
    private final Optional<SecretFile> bearerToken;
    private final Duration timeout;

    private ParcaSender(String address, ManagedChannel channel, Optional<SecretFile> bearerToken, Duration timeout) {
        this.address = address;
        this.channel = channel;
        this.bearerToken = bearerToken;
        this.timeout = timeout;
    }

    /**
     * @throws IllegalArgumentException when the address is not {@code host:port} or the TLS
     *     settings cannot be used, with a message naming the backend and the problem
     */
    public static ParcaSender create(BackendConfig.Parca config, Duration timeout) {
        String address = config.address() == null ? "" : config.address().strip();
        var matcher = HOST_PORT.matcher(address);
        if (!matcher.matches() || Integer.parseInt(matcher.group(3)) == 0 || Integer.parseInt(matcher.group(3)) > 65535) {
            throw new IllegalArgumentException("backend " + config.name() + ": Parca address '" + address
                    + "' is not host:port (for example parca.monitoring:7070, without a scheme)");
        }
        OkHttpChannelBuilder builder = OkHttpChannelBuilder.forTarget(address)
                .maxInboundMessageSize(MAX_RESPONSE_BYTES)
                .idleTimeout(5, TimeUnit.MINUTES)
                .userAgent("scorch-collector");
        if (config.insecure()) {
            builder.usePlaintext();
        } else {
            builder.useTransportSecurity().sslSocketFactory(TlsContexts.forConfig(config.tls()).getSocketFactory());
            if (config.tls().insecureSkipVerify()) {
                builder.hostnameVerifier((host, session) -> true);
            }
        }
        return new ParcaSender(address, builder.build(), config.bearerTokenFile().map(SecretFile::new), timeout);
    }

    @Override
    public WireFormat wireFormat() {
        return WireFormat.GZIPPED_PPROF;
    }

    @Override
    public void send(ExportedProfile profile) throws SendFailure {
        byte[] request = WriteRawRequests.encode(profile);
        Metadata headers = new Metadata();
        if (bearerToken.isPresent()) {
            try {
                headers.put(AUTHORIZATION, "Bearer " + bearerToken.get().read());
            } catch (SecretFile.MissingCredentialException e) {
                throw SendFailure.retryable(e.getMessage(), null);
            }
        }
        ClientCall<byte[], byte[]> call = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers))
                .newCall(METHOD, CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS));
        try {
            ClientCalls.blockingUnaryCall(call, request);
        } catch (StatusRuntimeException e) {
            throw classify(e.getStatus());
        }
    }

    private SendFailure classify(Status status) {
        String message = "Parca WriteRaw to " + address + ": " + status.getCode()
                + (status.getDescription() == null ? "" : ": " + oneLine(status.getDescription()))
                + (status.getCause() == null ? "" : " (" + oneLine(String.valueOf(status.getCause())) + ")");
        return switch (status.getCode()) {
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, ALREADY_EXISTS, UNAUTHENTICATED,
                    PERMISSION_DENIED, NOT_FOUND, UNIMPLEMENTED -> SendFailure.permanent("rejected-grpc-" + status.getCode(), message);
            default -> SendFailure.retryable(message, status.getCause());
        };
    }

    private static String oneLine(String text) {
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
