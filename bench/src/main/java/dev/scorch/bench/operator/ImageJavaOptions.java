package dev.scorch.bench.operator;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The JVM options the operator image runs with: the arguments between {@code java} and
 * {@code -jar} in its Containerfile's exec-form ENTRYPOINT, so the benchmark runs the operator's JVM
 * as the image does.
 */
final class ImageJavaOptions {

    private ImageJavaOptions() {
    }

    static List<String> of(Path containerfile) {
        try {
            String entrypoint = Files.readAllLines(containerfile).stream().filter(line -> line.startsWith("ENTRYPOINT ["))
                    .reduce((first, last) -> last)
                    .orElseThrow(() -> new IllegalArgumentException(containerfile + " has no exec-form ENTRYPOINT"));
            List<String> command = new ObjectMapper().readValue(entrypoint.substring("ENTRYPOINT ".length()),
                    new TypeReference<List<String>>() {});
            int jar = command.indexOf("-jar");
            if (!"java".equals(command.getFirst()) || jar < 0) {
                throw new IllegalArgumentException(containerfile + "'s ENTRYPOINT is not java <options> -jar <jar>: " + command);
            }
            return List.copyOf(command.subList(1, jar));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + containerfile, e);
        }
    }
}
