package dev.scorch.collector.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Opens connections: TCP within the connect timeout, then for https a TLS handshake that checks
 * the server's certificate against the host name (endpoint identification "HTTPS"), names the
 * host in SNI and offers only HTTP/1.1 in ALPN.
 */
final class Connector {

    private final int connectMillis;
    private final Supplier<SSLSocketFactory> tls;

    /**
     * @param tls the socket factory of the TLS settings, asked at each new https connection (so a
     *     rotated CA bundle is read); it throws IllegalArgumentException naming the problem when the
     *     settings are unusable; null for a client that speaks plain HTTP only
     */
    Connector(Duration connectTimeout, Supplier<SSLSocketFactory> tls) {
        this.connectMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
        this.tls = tls;
    }

    Connection open(Origin origin, int readTimeoutMillis) throws IOException {
        SSLSocketFactory factory = origin.secure() ? factory(origin) : null;
        // A channel's socket, so that a pooled connection can be checked for the server's close without waiting (Connection#stillOpen).
        Socket raw = SocketChannel.open().socket();
        try {
            raw.setTcpNoDelay(true);
            try {
                raw.connect(new InetSocketAddress(origin.hostName(), origin.port()), connectMillis);
            } catch (SocketTimeoutException e) {
                throw new ConnectTimeoutException("connecting to " + origin + " took longer than " + connectMillis + " ms");
            } catch (ConnectException e) {
                throw named(new ConnectException("connecting to " + origin + ": " + e.getMessage()), e);
            } catch (NoRouteToHostException e) {
                throw named(new NoRouteToHostException("connecting to " + origin + ": " + e.getMessage()), e);
            } catch (UnknownHostException e) {
                throw named(new UnknownHostException("connecting to " + origin + ": the host name does not resolve"), e);
            }
            raw.setSoTimeout(readTimeoutMillis);
            Socket socket = factory == null ? raw : handshake(factory, raw, origin);
            return new Connection(origin, raw, socket, readTimeoutMillis);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** The same kind of failure (callers tell an unreachable server by it), its message naming the origin. */
    private static IOException named(IOException named, IOException cause) {
        named.initCause(cause);
        return named;
    }

    private SSLSocketFactory factory(Origin origin) throws SSLException {
        if (tls == null) {
            throw new SSLException(origin + " is an https URL, but this client has no TLS settings");
        }
        try {
            return tls.get();
        } catch (IllegalArgumentException e) {
            throw new SSLException("cannot set up TLS for " + origin + ": " + e.getMessage(), e);
        }
    }

    private static Socket handshake(SSLSocketFactory factory, Socket raw, Origin origin) throws IOException {
        SSLSocket socket = (SSLSocket) factory.createSocket(raw, origin.hostName(), origin.port(), true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!origin.ipLiteral()) {
            // SNI carries the name without a fully qualified name's trailing dot (RFC 6066 §3).
            String name = origin.hostName();
            parameters.setServerNames(List.of(new SNIHostName(name.endsWith(".") ? name.substring(0, name.length() - 1) : name)));
        }
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        try {
            socket.startHandshake();
        } catch (SSLHandshakeException e) {
            throw new SSLHandshakeException("TLS handshake with " + origin + " failed: " + e.getMessage());
        }
        return socket;
    }
}
