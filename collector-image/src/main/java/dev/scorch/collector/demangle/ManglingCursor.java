package dev.scorch.collector.demangle;

/**
 * The reading position of a recursive-descent demangler in one mangled name, shared by the
 * Itanium and Rust v0 grammars: look ahead, consume, and bound the recursion so a hostile symbol
 * cannot overflow the stack. Subclasses read {@link #symbol} and move {@link #position} directly
 * where a production needs a substring or a back-reference.
 */
abstract class ManglingCursor {

    protected final String symbol;
    protected int position;
    protected int depth;
    private final int maxDepth;

    protected ManglingCursor(String symbol, int start, int maxDepth) {
        this.symbol = symbol;
        this.position = start;
        this.maxDepth = maxDepth;
    }

    protected char peek() {
        return peek(0);
    }

    protected char peek(int ahead) {
        return position + ahead < symbol.length() ? symbol.charAt(position + ahead) : '\0';
    }

    protected char next() {
        if (position >= symbol.length()) {
            throw new IllegalArgumentException("truncated at " + position);
        }
        return symbol.charAt(position++);
    }

    protected boolean eat(char c) {
        if (peek() == c) {
            position++;
            return true;
        }
        return false;
    }

    protected void expect(char c) {
        if (!eat(c)) {
            throw new IllegalArgumentException("expected " + c + " at " + position);
        }
    }

    /** One level deeper into the grammar; the caller decrements {@link #depth} on its way out. */
    protected void enter() {
        if (++depth > maxDepth) {
            throw new IllegalArgumentException("nested deeper than " + maxDepth);
        }
    }
}
