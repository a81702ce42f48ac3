package dev.scorch.collector.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes a request in HTTP/1.1's message syntax (RFC 9112): request line, headers, fixed-length body. */
final class RequestWriter {

    private RequestWriter() {}

    /**
     * @throws IllegalArgumentException naming a header whose name is not a token or whose value
     *     holds a line break or other control character (the value is not shown: it may be a secret)
     */
    static void write(HttpRequest request, Origin origin, OutputStream out) throws IOException {
        StringBuilder head = new StringBuilder(256);
        head.append(request.method()).append(' ').append(request.target()).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(origin.authority()).append("\r\n");
        for (Map.Entry<String, String> header : request.headers().entrySet()) {
            check(header.getKey(), header.getValue());
            head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
        }
        byte[] body = request.body();
        if (body != null || !request.idempotent()) {
            head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();
    }

    private static void check(String name, String value) {
        if (name.isEmpty() || !name.chars().allMatch(RequestWriter::tokenCharacter)) {
            throw new IllegalArgumentException("header " + name + " is not sent: its name is not an HTTP token");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7F || c > 0xFF) {
                throw new IllegalArgumentException("header " + name + " is not sent: its value holds a control or non-Latin-1"
                        + " character at position " + i + " (the value is not shown)");
            }
        }
    }

    private static boolean tokenCharacter(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
