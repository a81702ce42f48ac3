package dev.scorch.collector.json;

/**
 * What one document may cost the reader, so a hostile or broken producer (an API server behind a
 * bad proxy, a hand-edited ConfigMap) gets a {@link JsonParseException} instead of a stack
 * overflow, an endless read or a heap the size of its output. Each caller states its own bounds
 * from what its real documents look like.
 *
 * @param maxDepth arrays and objects nested deeper than this are refused (the reader recurses once per level)
 * @param maxStringChars a longer string is refused
 * @param maxDocumentBytes bytes per document, the whitespace before it included (on a stream: per value)
 * @param maxValues values per document (every object, array, member value and element counts
 *     once): bounds the tree's memory, which a byte bound alone does not ({@code [{},{},...]}
 *     costs some 40 times its bytes)
 */
public record JsonLimits(int maxDepth, int maxStringChars, long maxDocumentBytes, int maxValues) {

    public JsonLimits {
        if (maxDepth < 1 || maxStringChars < 0 || maxDocumentBytes < 1 || maxValues < 1) {
            throw new IllegalArgumentException("JSON limits must be positive: " + maxDepth + ", " + maxStringChars + ", "
                    + maxDocumentBytes + ", " + maxValues);
        }
    }
}
