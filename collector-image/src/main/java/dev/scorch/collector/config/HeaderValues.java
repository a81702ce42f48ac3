package dev.scorch.collector.config;

/**
 * What an HTTP header name and value may hold (RFC 9110 section 5): checked where a value is read
 * (collector.json, a Secret file), so a value with a line break is refused there, with a message
 * that names where it came from and never repeats it, instead of failing at every request with an
 * error that might.
 */
public final class HeaderValues {

    private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";

    private HeaderValues() {}

    /** Index of the first character a header value may not hold (CR, LF, NUL, other controls but tab), or -1. */
    public static int forbiddenCharacter(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                return i;
            }
        }
        return -1;
    }

    /** How a refusal names the character at {@code index} of a value it does not show. */
    public static String describe(String value, int index) {
        char c = value.charAt(index);
        return switch (c) {
            case '\r' -> "a carriage return (CR)";
            case '\n' -> "a line feed (LF)";
            case 0 -> "a NUL character";
            default -> String.format("a control character (0x%02X)", (int) c);
        };
    }

    /** Whether {@code name} is a non-empty HTTP token. */
    public static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c < 0x80 && (Character.isLetterOrDigit(c) || TOKEN_SYMBOLS.indexOf(c) >= 0))) {
                return false;
            }
        }
        return true;
    }
}
