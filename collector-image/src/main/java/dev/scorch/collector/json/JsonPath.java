package dev.scorch.collector.json;

/**
 * Where the reader is in the document, kept as it descends (one array store per member or
 * element) and rendered only for an error message: {@code policies[2].backends[0].url}.
 */
final class JsonPath {

    private final String[] names;
    private final int[] indices;
    private int depth;

    JsonPath(int maxDepth) {
        names = new String[maxDepth + 1];
        indices = new int[maxDepth + 1];
    }

    int depth() {
        return depth;
    }

    /** Enters an array or object; no member or element is named until {@link #name} or {@link #index}. */
    void enter() {
        depth++;
        names[depth] = null;
        indices[depth] = -1;
    }

    void leave() {
        depth--;
    }

    void name(String name) {
        names[depth] = name;
    }

    void index(int index) {
        indices[depth] = index;
    }

    String render() {
        StringBuilder out = new StringBuilder();
        for (int level = 1; level <= depth; level++) {
            if (names[level] != null) {
                out.append(out.isEmpty() ? "" : ".").append(names[level]);
            } else if (indices[level] >= 0) {
                out.append('[').append(indices[level]).append(']');
            } else {
                break;
            }
        }
        return out.toString();
    }
}
