package dev.scorch.collector.budget;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a text file of node-controlled content ({@code /proc/<pid>/maps}, {@code status}, {@code
 * cgroup}) line by line through a {@link ParseBudget}: every read is charged, every line is a
 * step, and at most {@code maxLine} bytes of a line are kept (the rest is read and charged, never
 * held), so megabytes without a newline cost the read budget, not heap. Not thread-safe.
 */
public final class BudgetedLines implements Closeable {

    private static final int BUFFER = 8192;

    private final InputStream in;
    private final ParseBudget budget;
    private final byte[] buffer = new byte[BUFFER];
    private final byte[] line;
    private int position;
    private int end;
    private int length;
    private boolean truncated;

    private BudgetedLines(InputStream in, ParseBudget budget, int maxLine) {
        this.in = in;
        this.budget = budget;
        this.line = new byte[maxLine];
    }

    /** Opens {@code file}, charging the reader's own buffers to {@code budget}'s heap. */
    public static BudgetedLines open(Path file, ParseBudget budget, int maxLine) throws IOException {
        budget.heap(BUFFER + (long) maxLine);
        return new BudgetedLines(Files.newInputStream(file), budget, maxLine);
    }

    /**
     * The next line without its newline, or null at the end of the file. A line longer than {@code
     * maxLine} comes back as its first {@code maxLine} bytes with {@link #truncated()} true: the
     * caller decides whether that refuses the file or only the line.
     */
    public String next() throws IOException {
        length = 0;
        truncated = false;
        boolean started = false;
        while (true) {
            if (position == end && !fill()) {
                if (!started) {
                    return null;
                }
                break;
            }
            started = true;
            int newline = indexOfNewline();
            int stop = newline < 0 ? end : newline;
            keep(stop - position);
            position = newline < 0 ? end : newline + 1;
            if (newline >= 0) {
                break;
            }
        }
        budget.steps(1);
        return new String(line, 0, length, StandardCharsets.UTF_8);
    }

    /** Whether the line {@link #next()} returned last was cut at {@code maxLine} bytes. */
    public boolean truncated() {
        return truncated;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private boolean fill() throws IOException {
        int read = in.read(buffer);
        if (read <= 0) {
            return false;
        }
        budget.read(read);
        position = 0;
        end = read;
        return true;
    }

    private int indexOfNewline() {
        for (int i = position; i < end; i++) {
            if (buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void keep(int count) {
        int room = line.length - length;
        if (count > room) {
            truncated = true;
        }
        int kept = Math.min(count, room);
        System.arraycopy(buffer, position, line, length, kept);
        length += kept;
    }
}
