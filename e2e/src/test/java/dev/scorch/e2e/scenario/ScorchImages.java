package dev.scorch.e2e.scenario;

import dev.scorch.e2e.kubelet.ContainerImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Scorch's two images as the fake kubelet runs them: the files each image holds, taken from what
 * the Maven build packages into the modules' {@code target/} directories, and each image's
 * entrypoint with those paths.
 */
record ScorchImages(Path repository, Path java) {

    /** The collector's main class: the image's {@code scorch-collector} entrypoint runs it. */
    static final String COLLECTOR_MAIN = "dev.scorch.collector.cli.Main";
    /** The operator's HTTP port inside its container (Quarkus' default), moved on the shared host network. */
    static final int OPERATOR_HTTP_PORT = 8080;

    static ScorchImages fromRepository(Path repository) {
        return new ScorchImages(repository, Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    /**
     * Copies the images' files into the fake kubelet's image store, outside every path a pod mounts
     * over: a checkout under /tmp would otherwise vanish behind a pod's /tmp emptyDir, which files
     * baked into a real image never do.
     */
    ScorchImages stagedInto(Path store) throws IOException {
        deleteTree(store);
        copyTree(operatorApp().getParent(), store.resolve("operator/target/quarkus-app"));
        Path collector = Files.createDirectories(store.resolve("collector-image/target"));
        Files.copy(collectorJar(), collector.resolve(collectorJar().getFileName()));
        copyTree(collectorTarget().resolve("lib"), collector.resolve("lib"));
        Files.copy(jvmOptions(), store.resolve("collector-image/jvm.options"));
        return new ScorchImages(store, java);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    Path operatorApp() {
        return repository.resolve("operator/target/quarkus-app/quarkus-run.jar");
    }

    Path collectorTarget() {
        return repository.resolve("collector-image/target");
    }

    boolean built() {
        return Files.isRegularFile(operatorApp()) && collectorJar() != null && Files.isDirectory(collectorTarget().resolve("lib"));
    }

    String whatIsMissing() {
        return "the packaged operator (" + operatorApp() + ") and collector (" + collectorTarget()
                + "/scorch-collector-*.jar and lib/); run ./mvnw -B package -DskipTests first (./mvnw verify does)";
    }

    /** The operator image ({@code operator/src/main/docker/Containerfile}): Quarkus' fast-jar layout and its ENTRYPOINT. */
    ContainerImage operator(String image) {
        return new ContainerImage(repositoryOf(image),
                List.of(java.toString(), "-XX:MaxRAMPercentage=70", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                        "-jar", operatorApp().toString()),
                List.of(),
                Map.of("JAVA_HOME", System.getProperty("java.home")),
                Map.of(),
                Map.of(OPERATOR_HTTP_PORT, "QUARKUS_HTTP_PORT"));
    }

    /** The collector image: its jar and runtime libraries, with {@code scorch-collector} as entrypoint. */
    ContainerImage collector(String image) {
        // The ENTRYPOINT of collector-image/Containerfile, with the image's paths replaced by the build's.
        List<String> entrypoint = List.of(java.toString(), "@" + jvmOptions(),
                "-cp", collectorJar() + ":" + collectorTarget().resolve("lib") + "/*", COLLECTOR_MAIN);
        return new ContainerImage(repositoryOf(image), entrypoint, List.of("run", "--config", "/etc/scorch/config/collector.json"), Map.of(),
                Map.of("scorch-collector", entrypoint, "/usr/local/bin/scorch-collector", entrypoint), Map.of());
    }

    /** The collector's JVM flags, the file the image's entrypoint reads (one copy for image, CLI and test). */
    private Path jvmOptions() {
        return repository.resolve("collector-image/jvm.options");
    }

    private Path collectorJar() {
        if (!Files.isDirectory(collectorTarget())) {
            return null;
        }
        try (Stream<Path> files = Files.list(collectorTarget())) {
            List<Path> jars = new ArrayList<>(files.filter(f -> f.getFileName().toString().matches("scorch-collector-.*\\.jar")
                    && !f.getFileName().toString().endsWith("-tests.jar")).toList());
            return jars.isEmpty() ? null : jars.getFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + collectorTarget(), e);
        }
    }

    private static String repositoryOf(String image) {
        String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        int colon = name.lastIndexOf(':');
        return colon > name.lastIndexOf('/') ? name.substring(0, colon) : name;
    }
}
