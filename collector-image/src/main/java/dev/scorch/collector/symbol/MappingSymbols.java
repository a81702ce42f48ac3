package dev.scorch.collector.symbol;

/**
 * The symbols of one mapping of one process, found once per profile by {@link Symbolizer} and then
 * asked for each distinct address in that mapping.
 */
public interface MappingSymbols {

    /** Lowercase hex GNU build id of the mapped object, empty when unknown. */
    String buildId();

    /**
     * Resolves runtime address {@code address}. {@code returnAddress} marks a caller frame, whose
     * address is the instruction after the call: the lookup then uses {@code address - 1} so a call
     * at the very end of a function is not attributed to the next one.
     */
    Symbolization symbolize(long address, boolean returnAddress);

    /** A mapping whose frames all stay unresolved for one reason. */
    static MappingSymbols unresolved(String buildId, MissReason reason) {
        Symbolization missed = Symbolization.missed(reason);
        return new MappingSymbols() {
            @Override
            public String buildId() {
                return buildId;
            }

            @Override
            public Symbolization symbolize(long address, boolean returnAddress) {
                return missed;
            }
        };
    }
}
