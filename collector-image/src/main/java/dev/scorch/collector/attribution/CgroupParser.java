package dev.scorch.collector.attribution;

import dev.scorch.collector.attribution.ContainerCgroup.QosClass;
import dev.scorch.collector.attribution.ContainerCgroup.Runtime;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the container id, pod UID and QoS class from the content of {@code /proc/<pid>/cgroup}, for
 * cgroup v1 and v2, the cgroupfs and systemd drivers, and containerd, CRI-O and Docker naming.
 *
 * <p>The innermost container-looking path segment wins, so a kubelet nested in a Docker container
 * (kind, minikube) yields the pod's container, not the node container. The content comes from
 * processes we do not control (a process can move itself into a cgroup with a crafted name), so
 * parsing is total: anything unrecognised yields empty, nothing throws.
 */
public final class CgroupParser {

    /** A systemd scope of a container: {@code cri-containerd-<id>.scope}, {@code crio-<id>.scope}, {@code docker-<id>.scope}. */
    private static final Pattern SCOPE = Pattern.compile("(cri-containerd|crio|docker)-([0-9a-f]{64})\\.scope");

    /** A cgroupfs container directory: the bare id. */
    private static final Pattern BARE_ID = Pattern.compile("[0-9a-f]{64}");

    /**
     * A pod's cgroup: {@code pod<uid>} (cgroupfs) or {@code kubepods[-<qos>]-pod<uid>.slice} (systemd,
     * where the UID's dashes are underscores because '-' separates slice levels).
     */
    private static final Pattern POD = Pattern.compile(
            "(?:kubepods(?:-(besteffort|burstable))?-)?pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\\.slice)?");

    private CgroupParser() {}

    /**
     * A process's cgroup file has one short line per hierarchy: content or a path past these bounds
     * is not a container's, and splitting and matching it would cost work and heap proportional
     * to whatever it holds.
     */
    static final int MAX_CONTENT = 64 << 10;
    static final int MAX_PATH = 4096;

    /**
     * The container of the process whose {@code /proc/<pid>/cgroup} is {@code content}; empty for a
     * host process or anything unrecognised.
     */
    public static Optional<ContainerCgroup> parse(String content) {
        Optional<ContainerCgroup> found = Optional.empty();
        if (content.length() > MAX_CONTENT) {
            return found;
        }
        for (String line : content.split("\n", 64)) {
            // hierarchy-ID:controllers:path; the path itself may contain ':'.
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) {
                continue;
            }
            Optional<ContainerCgroup> parsed = parsePath(line.substring(second + 1));
            if (parsed.isPresent() && (found.isEmpty() || moreSpecific(parsed.get(), found.get()))) {
                found = parsed;
            }
        }
        return found;
    }

    /** Parses one cgroup path, e.g. {@code /kubepods/burstable/pod<uid>/<id>}. */
    public static Optional<ContainerCgroup> parsePath(String path) {
        if (path.length() > MAX_PATH) {
            return Optional.empty();
        }
        String[] segments = path.split("/");
        for (int i = segments.length - 1; i >= 0; i--) {
            Optional<Runtime> runtime;
            String id;
            Matcher scope = SCOPE.matcher(segments[i]);
            if (scope.matches()) {
                id = scope.group(2);
                runtime = Optional.of(runtimeOf(scope.group(1)));
            } else if (BARE_ID.matcher(segments[i]).matches()) {
                id = segments[i];
                runtime = i > 0 && segments[i - 1].equals("docker") ? Optional.of(Runtime.DOCKER) : Optional.empty();
            } else {
                continue;
            }
            return Optional.of(podOf(segments, i, id, runtime));
        }
        return Optional.empty();
    }

    private static ContainerCgroup podOf(String[] segments, int containerIndex, String id, Optional<Runtime> runtime) {
        if (containerIndex == 0) {
            return new ContainerCgroup(id, runtime, Optional.empty(), Optional.empty());
        }
        Matcher pod = POD.matcher(segments[containerIndex - 1]);
        if (!pod.matches()) {
            return new ContainerCgroup(id, runtime, Optional.empty(), Optional.empty());
        }
        String uid = pod.group(2).replace('_', '-');
        String qos = pod.group(1);
        if (qos == null && containerIndex >= 2) {
            // cgroupfs puts the QoS class in its own directory: /kubepods/burstable/pod<uid>/<id>
            String parent = segments[containerIndex - 2];
            if (parent.equals("burstable") || parent.equals("besteffort")) {
                qos = parent;
            }
        }
        QosClass qosClass = qos == null ? QosClass.GUARANTEED : QosClass.valueOf(qos.toUpperCase(Locale.ROOT));
        return new ContainerCgroup(id, runtime, Optional.of(uid), Optional.of(qosClass));
    }

    private static Runtime runtimeOf(String prefix) {
        return switch (prefix) {
            case "crio" -> Runtime.CRIO;
            case "docker" -> Runtime.DOCKER;
            default -> Runtime.CONTAINERD;
        };
    }

    /** A v1 controller line that knows the pod beats one that does not (controllers can disagree). */
    private static boolean moreSpecific(ContainerCgroup candidate, ContainerCgroup current) {
        return candidate.podUid().isPresent() && current.podUid().isEmpty();
    }
}
