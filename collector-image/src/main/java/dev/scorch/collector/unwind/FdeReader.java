package dev.scorch.collector.unwind;

import java.util.HashMap;
import java.util.Map;

/** Reads an FDE's header at its entry: its CIE, the code it covers and where its program lies. */
final class FdeReader {
    final byte[] section;
    final long sectionAddress;
    final boolean ehFrame;
    final DwarfCursor in;
    final Map<Integer, CommonInformationEntry> cies = new HashMap<>();
    private int lastCieOffset = -1;
    private CommonInformationEntry lastCie;
    CommonInformationEntry cie;
    long start;
    long range;
    int instructions;
    int end;

    FdeReader(byte[] section, long sectionAddress, boolean ehFrame) {
        this.section = section;
        this.sectionAddress = sectionAddress;
        this.ehFrame = ehFrame;
        this.in = new DwarfCursor(section, sectionAddress);
    }

    void read(int entry) throws CfiFormatException {
        in.limit(section.length);
        in.position(entry);
        long length = in.u32();
        boolean wide = length == 0xFFFF_FFFFL;
        if (wide) {
            length = in.u64();
        }
        int body = in.position();
        end = body + (int) length;
        in.limit(end);
        long id = wide ? in.u64() : in.u32();
        long cieOffset = ehFrame ? body - id : id;
        if (cieOffset < 0 || cieOffset >= section.length) {
            throw new CfiFormatException("FDE at " + entry + " points to a CIE outside the section");
        }
        // FDEs mostly follow their CIE: the last one found saves a boxed map key per FDE.
        if (cieOffset != lastCieOffset) {
            CommonInformationEntry found = cies.get((int) cieOffset);
            if (found == null) {
                found = CommonInformationEntry.readAt(section, sectionAddress, (int) cieOffset, ehFrame);
                cies.put((int) cieOffset, found);
            }
            lastCieOffset = (int) cieOffset;
            lastCie = found;
        }
        cie = lastCie;
        start = in.pointer(cie.fdeEncoding());
        range = in.value(cie.fdeEncoding());
        if (cie.augmented()) {
            in.skip(in.uleb());
        }
        instructions = in.position();
    }
}
