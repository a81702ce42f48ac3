package dev.scorch.collector.http;

import java.io.EOFException;
import java.io.IOException;

/**
 * Reads a response's status line and header fields (RFC 9112 §4-5) within bounds, so a hostile or
 * broken server cannot make the collector hold an endless head: lines of at most
 * {@value #MAX_LINE} bytes, at most {@value #MAX_FIELDS} fields and {@value #MAX_HEAD} bytes in
 * all. Interim (1xx) answers are skipped.
 */
final class ResponseHeadReader {

    static final int MAX_LINE = 8192;
    static final int MAX_FIELDS = 100;
    static final int MAX_HEAD = 64 << 10;
    private static final int MAX_INTERIM = 8;

    private ResponseHeadReader() {}

    /** @throws EOFException when the server closed the connection before answering */
    static ResponseHead read(ConnectionInput input, Origin origin) throws IOException {
        for (int interim = 0; interim <= MAX_INTERIM; interim++) {
            ResponseHead head = readOne(input, origin);
            if (head.status() >= 200) {
                return head;
            }
            if (head.status() == 101) {
                throw new MalformedResponseException(origin + " switched protocols, which no request asked for");
            }
        }
        throw new MalformedResponseException(origin + " sent more than " + MAX_INTERIM + " interim (1xx) answers");
    }

    private static ResponseHead readOne(ConnectionInput input, Origin origin) throws IOException {
        String statusLine;
        try {
            statusLine = input.readLine(MAX_LINE, "a status line");
        } catch (EOFException e) {
            if (input.received() == 0) {
                throw new EOFException(origin + " closed the connection without answering");
            }
            throw e;
        }
        boolean http11 = statusLine.startsWith("HTTP/1.1 ");
        if (!(http11 || statusLine.startsWith("HTTP/1.0 ")) || statusLine.length() < 12 || !digits(statusLine, 9, 12)
                || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
            throw new MalformedResponseException(origin + " did not answer in HTTP/1.x: the status line starts with '"
                    + printable(statusLine) + "'");
        }
        int status = Integer.parseInt(statusLine, 9, 12, 10);
        HttpHeaders headers = new HttpHeaders();
        int headBytes = statusLine.length();
        while (true) {
            String line = input.readLine(MAX_LINE, "a header field");
            if (line.isEmpty()) {
                return new ResponseHead(http11, status, headers);
            }
            headBytes += line.length() + 2;
            if (headers.size() == MAX_FIELDS || headBytes > MAX_HEAD) {
                throw new MalformedResponseException(origin + " sent a head of more than " + MAX_FIELDS + " fields or "
                        + MAX_HEAD + " bytes");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t' || line.charAt(colon - 1) == ' ') {
                throw new MalformedResponseException(origin + " sent a malformed header field: '" + printable(line) + "'");
            }
            headers.add(line.substring(0, colon), line.substring(colon + 1).strip());
        }
    }

    private static boolean digits(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** The start of what the server sent, safe for a log line. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(text.length(), 60); i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return text.length() > 60 ? out + "..." : out.toString();
    }
}
