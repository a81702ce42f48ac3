package dev.scorch.collector.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A file {@code record} will write when the recording ends, checked before sampling starts so a
 * recording is never lost to a typo in a path or a read-only directory.
 */
final class OutputFile {

    private OutputFile() {}

    /**
     * Proves {@code file} can be written: it is not a directory, and a file can be created (and is
     * removed again) in its directory.
     *
     * @param option the option that named it, for the message
     * @throws IOException saying which option, which directory and the operating system's reason
     */
    static void requireWritable(String option, Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        if (Files.isDirectory(absolute)) {
            throw new IOException(option + " " + file + " is a directory; give a file name, e.g. " + file.resolve("profile.pb.gz"));
        }
        Path directory = absolute.getParent();
        try {
            Path probe = Files.createTempFile(directory, "." + absolute.getFileName() + ".", ".probe");
            Files.delete(probe);
        } catch (IOException e) {
            throw new IOException(option + " " + file + ": cannot write in " + directory + ": " + reason(e), e);
        }
        if (Files.exists(absolute) && !Files.isWritable(absolute)) {
            throw new IOException(option + " " + file + ": cannot overwrite it: Permission denied");
        }
    }

    /** The operating system's words for why a file operation failed. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage();
    }
}
