package dev.scorch.collector.json;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * Reads numbers strictly per RFC 8259 (no leading zeros, no {@code NaN}, {@code Infinity}, {@code
 * +1} or {@code .5}), exactly: whole numbers of up to 18 digits straight into a long, any other
 * into a {@link BigDecimal}, and none longer than {@link #MAX_NUMBER_CHARS}.
 */
final class JsonNumbers {

    /** Real numbers have a few dozen characters; a longer one is refused before any conversion. */
    static final int MAX_NUMBER_CHARS = 256;

    /** Whole numbers of up to 18 digits are read straight into a long. */
    private static final int LONG_FAST_DIGITS = 18;

    private final JsonInput in;
    private final char[] number = new char[MAX_NUMBER_CHARS];

    JsonNumbers(JsonInput in) {
        this.in = in;
    }

    /** A number; its first character ({@code -} or a digit) is not taken yet. */
    JsonNumber number() throws IOException {
        int length = 0;
        boolean whole = true;
        if (in.peek() == '-') {
            length = take(length);
        }
        int c = in.peek();
        if (c == '0') {
            length = take(length);
            if (isDigit(in.peek())) {
                throw in.error("a number must not have a leading zero");
            }
        } else if (isDigit(c)) {
            length = digits(length);
        } else {
            throw in.error("expected a digit, found " + JsonInput.describe(c));
        }
        if (in.peek() == '.') {
            whole = false;
            length = take(length);
            if (!isDigit(in.peek())) {
                throw in.error("expected a digit after the decimal point, found " + JsonInput.describe(in.peek()));
            }
            length = digits(length);
        }
        c = in.peek();
        if (c == 'e' || c == 'E') {
            whole = false;
            length = take(length);
            c = in.peek();
            if (c == '+' || c == '-') {
                length = take(length);
            }
            if (!isDigit(in.peek())) {
                throw in.error("expected a digit in the exponent, found " + JsonInput.describe(in.peek()));
            }
            length = digits(length);
        }
        int digits = number[0] == '-' ? length - 1 : length;
        if (whole && digits <= LONG_FAST_DIGITS) {
            long value = 0;
            for (int i = length - digits; i < length; i++) {
                value = value * 10 + (number[i] - '0');
            }
            return JsonNumber.of(number[0] == '-' ? -value : value);
        }
        try {
            return JsonNumber.of(new BigDecimal(number, 0, length));
        } catch (NumberFormatException exponentOutOfRange) {
            throw in.error("number out of range: its exponent does not fit 32 bits");
        }
    }

    private int digits(int length) throws IOException {
        while (isDigit(in.peek())) {
            length = take(length);
        }
        return length;
    }

    private int take(int length) throws IOException {
        if (length == MAX_NUMBER_CHARS) {
            throw in.error("number longer than " + MAX_NUMBER_CHARS + " characters");
        }
        number[length] = (char) in.read();
        return length + 1;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }
}
