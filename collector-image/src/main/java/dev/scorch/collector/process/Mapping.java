package dev.scorch.collector.process;

/**
 * A file-backed (or anonymous) memory mapping of a process, as MMAP2 records or
 * {@code /proc/<pid>/maps} describe it.
 *
 * @param start first address of the mapping
 * @param limit first address past the mapping
 * @param fileOffset offset in the file that {@code start} maps
 * @param path the path inside the process's mount namespace, or a pseudo name such as {@code [vdso]}
 * @param inode the file's inode, 0 when anonymous
 * @param executable whether the mapping is executable
 */
public record Mapping(long start, long limit, long fileOffset, String path, long inode, boolean executable) {

    public boolean contains(long address) {
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, limit) < 0;
    }
}
