package dev.scorch.collector.unwind;

/**
 * Reads the little-endian fields of a call-frame section (LEB128 numbers, fixed-size integers and
 * {@code DW_EH_PE} encoded pointers) from a byte array, within a limit. Every read past the limit
 * throws {@link CfiFormatException}, so hostile lengths end the parse instead of reading elsewhere.
 */
final class DwarfCursor {

    static final int PE_OMIT = 0xFF;
    private static final int PE_ABSPTR = 0x00;
    private static final int PE_ULEB128 = 0x01;
    private static final int PE_UDATA2 = 0x02;
    private static final int PE_UDATA4 = 0x03;
    private static final int PE_UDATA8 = 0x04;
    private static final int PE_SLEB128 = 0x09;
    private static final int PE_SDATA2 = 0x0A;
    private static final int PE_SDATA4 = 0x0B;
    private static final int PE_SDATA8 = 0x0C;
    private static final int PE_PCREL = 0x10;
    private static final int PE_DATAREL = 0x30;
    private static final int PE_INDIRECT = 0x80;

    private final byte[] bytes;
    /** The link-time address of {@code bytes[0]}, for pc-relative pointers. */
    private final long sectionAddress;
    private int position;
    private int limit;

    DwarfCursor(byte[] bytes, long sectionAddress) {
        this.bytes = bytes;
        this.sectionAddress = sectionAddress;
        this.limit = bytes.length;
    }

    int position() {
        return position;
    }

    void position(int at) throws CfiFormatException {
        if (at < 0 || at > limit) {
            throw new CfiFormatException("offset " + at + " outside [0, " + limit + ")");
        }
        position = at;
    }

    int limit() {
        return limit;
    }

    /** Ends reads at {@code end} (the entry's end), which must lie within the section. */
    void limit(int end) throws CfiFormatException {
        if (end < 0 || end > bytes.length) {
            throw new CfiFormatException("entry end " + end + " outside the section of " + bytes.length + " bytes");
        }
        limit = end;
    }

    boolean hasRemaining() {
        return position < limit;
    }

    private void require(int count) throws CfiFormatException {
        if (count > limit - position) {
            throw new CfiFormatException("read of " + count + " bytes at " + position + " passes the entry end " + limit);
        }
    }

    int u8() throws CfiFormatException {
        require(1);
        return bytes[position++] & 0xFF;
    }

    int u16() throws CfiFormatException {
        require(2);
        int value = (bytes[position] & 0xFF) | (bytes[position + 1] & 0xFF) << 8;
        position += 2;
        return value;
    }

    long u32() throws CfiFormatException {
        require(4);
        long value = (bytes[position] & 0xFFL) | (bytes[position + 1] & 0xFFL) << 8 | (bytes[position + 2] & 0xFFL) << 16
                | (bytes[position + 3] & 0xFFL) << 24;
        position += 4;
        return value;
    }

    long u64() throws CfiFormatException {
        long low = u32();
        return low | u32() << 32;
    }

    long uleb() throws CfiFormatException {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            int b = u8();
            if (shift < 64) {
                value |= (long) (b & 0x7F) << shift;
            }
            if ((b & 0x80) == 0) {
                return value;
            }
            if (shift > 70) {
                throw new CfiFormatException("LEB128 number longer than 10 bytes at " + position);
            }
        }
    }

    long sleb() throws CfiFormatException {
        long value = 0;
        int shift = 0;
        int b;
        do {
            b = u8();
            if (shift < 64) {
                value |= (long) (b & 0x7F) << shift;
            }
            shift += 7;
            if (shift > 77) {
                throw new CfiFormatException("LEB128 number longer than 10 bytes at " + position);
            }
        } while ((b & 0x80) != 0);
        if (shift < 64 && (b & 0x40) != 0) {
            value |= -1L << shift;
        }
        return value;
    }

    /** A LEB128 number that must fit a non-negative int (register numbers, lengths). */
    int ulebInt() throws CfiFormatException {
        long value = uleb();
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new CfiFormatException("number " + Long.toUnsignedString(value) + " out of range at " + position);
        }
        return (int) value;
    }

    void skip(long count) throws CfiFormatException {
        if (count < 0 || count > limit - position) {
            throw new CfiFormatException("skip of " + count + " bytes at " + position + " passes the entry end " + limit);
        }
        position += (int) count;
    }

    /**
     * A pointer in {@code DW_EH_PE} encoding {@code encoding}. Pc-relative pointers are resolved
     * against the section address; indirect and data-relative ones cannot be resolved from the
     * file alone and fail.
     */
    long pointer(int encoding) throws CfiFormatException {
        if (encoding == PE_OMIT) {
            throw new CfiFormatException("omitted pointer where one is required");
        }
        long fieldAddress = sectionAddress + position;
        long value = switch (encoding & 0x0F) {
            case PE_ABSPTR, PE_UDATA8, PE_SDATA8 -> u64();
            case PE_ULEB128 -> uleb();
            case PE_UDATA2 -> u16();
            case PE_UDATA4 -> u32();
            case PE_SLEB128 -> sleb();
            case PE_SDATA2 -> (short) u16();
            case PE_SDATA4 -> (int) u32();
            default -> throw new CfiFormatException("unknown pointer format 0x" + Integer.toHexString(encoding));
        };
        int application = encoding & 0x70;
        if ((encoding & PE_INDIRECT) != 0 || application == PE_DATAREL || (application != 0 && application != PE_PCREL)) {
            throw new CfiFormatException("pointer application 0x" + Integer.toHexString(encoding) + " needs the process image");
        }
        return application == PE_PCREL ? fieldAddress + value : value;
    }

    /** The size of a pointer of {@code encoding} without reading it; -1 for variable-length formats. */
    static int pointerSize(int encoding) {
        return switch (encoding & 0x0F) {
            case PE_ABSPTR, PE_UDATA8, PE_SDATA8 -> 8;
            case PE_UDATA2, PE_SDATA2 -> 2;
            case PE_UDATA4, PE_SDATA4 -> 4;
            default -> -1;
        };
    }

    /** Reads a pointer-sized value in the format of {@code encoding} but without applying it (FDE address ranges). */
    long value(int encoding) throws CfiFormatException {
        return switch (encoding & 0x0F) {
            case PE_ABSPTR, PE_UDATA8, PE_SDATA8 -> u64();
            case PE_ULEB128 -> uleb();
            case PE_UDATA2 -> u16();
            case PE_UDATA4 -> u32();
            case PE_SLEB128 -> sleb();
            case PE_SDATA2 -> (short) u16();
            case PE_SDATA4 -> (int) u32();
            default -> throw new CfiFormatException("unknown pointer format 0x" + Integer.toHexString(encoding));
        };
    }

    /** Whether {@code [position, position + length)} holds exactly {@code expected}. */
    boolean matches(byte[] expected, int length) {
        if (length != expected.length || length > limit - position) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (bytes[position + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
