package dev.scorch.e2e.kubelet;

import java.nio.file.Path;

/**
 * A host directory or file made visible at {@code target} inside a container's mount namespace.
 *
 * @param source what the container sees (a directory the fake kubelet filled, or a host path)
 * @param target the path inside the container, e.g. {@code /etc/scorch/config}
 * @param readOnly whether the container may write through it
 */
public record BindMount(Path source, Path target, boolean readOnly) {
}
