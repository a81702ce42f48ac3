package dev.scorch.collector.pull;

import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a pod serves each wanted profile type, from its annotations: Scorch's own
 * ({@code scorch.dev/pprof-port}, a port number or a container port's name, and
 * {@code scorch.dev/pprof-path}, the prefix that replaces {@code /debug/pprof}), and the
 * {@code profiles.grafana.com/<type>.scrape|port|port_name|path} ones users already have for
 * Grafana Alloy, which take precedence for their type. Pure: the pod's IP, annotations and named
 * ports in, URLs and problems (for the policy's status) out.
 */
public final class PodPullTargets {

    public static final String PORT_ANNOTATION = "scorch.dev/pprof-port";
    public static final String PATH_ANNOTATION = "scorch.dev/pprof-path";
    private static final String GRAFANA = "profiles.grafana.com/";

    /** Alloy's type names and the types they stand for; its {@code memory} is the allocations endpoint. */
    private static final Map<String, GoProfileType> GRAFANA_TYPES = Map.of(
            "memory", GoProfileType.ALLOCS,
            "goroutine", GoProfileType.GOROUTINE,
            "mutex", GoProfileType.MUTEX,
            "block", GoProfileType.BLOCK,
            "godeltaprof_memory", GoProfileType.GODELTAPROF_HEAP,
            "godeltaprof_mutex", GoProfileType.GODELTAPROF_MUTEX,
            "godeltaprof_block", GoProfileType.GODELTAPROF_BLOCK);

    /**
     * @param urls where to pull each type the pod serves and the policy wants
     * @param problems why a type the pod announces cannot be pulled, e.g. an unknown port name
     */
    public record Resolution(Map<GoProfileType, URI> urls, List<String> problems) {}

    private PodPullTargets() {}

    /**
     * @param podIp status.podIP, null or empty before the pod has one
     * @param annotations metadata.annotations
     * @param namedPorts containerPort by port name, over the pod's containers
     * @param wanted the types the policy pulls
     */
    public static Resolution resolve(String podIp, Map<String, String> annotations, Map<String, Integer> namedPorts,
            Set<GoProfileType> wanted) {
        Map<GoProfileType, URI> urls = new EnumMap<>(GoProfileType.class);
        List<String> problems = new ArrayList<>();
        boolean announced = annotations.containsKey(PORT_ANNOTATION)
                || annotations.keySet().stream().anyMatch(k -> k.startsWith(GRAFANA) && k.endsWith(".scrape"));
        if (!announced) {
            return new Resolution(urls, problems);
        }
        if (podIp == null || podIp.isBlank()) {
            problems.add("the pod has no IP yet");
            return new Resolution(urls, problems);
        }
        String host = podIp.contains(":") ? "[" + podIp + "]" : podIp;

        String ownPort = annotations.get(PORT_ANNOTATION);
        if (ownPort != null) {
            Integer port = port(ownPort, namedPorts, PORT_ANNOTATION, problems);
            String prefix = annotations.getOrDefault(PATH_ANNOTATION, "/debug/pprof").replaceAll("/+$", "");
            if (port != null && path(prefix, PATH_ANNOTATION, problems)) {
                for (GoProfileType type : wanted) {
                    String suffix = type.defaultPath().substring("/debug/pprof".length());
                    urls.put(type, URI.create("http://" + host + ":" + port + prefix + suffix));
                }
            }
        }
        for (Map.Entry<String, GoProfileType> grafana : GRAFANA_TYPES.entrySet()) {
            String key = GRAFANA + grafana.getKey();
            String scrape = annotations.get(key + ".scrape");
            GoProfileType type = grafana.getValue();
            if (scrape == null || !wanted.contains(type)) {
                continue;
            }
            if (!scrape.equals("true")) {
                urls.remove(type);
                continue;
            }
            String portText = annotations.containsKey(key + ".port_name") ? annotations.get(key + ".port_name") : annotations.get(key + ".port");
            if (portText == null) {
                problems.add(key + ".scrape is true but neither " + key + ".port nor " + key + ".port_name is set");
                continue;
            }
            Integer port = port(portText, namedPorts, key + (annotations.containsKey(key + ".port_name") ? ".port_name" : ".port"), problems);
            String path = annotations.getOrDefault(key + ".path", type.defaultPath());
            if (port != null && path(path, key + ".path", problems)) {
                urls.put(type, URI.create("http://" + host + ":" + port + path));
            }
        }
        return new Resolution(urls, problems);
    }

    private static Integer port(String text, Map<String, Integer> namedPorts, String annotation, List<String> problems) {
        String value = text.strip();
        if (value.chars().allMatch(Character::isDigit) && !value.isEmpty()) {
            int port = value.length() > 5 ? -1 : Integer.parseInt(value);
            if (port >= 1 && port <= 65535) {
                return port;
            }
            problems.add(annotation + ": '" + text + "' is not a port between 1 and 65535");
            return null;
        }
        Integer named = namedPorts.get(value);
        if (named == null) {
            problems.add(annotation + ": no container of the pod has a port named '" + text + "' (known: "
                    + String.join(", ", namedPorts.keySet().stream().sorted().toList()) + ")");
        }
        return named;
    }

    private static boolean path(String path, String annotation, List<String> problems) {
        if (!path.isEmpty() && (!path.startsWith("/") || !path.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != '?' && c != '#'))) {
            problems.add(annotation + ": '" + path + "' is not an absolute path without query");
            return false;
        }
        return true;
    }
}
