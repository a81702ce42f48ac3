package dev.scorch.collector.json;

import java.io.IOException;

/**
 * Input that is not one JSON text within its {@link JsonLimits}. The message says where (line,
 * column and the path of the value being read, e.g. {@code policies[2].backends[0].url}) and
 * what was expected and found; it never quotes more of the input than one character, as strings
 * in it may be secrets. An {@link IOException}, so a stream reader's caller treats a broken
 * document like a broken connection.
 */
public final class JsonParseException extends IOException {

    private final String problem;
    private final int line;
    private final long column;
    private final String path;

    JsonParseException(String problem, int line, long column, String path) {
        super("line " + line + ", column " + column + (path.isEmpty() ? "" : ", at " + path) + ": " + problem);
        this.problem = problem;
        this.line = line;
        this.column = column;
        this.path = path;
    }

    /** What was wrong, without the position. */
    public String problem() {
        return problem;
    }

    /** 1-based line of the offending byte. */
    public int line() {
        return line;
    }

    /** 1-based column of the offending byte, counted in bytes. */
    public long column() {
        return column;
    }

    /** The value being read, {@code a.b[2].c}; empty at the top level. */
    public String path() {
        return path;
    }
}
