package dev.scorch.collector.demangle;

/**
 * Rust's v0 mangling ({@code _R}): paths (crate roots, namespaces, impls, generic arguments), types
 * and constants, with back-references. Written as {@code rustc-demangle} prints names without
 * hashes: {@code crate::module::Type<u8>::method}, closures as {@code {closure#0}}, impls as
 * {@code <Type as Trait>}. Punycode identifiers are left in their encoded form.
 *
 * <p>One recursive descent over one grammar, hence one class past the usual size.
 */
final class RustV0 extends ManglingCursor {

    private static final int MAX_DEPTH = 200;

    private RustV0(String symbol) {
        super(symbol, 2, MAX_DEPTH);
    }

    static String demangle(String symbol) {
        var parser = new RustV0(symbol);
        if (Character.isDigit(parser.peek())) {
            return symbol; // an encoding version we do not know
        }
        StringBuilder out = new StringBuilder();
        parser.path(out, true);
        return out.toString();
    }

    private void path(StringBuilder out, boolean value) {
        enter();
        char tag = next();
        switch (tag) {
            case 'C' -> identifier(out);
            case 'N' -> {
                char namespace = next();
                path(out, value);
                StringBuilder name = new StringBuilder();
                long disambiguator = identifier(name);
                if (Character.isUpperCase(namespace)) {
                    String kind = namespace == 'C' ? "closure" : namespace == 'S' ? "shim" : String.valueOf(namespace);
                    out.append("::{").append(kind);
                    if (!name.isEmpty()) {
                        out.append(':').append(name);
                    }
                    out.append('#').append(disambiguator).append('}');
                } else if (!name.isEmpty()) {
                    out.append("::").append(name);
                }
            }
            case 'M' -> {
                disambiguator();
                skipPath();
                out.append('<');
                type(out);
                out.append('>');
            }
            case 'X' -> {
                disambiguator();
                skipPath();
                out.append('<');
                type(out);
                out.append(" as ");
                path(out, false);
                out.append('>');
            }
            case 'Y' -> {
                out.append('<');
                type(out);
                out.append(" as ");
                path(out, false);
                out.append('>');
            }
            case 'I' -> {
                path(out, value);
                out.append(value ? "::<" : "<");
                boolean first = true;
                while (!eat('E')) {
                    if (peek() == 'L') {
                        next();
                        base62();
                        continue;
                    }
                    if (!first) {
                        out.append(", ");
                    }
                    first = false;
                    if (eat('K')) {
                        constant(out);
                    } else {
                        type(out);
                    }
                }
                out.append('>');
            }
            case 'B' -> backref(() -> path(out, value));
            default -> throw new IllegalArgumentException("unknown path tag " + tag);
        }
        depth--;
    }

    /** Parses a path without printing it (the impl path of an inherent or trait impl). */
    private void skipPath() {
        path(new StringBuilder(), false);
    }

    private long identifier(StringBuilder out) {
        long disambiguator = disambiguator();
        boolean punycode = eat('u');
        int start = position;
        while (Character.isDigit(peek())) {
            position++;
        }
        if (start == position) {
            throw new IllegalArgumentException("identifier without length at " + position);
        }
        int length = Integer.parseInt(symbol.substring(start, position));
        eat('_');
        if (length < 0 || position + length > symbol.length()) {
            throw new IllegalArgumentException("identifier runs past the end");
        }
        String text = symbol.substring(position, position + length);
        position += length;
        out.append(punycode ? "punycode{" + text + "}" : text);
        return disambiguator;
    }

    private long disambiguator() {
        return eat('s') ? base62() + 1 : 0;
    }

    /** {@code [0-9a-zA-Z]* _}: empty is 0, otherwise the digits' value plus one. */
    private long base62() {
        if (eat('_')) {
            return 0;
        }
        long value = 0;
        while (true) {
            char c = next();
            if (c == '_') {
                return value + 1;
            }
            int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : c >= 'A' && c <= 'Z' ? c - 'A' + 36 : -1;
            if (digit < 0) {
                throw new IllegalArgumentException("bad base-62 digit " + c);
            }
            value = Math.addExact(Math.multiplyExact(value, 62), digit);
        }
    }

