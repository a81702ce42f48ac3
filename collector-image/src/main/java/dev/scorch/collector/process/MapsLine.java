package dev.scorch.collector.process;

/**
 * Parses a line of {@code /proc/<pid>/maps} into a {@link Mapping}. The line comes from a process
 * that may name its files as it likes: anything that does not parse yields null, never an exception.
 */
final class MapsLine {

    private MapsLine() {}

    /**
     * One line of {@code /proc/<pid>/maps}: {@code start-end perms offset dev inode path}, with
     * the path (possibly containing spaces, possibly absent) starting after the padding.
     */
    static Mapping parse(String line) {
        int[] fieldStart = new int[6];
        int fields = 0;
        int i = 0;
        int n = line.length();
        while (fields < 6 && i < n) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            fieldStart[fields++] = i;
            if (fields == 6) {
                break;
            }
            while (i < n && line.charAt(i) != ' ') {
                i++;
            }
        }
        if (fields < 5) {
            return null;
        }
        try {
            String range = token(line, fieldStart[0]);
            int dash = range.indexOf('-');
            long start = Long.parseUnsignedLong(range.substring(0, dash), 16);
            long limit = Long.parseUnsignedLong(range.substring(dash + 1), 16);
            String perms = token(line, fieldStart[1]);
            long offset = Long.parseUnsignedLong(token(line, fieldStart[2]), 16);
            long inode = Long.parseUnsignedLong(token(line, fieldStart[4]));
            String path = fields == 6 ? line.substring(fieldStart[5]) : "";
            if (path.endsWith(" (deleted)")) {
                path = path.substring(0, path.length() - " (deleted)".length());
            }
            if (Long.compareUnsigned(limit, start) <= 0 || perms.length() < 3) {
                return null;
            }
            return new Mapping(start, limit, offset, path, inode, perms.charAt(2) == 'x');
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Whether the permissions field (after the address range) marks the line executable; cheaper than parsing it. */
    static boolean executable(String line) {
        int space = line.indexOf(' ');
        return space >= 0 && space + 3 < line.length() && line.charAt(space + 3) == 'x';
    }

    private static String token(String line, int from) {
        int end = line.indexOf(' ', from);
        return end < 0 ? line.substring(from) : line.substring(from, end);
    }
}
