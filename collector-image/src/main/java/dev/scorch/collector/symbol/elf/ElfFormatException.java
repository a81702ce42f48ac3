package dev.scorch.collector.symbol.elf;

/**
 * The bytes are not an object file the collector can read: not ELF, an unsupported flavour, or a
 * header, table or note that points outside the file or exceeds the parser's bounds. The only
 * exception the parsers throw for bad input (besides I/O errors of the file itself).
 */
public final class ElfFormatException extends Exception {

    public ElfFormatException(String message) {
        super(message);
    }
}
