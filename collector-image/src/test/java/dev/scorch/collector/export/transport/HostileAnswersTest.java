package dev.scorch.collector.export.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scorch.collector.config.BackendConfig;
import dev.scorch.collector.export.delivery.SendFailure;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A backend (or whatever answers at its address) cannot make a push hold the collector's heap or
 * its sender thread: an answer of a gigabyte is refused as it arrives (it was read whole before),
 * and a body that trickles in after prompt headers ends the send within twice the request timeout.
 */
class HostileAnswersTest {

    /** A loopback server that answers every connection with {@code headers} and then writes {@code body} until closed. */
    private static final class Answering implements AutoCloseable {

        private final ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        private final Thread thread;

        Answering(String headers, Body body) throws IOException {
            thread = Thread.ofVirtual().start(() -> {
                try (Socket socket = server.accept(); OutputStream out = socket.getOutputStream()) {
                    socket.getInputStream().read(new byte[64 << 10]);
                    out.write(headers.getBytes(StandardCharsets.US_ASCII));
                    body.write(out);
                } catch (IOException | InterruptedException e) {
                    // the client gave up, as it should
                }
            });
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/push");
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.interrupt();
            thread.join();
        }
    }

    private interface Body {
        void write(OutputStream out) throws IOException, InterruptedException;
    }

    private static HttpPoster poster(Duration timeout) {
        return new HttpPoster("Test", BackendConfig.Tls.SYSTEM_ROOTS, Duration.ofSeconds(5), timeout);
    }

    @Test
    void aGigabyteAnswerIsRefusedWithoutHoldingIt() throws Exception {
        long gigabyte = 1L << 30;
        try (Answering backend = new Answering("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + gigabyte + "\r\n\r\n",
                out -> {
                    byte[] chunk = new byte[64 << 10];
                    for (long sent = 0; sent < gigabyte; sent += chunk.length) {
                        out.write(chunk);
                    }
                });
                HttpPoster poster = poster(Duration.ofSeconds(30))) {
            assertThatThrownBy(() -> poster.post(backend.url(), "application/json", Map.of(), new byte[] {1}, "application/json"))
                    .isInstanceOfSatisfying(SendFailure.class, e -> assertThat(e.retryable()).isTrue())
                    .hasMessageContaining(String.valueOf(HttpPoster.MAX_ANSWER_BYTES));
        }
    }

    @Test
    void aBodyTricklingInAfterPromptHeadersEndsTheSendWithinTwiceTheRequestTimeout() throws Exception {
        try (Answering backend = new Answering("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
                out -> {
                    while (true) {
                        out.write('{');
                        out.flush();
                        Thread.sleep(200);
                    }
                });
                HttpPoster poster = poster(Duration.ofSeconds(1))) {

            assertThatThrownBy(() -> poster.post(backend.url(), "application/json", Map.of(), new byte[] {1}, "application/json"))
                    .isInstanceOfSatisfying(SendFailure.class, e -> assertThat(e.retryable()).isTrue());
        }
    }
}
