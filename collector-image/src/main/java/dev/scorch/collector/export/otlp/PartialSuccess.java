package dev.scorch.collector.export.otlp;

import java.nio.charset.StandardCharsets;

/**
 * The {@code partial_success} of an OTLP {@code ExportProfilesServiceResponse}: how many profiles
 * the receiver rejected and why. An empty answer is full success.
 */
record PartialSuccess(long rejectedProfiles, String errorMessage) {

    private static final int RESPONSE_PARTIAL_SUCCESS = 1;
    private static final int PARTIAL_REJECTED_PROFILES = 1;
    private static final int PARTIAL_ERROR_MESSAGE = 2;

    /** @throws IllegalArgumentException when {@code response} is not a well-formed message */
    static PartialSuccess of(byte[] response) {
        long rejected = 0;
        String message = "";
        var outer = new Cursor(response, 0, response.length);
        while (outer.hasMore()) {
            long tag = outer.varint();
            if (tag == (RESPONSE_PARTIAL_SUCCESS << 3 | 2)) {
                int length = outer.length();
                var inner = new Cursor(response, outer.position, outer.position + length);
                outer.position += length;
                while (inner.hasMore()) {
                    long innerTag = inner.varint();
                    if (innerTag == (PARTIAL_REJECTED_PROFILES << 3)) {
                        rejected = inner.varint();
                    } else if (innerTag == (PARTIAL_ERROR_MESSAGE << 3 | 2)) {
                        int size = inner.length();
                        message = new String(response, inner.position, size, StandardCharsets.UTF_8);
                        inner.position += size;
                    } else {
                        inner.skip(innerTag);
                    }
                }
            } else {
                outer.skip(tag);
            }
        }
        return new PartialSuccess(rejected, message);
    }

    /** The few wire-format steps a response needs; every read is checked against {@code end}. */
    private static final class Cursor {
        private final byte[] bytes;
        private final int end;
        private int position;

        Cursor(byte[] bytes, int start, int end) {
            this.bytes = bytes;
            this.position = start;
            this.end = end;
        }

        boolean hasMore() {
            return position < end;
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= end) {
                    throw new IllegalArgumentException("varint runs past the end at byte " + position);
                }
                byte b = bytes[position++];
                value |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("varint longer than 10 bytes at byte " + position);
        }

        int length() {
            long length = varint();
            if (length < 0 || length > end - position) {
                throw new IllegalArgumentException("length " + length + " runs past the end at byte " + position);
            }
            return (int) length;
        }

        void skip(long tag) {
            switch ((int) (tag & 7)) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IllegalArgumentException("wire type " + (tag & 7) + " at byte " + position);
            }
        }

        private void advance(int count) {
            if (count > end - position) {
                throw new IllegalArgumentException("field runs past the end at byte " + position);
            }
            position += count;
        }
    }
}
