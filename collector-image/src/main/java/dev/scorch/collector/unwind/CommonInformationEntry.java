package dev.scorch.collector.unwind;

/**
 * A CIE of a call-frame section: what the FDEs that point to it share (alignment factors, the
 * return-address register, how their pointers are encoded) and where its initial instructions lie.
 *
 * @param instructions the section offset of the initial instructions
 * @param end the section offset where the entry ends
 */
record CommonInformationEntry(long codeAlign, long dataAlign, int returnRegister, int fdeEncoding, boolean augmented,
        int instructions, int end) {

    /** Reads the CIE at {@code offset}, checking that an entry there is one. */
    static CommonInformationEntry readAt(byte[] section, long sectionAddress, int offset, boolean ehFrame) throws CfiFormatException {
        DwarfCursor in = new DwarfCursor(section, sectionAddress);
        in.position(offset);
        long length = in.u32();
        boolean wide = length == 0xFFFF_FFFFL;
        if (wide) {
            length = in.u64();
        }
        if (length < 4 || length > section.length - in.position()) {
            throw new CfiFormatException("CIE at " + offset + " claims " + length + " bytes");
        }
        int end = in.position() + (int) length;
        in.limit(end);
        long id = wide ? in.u64() : in.u32();
        if (ehFrame ? id != 0 : id != (wide ? -1L : 0xFFFF_FFFFL)) {
            throw new CfiFormatException("FDE points at " + offset + ", which is not a CIE");
        }
        return read(in, end);
    }

    /** Reads the CIE whose id {@code in} has just read, up to {@code end}. */
    static CommonInformationEntry read(DwarfCursor in, int end) throws CfiFormatException {
        int version = in.u8();
        if (version != 1 && version != 3 && version != 4) {
            throw new CfiFormatException("CIE version " + version);
        }
        StringBuilder augmentation = new StringBuilder();
        for (int c = in.u8(); c != 0; c = in.u8()) {
            if (augmentation.length() > 16) {
                throw new CfiFormatException("CIE augmentation string too long");
            }
            augmentation.append((char) c);
        }
        String aug = augmentation.toString();
        if (version == 4) {
            int addressSize = in.u8();
            in.u8();
            if (addressSize != 8) {
                throw new CfiFormatException("address size " + addressSize);
            }
        }
        if (aug.contains("eh")) {
            in.skip(8);
        }
        long codeAlign = in.uleb();
        long dataAlign = in.sleb();
        int returnRegister = version == 1 ? in.u8() : in.ulebInt();
        int fdeEncoding = 0;
        boolean augmented = aug.startsWith("z");
        if (augmented) {
            long dataLength = in.uleb();
            int dataEnd = in.position() + (int) Math.min(dataLength, Integer.MAX_VALUE);
            if (dataLength < 0 || dataLength > end - in.position()) {
                throw new CfiFormatException("CIE augmentation data of " + dataLength + " bytes");
            }
            for (int i = 1; i < aug.length(); i++) {
                switch (aug.charAt(i)) {
                    case 'R' -> fdeEncoding = in.u8();
                    case 'L' -> in.u8();
                    case 'P' -> {
                        int encoding = in.u8();
                        in.value(encoding);
                    }
                    case 'S', 'B', 'G' -> {
                        // signal frame, pointer authentication, MTE: nothing to read
                    }
                    default -> i = aug.length(); // unknown: the length tells us where the data ends
                }
            }
            in.position(dataEnd);
        } else if (!aug.isEmpty() && !aug.equals("eh")) {
            throw new CfiFormatException("CIE augmentation \"" + aug + "\" without a length");
        }
        if (codeAlign <= 0 || codeAlign > 256) {
            throw new CfiFormatException("code alignment " + codeAlign);
        }
        return new CommonInformationEntry(codeAlign, dataAlign, returnRegister, fdeEncoding, augmented, in.position(), end);
    }
}
