package dev.scorch.collector.symbol;

/**
 * One function frame a code address resolved to.
 *
 * @param function the function name as pprof shows it
 * @param systemName the name as the object stores it (the mangled name for C++/Rust; equal to {@code function} otherwise)
 * @param fileName the source file, empty when unknown
 * @param line the source line, 0 when unknown
 */
public record SymbolizedFrame(String function, String systemName, String fileName, long line) {

    public static SymbolizedFrame named(String function) {
        return new SymbolizedFrame(function, function, "", 0);
    }
}
