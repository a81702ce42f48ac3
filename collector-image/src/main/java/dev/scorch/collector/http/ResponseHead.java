package dev.scorch.collector.http;

/**
 * A response's status line and header fields.
 *
 * @param http11 HTTP/1.1 (persistent by default) rather than HTTP/1.0
 */
public record ResponseHead(boolean http11, int status, HttpHeaders headers) {}
