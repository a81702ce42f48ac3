package dev.scorch.collector.symbol.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Random-access bytes of an object file: an open file, or an array (tests, fuzzing, the vdso image
 * read from memory). Every read is checked against {@link #size()}, so a length or offset taken
 * from a hostile header can never read past the end or allocate more than the caller asked for.
 */
public sealed interface ByteSource permits ByteSource.OfChannel, ByteSource.OfArray {

    long size();

    /** Fills {@code into[0, length)} from {@code offset}; fails when the range is not inside the source. */
    void read(long offset, byte[] into, int length) throws IOException, ElfFormatException;

    static ByteSource of(byte[] bytes) {
        return new OfArray(bytes);
    }

    static ByteSource of(FileChannel channel) throws IOException {
        return new OfChannel(channel, channel.size());
    }

    /** Reads {@code length} bytes at {@code offset} into a new array. */
    default byte[] read(long offset, int length) throws IOException, ElfFormatException {
        byte[] bytes = new byte[length];
        read(offset, bytes, length);
        return bytes;
    }

    /** Whether {@code [offset, offset + length)} lies inside the source (overflow-safe). */
    default boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size() && length <= size() - offset;
    }

    /** Fails with a format error naming {@code what} unless the range lies inside the source. */
    default void requireRange(long offset, long length, String what) throws ElfFormatException {
        if (!contains(offset, length)) {
            throw new ElfFormatException(what + " [" + offset + ", +" + length + ") lies outside the file of " + size() + " bytes");
        }
    }

    record OfArray(byte[] bytes) implements ByteSource {

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public void read(long offset, byte[] into, int length) throws ElfFormatException {
            requireRange(offset, length, "read");
            System.arraycopy(bytes, (int) offset, into, 0, length);
        }
    }

    record OfChannel(FileChannel channel, long size) implements ByteSource {

        @Override
        public void read(long offset, byte[] into, int length) throws IOException, ElfFormatException {
            requireRange(offset, length, "read");
            ByteBuffer buffer = ByteBuffer.wrap(into, 0, length);
            long position = offset;
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw new ElfFormatException("file shrank while reading at offset " + position);
                }
                position += n;
            }
        }
    }
}
