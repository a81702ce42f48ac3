package dev.scorch.e2e.kubelet;

import io.fabric8.kubernetes.api.model.Container;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the fake kubelet runs for an image it "pulled": the image's entrypoint and default
 * arguments as host commands, its environment, and the executables inside it that a pod's
 * {@code command} may name. It stands for a built image whose files the test has on the host
 * (the module's packaged jars, a compiled workload).
 *
 * @param repository the image name without tag or digest, e.g. {@code ghcr.io/scorch-dev/collector}
 * @param entrypoint the image's ENTRYPOINT as a host command
 * @param defaultArguments the image's CMD
 * @param environment the image's ENV
 * @param executables commands inside the image (as a pod's {@code command[0]} names them) and the host command each stands for
 * @param movablePorts container ports the program can be told to move, and the environment
 *     variable that tells it (e.g. 8080 to {@code QUARKUS_HTTP_PORT}): pods share the host's network
 *     here, so two pods that both listen on 8080 cannot both have it; the fake kubelet gives each
 *     container a free host port instead, and its probes follow
 */
public record ContainerImage(
        String repository,
        List<String> entrypoint,
        List<String> defaultArguments,
        Map<String, String> environment,
        Map<String, List<String>> executables,
        Map<Integer, String> movablePorts) {

    /** The environment every image here gets, as a Linux base image sets it. */
    public static final Map<String, String> BASE_ENVIRONMENT =
            Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

    /** Whether {@code image} (with any tag or digest) is this image. */
    public boolean matches(String image) {
        String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            name = name.substring(0, colon);
        }
        return name.equals(repository);
    }

    /** The host command for {@code container}, with Kubernetes' rules for command and args over ENTRYPOINT and CMD. */
    public List<String> commandFor(Container container) {
        List<String> command = new ArrayList<>();
        List<String> podCommand = container.getCommand() == null ? List.of() : container.getCommand();
        List<String> podArgs = container.getArgs() == null ? List.of() : container.getArgs();
        if (!podCommand.isEmpty()) {
            List<String> executable = executables.get(podCommand.getFirst());
            if (executable == null) {
                throw new IllegalArgumentException("image " + repository + " has no executable " + podCommand.getFirst()
                        + " here (known: " + executables.keySet() + ")");
            }
            command.addAll(executable);
            command.addAll(podCommand.subList(1, podCommand.size()));
            command.addAll(podArgs);
        } else {
            command.addAll(entrypoint);
            command.addAll(podArgs.isEmpty() ? defaultArguments : podArgs);
        }
        return command;
    }
}
