package dev.scorch.collector.symbol;

import dev.scorch.collector.symbol.elf.ByteSource;
import dev.scorch.collector.symbol.elf.ElfFile;
import dev.scorch.collector.symbol.elf.ElfFormatException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The vdso is the same image in every process of a kernel, so the collector reads its own copy
 * (from {@code /proc/self/mem} at its {@code [vdso]} mapping) once and names every process's vdso
 * frames with it.
 */
final class VdsoImage {

    private static final long MAX_VDSO_BYTES = 1 << 20;

    private VdsoImage() {}

    /** The vdso's symbols, or null when the collector has none or cannot read it. */
    static ObjectSymbols read(Path procRoot) {
        try {
            for (String line : Files.readAllLines(procRoot.resolve("self/maps"))) {
                if (!line.endsWith("[vdso]")) {
                    continue;
                }
                String range = line.substring(0, line.indexOf(' '));
                int dash = range.indexOf('-');
                long start = Long.parseUnsignedLong(range.substring(0, dash), 16);
                long end = Long.parseUnsignedLong(range.substring(dash + 1), 16);
                if (end <= start || end - start > MAX_VDSO_BYTES) {
                    return null;
                }
                byte[] image = new byte[(int) (end - start)];
                try (RandomAccessFile mem = new RandomAccessFile(procRoot.resolve("self/mem").toFile(), "r")) {
                    mem.seek(start);
                    mem.readFully(image);
                }
                ObjectSymbols symbols = ObjectSymbols.read(ElfFile.parse(ByteSource.of(image)));
                return symbols.functionCount() == 0 ? null : symbols;
            }
        } catch (IOException | ElfFormatException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
