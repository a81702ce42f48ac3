package dev.scorch.collector.demangle;

import java.util.ArrayList;
import java.util.List;

/**
 * Rust's legacy mangling: an Itanium nested name of plain identifiers whose last component is the
 * hash {@code h} + 16 hex digits, with {@code $..$} escapes for characters C++ names cannot hold.
 */
final class RustLegacy {

    private RustLegacy() {}

    /** The demangled path without its hash, or null when {@code symbol} is not a legacy Rust symbol. */
    static String demangle(String symbol) {
        if (!symbol.startsWith("_ZN")) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        int at = 3;
        while (at < symbol.length() && symbol.charAt(at) != 'E') {
            int lengthStart = at;
            while (at < symbol.length() && Character.isDigit(symbol.charAt(at))) {
                at++;
            }
            if (at == lengthStart) {
                return null;
            }
            int length = Integer.parseInt(symbol.substring(lengthStart, at));
            if (length <= 0 || at + length > symbol.length()) {
                return null;
            }
            parts.add(symbol.substring(at, at + length));
            at += length;
        }
        if (at >= symbol.length() || parts.size() < 2 || !isHash(parts.getLast())) {
            return null;
        }
        parts.removeLast();
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            if (!out.isEmpty()) {
                out.append("::");
            }
            out.append(unescape(part));
        }
        return out.toString();
    }

    private static boolean isHash(String part) {
        return part.length() == 17 && part.charAt(0) == 'h' && part.substring(1).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    private static String unescape(String part) {
        String text = part.startsWith("_$") ? part.substring(1) : part;
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '.' && i + 1 < text.length() && text.charAt(i + 1) == '.') {
                out.append("::");
                i++;
            } else if (c == '$') {
                int close = text.indexOf('$', i + 1);
                if (close < 0) {
                    return text;
                }
                String escape = text.substring(i + 1, close);
                String replacement = switch (escape) {
                    case "SP" -> "@";
                    case "BP" -> "*";
                    case "RF" -> "&";
                    case "LT" -> "<";
                    case "GT" -> ">";
                    case "LP" -> "(";
                    case "RP" -> ")";
                    case "C" -> ",";
                    default -> escape.startsWith("u") ? String.valueOf((char) Integer.parseInt(escape.substring(1), 16)) : null;
                };
                if (replacement == null) {
                    return text;
                }
                out.append(replacement);
                i = close;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
