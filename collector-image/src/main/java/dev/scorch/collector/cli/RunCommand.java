package dev.scorch.collector.cli;

import dev.scorch.collector.heap.HeapCeilingKeeper;
import dev.scorch.collector.kubernetes.ApiServer;
import dev.scorch.collector.kubernetes.KubernetesException;
import dev.scorch.collector.residency.RuntimeFilePages;
import dev.scorch.collector.run.NodeCollector;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code scorch-collector run}: the DaemonSet mode. Reads the config the operator rendered, samples
 * the node until SIGTERM, ships profiles every export interval and reports health.
 */
public final class RunCommand implements Subcommand {

    private final Map<String, String> environment;

    public RunCommand() {
        this(System.getenv());
    }

    RunCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public String name() {
        return "run";
    }

    @Override
    public String summary() {
        return "collect continuously as a node's collector (the DaemonSet mode)";
    }

    @Override
    public String usage() {
        return """
                usage: scorch-collector run [--config FILE] [--api-server URL --api-server-ca FILE --token-file FILE]

                Samples this node for every policy in the config whose node placement admits it,
                attributes stacks to the node's pods, and ships one profile per selected container
                every export interval to each policy's backends. Follows changes of the config file
                without restarting. Runs until SIGTERM, which exports the intervals in progress.

                  --config FILE         collector.json (default: $SCORCH_CONFIG, else /etc/scorch/config/collector.json)
                  --api-server URL      Kubernetes API server, instead of the in-cluster one
                  --api-server-ca FILE  PEM CA bundle of --api-server
                  --token-file FILE     bearer token for --api-server, re-read every minute

                Environment (set by the operator through the downward API):
                  SCORCH_NODE_NAME      this node (required); only its pods are watched
                  SCORCH_POD_NAME, SCORCH_POD_NAMESPACE
                                        this collector's pod, whose scorch.dev/Collecting condition (and one
                                        <policy>.policy.scorch.dev/Collecting per policy) it writes
                """;
    }

    /**
     * The hard bound on the exit after SIGTERM: past {@link NodeCollector#STOP_BOUND}, something
     * the collector waits on did not give way (a thread blocked where no deadline reaches), and the
     * process ends here rather than be killed by the kubelet at 30 s, its in-flight sends already
     * cut and marked and the final interval spooled, or not, by then.
     */
    static final Duration EXIT_BOUND = Duration.ofSeconds(25);

    /**
     * When the start-up pages of the runtime's files are given back ({@link RuntimeFilePages}):
     * after the first export intervals, and again for the pages a burst touched once.
     */
    static final Duration RUNTIME_PAGES_FIRST = Duration.ofSeconds(60);
    static final Duration RUNTIME_PAGES_EVERY = Duration.ofMinutes(10);

    /** Status of an exit forced by {@link #EXIT_BOUND}: a stop that did not finish, as a crash would show. */
    static final int FORCED_EXIT_STATUS = 1;

    /** One line per event: time, level, logger, message (java.util.logging's default takes two). */
    static final String LOG_FORMAT = "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n";

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", LOG_FORMAT);
        }
        // The JDK reads the manager's name once, when logging starts; naming the class does not start it
        // (calling into it would, as initializing it initializes LogManager).
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", StoppingLogManager.class.getName());
        }
        CommandLine options = CommandLine.parse(args, Set.of("config", "api-server", "api-server-ca", "token-file"), Set.of());
        String node = Optional.ofNullable(environment.get("SCORCH_NODE_NAME")).filter(n -> !n.isBlank())
                .orElseThrow(() -> new UsageException("SCORCH_NODE_NAME is not set: the collector watches the pods of its own node "
                        + "(the operator sets it from spec.nodeName)"));
        Path configFile = Path.of(options.value("config")
                .orElse(environment.getOrDefault("SCORCH_CONFIG", "/etc/scorch/config/collector.json")));
        ApiServer api = apiServer(options);
        NodeCollector.Identity identity = new NodeCollector.Identity(node, environment.get("SCORCH_POD_NAMESPACE"),
                environment.get("SCORCH_POD_NAME"));

        // Before the collector allocates: the old generation would otherwise fill -Xmx before its first full GC.
        HeapCeilingKeeper heapCeiling = HeapCeilingKeeper.start(HeapCeilingKeeper.settingsFor(Runtime.getRuntime()));
        NodeCollector running = NodeCollector.start(configFile, identity, api, Clock.systemUTC());
        Thread shutdown = Thread.ofPlatform().name("scorch-shutdown").unstarted(() -> {
            Thread.ofPlatform().daemon().name("scorch-exit-bound").start(() -> haltAfter(EXIT_BOUND, node, running));
            running.close();
            heapCeiling.close();
            StoppingLogManager.closeHandlers();
        });
        Runtime.getRuntime().addShutdownHook(shutdown);
        RuntimeFilePages.releaseAfter(RUNTIME_PAGES_FIRST, RUNTIME_PAGES_EVERY);
        // Not a static logger: this class is loaded before install() and would start logging without it.
        System.getLogger(RunCommand.class.getName())
                .log(System.Logger.Level.INFO, "node {0}: collecting until SIGTERM, which exports the intervals in progress", node);
        running.runUntilClosed();
        return 0;
    }

    private static void haltAfter(Duration bound, String node, NodeCollector running) {
        try {
            Thread.sleep(bound);
        } catch (InterruptedException e) {
            return;
        }
        System.getLogger(RunCommand.class.getName()).log(System.Logger.Level.ERROR,
                "node {0}: still stopping {1} s after SIGTERM; exiting now, before the kubelet''s SIGKILL. Still running:{2}", node,
                Long.toString(bound.toSeconds()), stoppingThreads(running.closingThreads()));
        StoppingLogManager.closeHandlers();
        Runtime.getRuntime().halt(FORCED_EXIT_STATUS);
    }

    /**
     * Where the threads that stop the collector wait, for the log line of a forced exit: the
     * collector's own platform threads and the loop ({@code main}), and the virtual threads closing
     * backends and resources, each named after what it closes (a backend as policy/backend), which
     * {@link Thread#getAllStackTraces()} leaves out.
     */
    static String stoppingThreads(List<Thread> closing) {
        StringBuilder where = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().startsWith("scorch-") || thread.getName().equals("main")) {
                appendStack(where, thread.getName(), stack);
            }
        });
        for (Thread thread : closing) {
            appendStack(where, thread.getName() + " (virtual)", thread.getStackTrace());
        }
        return where.toString();
    }

    private static void appendStack(StringBuilder where, String name, StackTraceElement[] stack) {
        if (stack.length == 0) {
            return;
        }
        where.append("\n  ").append(name).append(" at ").append(stack[0]);
        for (int i = 1; i < Math.min(stack.length, 8); i++) {
            where.append("\n    ").append(stack[i]);
        }
    }

    private ApiServer apiServer(CommandLine options) throws UsageException, KubernetesException {
        Optional<String> url = options.value("api-server");
        if (url.isEmpty()) {
            return ApiServer.inCluster(environment);
        }
        Path ca = Path.of(options.value("api-server-ca").orElseThrow(() -> new UsageException("--api-server needs --api-server-ca")));
        Path token = Path.of(options.value("token-file").orElseThrow(() -> new UsageException("--api-server needs --token-file")));
        return ApiServer.withTokenFile(URI.create(url.get()), ca, token);
    }
}