    private void backref(Runnable parseThere) {
        int target = Math.toIntExact(2 + base62());
        if (target >= position - 1) {
            throw new IllegalArgumentException("back-reference does not point back");
        }
        int resume = position;
        position = target;
        parseThere.run();
        position = resume;
    }

    private void type(StringBuilder out) {
        enter();
        char tag = peek();
        String basic = basic(tag);
        if (basic != null) {
            position++;
            out.append(basic);
            depth--;
            return;
        }
        switch (tag) {
            case 'A' -> {
                next();
                out.append('[');
                type(out);
                out.append("; ");
                constant(out);
                out.append(']');
            }
            case 'S' -> {
                next();
                out.append('[');
                type(out);
                out.append(']');
            }
            case 'T' -> {
                next();
                out.append('(');
                int count = 0;
                while (!eat('E')) {
                    if (count++ > 0) {
                        out.append(", ");
                    }
                    type(out);
                }
                out.append(count == 1 ? ",)" : ")");
            }
            case 'R', 'Q' -> {
                next();
                if (eat('L')) {
                    base62();
                }
                out.append(tag == 'R' ? "&" : "&mut ");
                type(out);
            }
            case 'P', 'O' -> {
                next();
                out.append(tag == 'P' ? "*const " : "*mut ");
                type(out);
            }
            case 'F' -> {
                next();
                if (eat('G')) {
                    base62();
                }
                if (eat('U')) {
                    out.append("unsafe ");
                }
                if (eat('K')) {
                    if (!eat('C')) {
                        StringBuilder abi = new StringBuilder();
                        identifier(abi);
                        out.append("extern \"").append(abi.toString().replace('_', '-')).append("\" ");
                    } else {
                        out.append("extern \"C\" ");
                    }
                }
                out.append("fn(");
                int count = 0;
                while (!eat('E')) {
                    if (count++ > 0) {
                        out.append(", ");
                    }
                    type(out);
                }
                out.append(')');
                StringBuilder result = new StringBuilder();
                type(result);
                if (!result.toString().equals("()")) {
                    out.append(" -> ").append(result);
                }
            }
            case 'D' -> {
                next();
                if (eat('G')) {
                    base62();
                }
                out.append("dyn ");
                int count = 0;
                while (!eat('E')) {
                    if (count++ > 0) {
                        out.append(" + ");
                    }
                    path(out, false);
                    while (eat('p')) {
                        StringBuilder name = new StringBuilder();
                        identifier(name);
                        out.append('<').append(name).append(" = ");
                        type(out);
                        out.append('>');
                    }
                }
                if (eat('L')) {
                    base62();
                }
            }
            case 'B' -> {
                next();
                backref(() -> type(out));
            }
            default -> path(out, false);
        }
        depth--;
    }

    private static String basic(char tag) {
        return switch (tag) {
            case 'a' -> "i8";
            case 'b' -> "bool";
            case 'c' -> "char";
            case 'd' -> "f64";
            case 'e' -> "str";
            case 'f' -> "f32";
            case 'h' -> "u8";
            case 'i' -> "isize";
            case 'j' -> "usize";
            case 'l' -> "i32";
            case 'm' -> "u32";
            case 'n' -> "i128";
            case 'o' -> "u128";
            case 's' -> "i16";
            case 't' -> "u16";
            case 'u' -> "()";
            case 'v' -> "...";
            case 'x' -> "i64";
            case 'y' -> "u64";
            case 'z' -> "!";
            case 'p' -> "_";
            default -> null;
        };
    }

    private void constant(StringBuilder out) {
        if (eat('p')) {
            out.append('_');
            return;
        }
        if (eat('B')) {
            backref(() -> constant(out));
            return;
        }
        char type = next();
        boolean negative = eat('n');
        int start = position;
        while (peek() != '_') {
            next();
        }
        String hex = symbol.substring(start, position);
        next();
        long value = hex.isEmpty() ? 0 : Long.parseUnsignedLong(hex, 16);
        switch (type) {
            case 'b' -> out.append(value != 0);
            case 'c' -> out.append('\'').appendCodePoint((int) value).append('\'');
            default -> out.append(negative ? "-" : "").append(Long.toUnsignedString(value));
        }
    }
}
