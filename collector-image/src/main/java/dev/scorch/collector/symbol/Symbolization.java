package dev.scorch.collector.symbol;

import java.util.List;

/**
 * What one address resolved to: the frames (innermost first; more than one where inlining is
 * known), or the reason it stayed unresolved.
 *
 * @param frames the frames, empty when unresolved
 * @param miss why the address stayed unresolved, null when resolved
 */
public record Symbolization(List<SymbolizedFrame> frames, MissReason miss) {

    public static Symbolization of(SymbolizedFrame frame) {
        return new Symbolization(List.of(frame), null);
    }

    public static Symbolization missed(MissReason reason) {
        return new Symbolization(List.of(), reason);
    }

    public boolean resolved() {
        return miss == null;
    }
}
