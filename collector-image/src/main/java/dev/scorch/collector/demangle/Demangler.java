package dev.scorch.collector.demangle;

/**
 * Turns linker symbol names back into source names: C++ in the Itanium ABI ({@code _Z...}), and
 * Rust in both of its manglings (legacy {@code _ZN...17h<hash>E} and v0 {@code _R...}). A name
 * that is not mangled, or uses a construct the demanglers do not know, comes back unchanged, so a
 * frame is never worse than its symbol.
 */
public final class Demangler {

    private Demangler() {}

    /** The source name of {@code symbol}, or {@code symbol} itself. */
    public static String demangle(String symbol) {
        if (symbol == null || symbol.length() < 3) {
            return symbol;
        }
        try {
            if (symbol.startsWith("_R")) {
                return RustV0.demangle(symbol);
            }
            if (symbol.startsWith("_Z")) {
                String rust = RustLegacy.demangle(symbol);
                return rust != null ? rust : Itanium.demangle(symbol);
            }
        } catch (RuntimeException e) {
            return symbol; // a construct we do not know: the symbol is still a usable name
        }
        return symbol;
    }
}
