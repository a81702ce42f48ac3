package dev.scorch.collector.json;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A JSON number, kept exact: {@code 0.1} stays 0.1 and {@code 12345678901234567890} stays whole,
 * where a double would round them. Equality is the decimal's, scale included ({@code 1.0} is not
 * {@code 1}), so a value written and read back is equal to itself.
 */
public record JsonNumber(BigDecimal value) implements JsonValue {

    /** Past this many digits left of the point a value cannot be a long; checked before any conversion. */
    private static final int LONG_DIGITS = 19;

    public JsonNumber {
        Objects.requireNonNull(value, "value");
    }

    public static JsonNumber of(long value) {
        return new JsonNumber(BigDecimal.valueOf(value));
    }

    public static JsonNumber of(BigDecimal value) {
        return new JsonNumber(value);
    }

    /**
     * The value when it is a whole number within a long ({@code 19}, {@code 19.0}, {@code 1.9e1});
     * empty for a fraction or a number out of range. Costs no more than the digits written, even
     * for an exponent like {@code 1e999999999}.
     */
    public OptionalLong wholeValue() {
        if (value.signum() == 0) {
            return OptionalLong.of(0);
        }
        BigDecimal stripped = value.scale() > 0 ? value.stripTrailingZeros() : value;
        if (stripped.scale() > 0 || (long) stripped.precision() - stripped.scale() > LONG_DIGITS) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(stripped.longValueExact());
        } catch (ArithmeticException outOfRange) {
            return OptionalLong.empty();
        }
    }

    /** The nearest double; infinite when the value is beyond a double's range. */
    public double doubleValue() {
        return value.doubleValue();
    }

    @Override
    public long longOr(long fallback) {
        return wholeValue().orElse(fallback);
    }
}
