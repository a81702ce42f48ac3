package dev.scorch.collector.jvm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the attach handshake needs from {@code /proc/<pid>/status}: the effective uid and gid (the
 * owner the JVM expects of its trigger file), whether SIGQUIT is caught, and whether one is still
 * pending (sent, and not yet taken by any of its threads: the JVM is stopped or starved of CPU).
 *
 * @param uid effective uid, as the host sees it
 * @param gid effective gid
 * @param caughtSignals the {@code SigCgt} mask (bit n-1 for signal n)
 * @param pendingSignals the {@code ShdPnd} and {@code SigPnd} masks together (pending for the process, for its main thread)
 */
record JvmStatus(int uid, int gid, long caughtSignals, long pendingSignals) {

    private static final int MAX_BYTES = 16 << 10;
    private static final long SIGQUIT_BIT = 1L << (AttachCalls.SIGQUIT - 1);

    boolean catchesSigquit() {
        return (caughtSignals & SIGQUIT_BIT) != 0;
    }

    boolean sigquitPending() {
        return (pendingSignals & SIGQUIT_BIT) != 0;
    }

    /** Parses the file; null when it is unreadable or lacks a field. */
    static JvmStatus read(Path status) {
        String text;
        try (InputStream in = Files.newInputStream(status)) {
            text = new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        return parse(text);
    }

    static JvmStatus parse(String text) {
        Integer uid = null;
        Integer gid = null;
        Long caught = null;
        long pending = 0;
        try {
            for (String line : text.split("\n")) {
                String[] fields = line.split("\\s+");
                if (fields.length >= 3 && fields[0].equals("Uid:")) {
                    uid = Integer.parseInt(fields[2]);
                } else if (fields.length >= 3 && fields[0].equals("Gid:")) {
                    gid = Integer.parseInt(fields[2]);
                } else if (fields.length >= 2 && fields[0].equals("SigCgt:")) {
                    caught = Long.parseUnsignedLong(fields[1], 16);
                } else if (fields.length >= 2 && (fields[0].equals("ShdPnd:") || fields[0].equals("SigPnd:"))) {
                    pending |= Long.parseUnsignedLong(fields[1], 16);
                }
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return uid == null || gid == null || caught == null ? null : new JvmStatus(uid, gid, caught, pending);
    }
}
