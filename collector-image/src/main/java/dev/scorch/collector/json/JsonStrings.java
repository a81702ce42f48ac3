package dev.scorch.collector.json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads strings and member names strictly per RFC 8259: UTF-8 only (overlong forms, encoded
 * surrogates and bytes past U+10FFFF refused), every escape including surrogate pairs (an unpaired
 * one refused), no raw control characters.
 */
final class JsonStrings {

    private static final int NAME_SLOTS = 1024;
    private static final int MAX_NAME_PROBES = 8;

    private final JsonInput in;
    private final int maxStringChars;
    private final StringBuilder text = new StringBuilder();
    private final String[] names = new String[NAME_SLOTS];
    private int namesKept;

    JsonStrings(JsonInput in, int maxStringChars) {
        this.in = in;
        this.maxStringChars = maxStringChars;
    }

    /**
     * A member name; the opening quote is taken already. An API object repeats the same few dozen
     * names, so a name seen before is returned as the same String, matched against the bytes in
     * the buffer without allocating. The table stops growing at half full, so a document made of
     * new names costs what it would without it.
     */
    String name() throws IOException {
        byte[] buffer = in.buffer;
        int start = in.position;
        int hash = 0;
        for (int i = start; i < in.end; i++) {
            byte b = buffer[i];
            if (b == '"') {
                in.position = i + 1;
                return checked(known(buffer, start, i - start, hash));
            }
            if (b < 0x20 || b == '\\') {
                break;
            }
            hash = 31 * hash + b; // String.hashCode of these ASCII characters
        }
        return string();
    }

    private String known(byte[] buffer, int start, int length, int hash) {
        int mask = names.length - 1;
        int slot = (hash ^ hash >>> 16) & mask;
        for (int probe = 0; probe < MAX_NAME_PROBES; probe++, slot = (slot + 1) & mask) {
            String name = names[slot];
            if (name == null) {
                name = new String(buffer, start, length, StandardCharsets.ISO_8859_1);
                if (namesKept < names.length / 2) {
                    names[slot] = name;
                    namesKept++;
                }
                return name;
            }
            if (name.hashCode() == hash && sameAscii(name, buffer, start, length)) {
                return name;
            }
        }
        return new String(buffer, start, length, StandardCharsets.ISO_8859_1);
    }

    private static boolean sameAscii(String name, byte[] buffer, int start, int length) {
        if (name.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (name.charAt(i) != buffer[start + i]) {
                return false;
            }
        }
        return true;
    }

    /** A string's content; the opening quote is taken already. */
    String string() throws IOException {
        byte[] buffer = in.buffer;
        int start = in.position;
        // Most strings are short printable ASCII within the buffer: one String, no builder.
        for (int i = start; i < in.end; i++) {
            byte b = buffer[i];
            if (b == '"') {
                in.position = i + 1;
                return checked(new String(buffer, start, i - start, StandardCharsets.ISO_8859_1));
            }
            if (b < 0x20 || b == '\\') {
                break;
            }
        }
        text.setLength(0);
        while (true) {
            int c = in.read();
            if (c == '"') {
                return checked(text.toString());
            } else if (c == '\\') {
                escape();
            } else if (c < 0) {
                throw in.error("the input ends inside a string");
            } else if (c < 0x20) {
                throw in.error(String.format("control character U+%04X in a string (it must be escaped)", c));
            } else if (c < 0x80) {
                text.append((char) c);
            } else {
                text.appendCodePoint(utf8(c));
            }
            if (text.length() > maxStringChars) {
                throw in.error("string longer than " + maxStringChars + " characters");
            }
        }
    }

    private String checked(String value) throws JsonParseException {
        if (value.length() > maxStringChars) {
            throw in.error("string longer than " + maxStringChars + " characters");
        }
        return value;
    }

    private void escape() throws IOException {
        int c = in.read();
        switch (c) {
            case '"', '\\', '/' -> text.append((char) c);
            case 'b' -> text.append('\b');
            case 'f' -> text.append('\f');
            case 'n' -> text.append('\n');
            case 'r' -> text.append('\r');
            case 't' -> text.append('\t');
            case 'u' -> {
                char unit = hex4();
                if (Character.isHighSurrogate(unit)) {
                    if (in.read() != '\\' || in.read() != 'u') {
                        throw in.error(String.format("unpaired surrogate \\u%04X (a high surrogate must be followed by a \\u low one)", (int) unit));
                    }
                    char low = hex4();
                    if (!Character.isLowSurrogate(low)) {
                        throw in.error(String.format("unpaired surrogate \\u%04X followed by \\u%04X", (int) unit, (int) low));
                    }
                    text.append(unit).append(low);
                } else if (Character.isLowSurrogate(unit)) {
                    throw in.error(String.format("unpaired surrogate \\u%04X (a low surrogate without a high one)", (int) unit));
                } else {
                    text.append(unit);
                }
            }
            default -> throw in.error("invalid escape: backslash followed by " + JsonInput.describe(c));
        }
    }

    private char hex4() throws IOException {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int c = in.read();
            int digit = Character.digit(c < 0 ? -1 : c, 16);
            if (digit < 0 || c >= 0x80) {
                throw in.error("\\u must be followed by four hex digits, found " + JsonInput.describe(c));
            }
            value = value << 4 | digit;
        }
        return (char) value;
    }

    /** The code point whose UTF-8 form starts with {@code lead} (0x80 or above), strictly decoded. */
    private int utf8(int lead) throws IOException {
        int length;
        int min;
        int max;
        int codePoint;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            codePoint = lead & 0x1F;
            min = 0x80;
            max = 0xBF;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            codePoint = lead & 0x0F;
            min = lead == 0xE0 ? 0xA0 : 0x80; // no overlong forms
            max = lead == 0xED ? 0x9F : 0xBF; // no encoded surrogates
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            codePoint = lead & 0x07;
            min = lead == 0xF0 ? 0x90 : 0x80;
            max = lead == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
        } else {
            throw in.error(String.format("invalid UTF-8: byte 0x%02X cannot start a character", lead));
        }
        for (int i = 1; i < length; i++) {
            int c = in.peek();
            if (c < min || c > max) {
                throw in.error("invalid UTF-8: a character starting with " + String.format("byte 0x%02X", lead)
                        + " continues with " + JsonInput.describe(c));
            }
            in.position++;
            codePoint = codePoint << 6 | (c & 0x3F);
            min = 0x80;
            max = 0xBF;
        }
        return codePoint;
    }
}
