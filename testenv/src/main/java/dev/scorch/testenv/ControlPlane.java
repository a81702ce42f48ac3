package dev.scorch.testenv;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A real Kubernetes control plane on loopback for tiers 3 to 5: etcd and kube-apiserver, and, with
 * {@link Options#withControllers()}, kube-controller-manager and kube-scheduler.
 *
 * <p>What it sets up, and why (docs/decisions.md, "Test control plane"):
 * <ul>
 *   <li>Every server binds 127.0.0.1 on a free port and keeps its files in a fresh temporary
 *       directory, deleted on {@link #close()} unless {@code SCORCH_KEEP_TESTENV=true}.</li>
 *   <li>Authentication by static bearer tokens ({@code --token-auth-file}): the admin user is in
 *       {@code system:masters}; the controller manager and scheduler have their own user names so
 *       an audit log tells them apart. No client certificates are generated: kube-apiserver
 *       self-signs its serving certificate into the work directory and clients trust that file.</li>
 *   <li>Authorization {@code Node,RBAC}, so a component under its own ServiceAccount gets exactly
 *       the rights its RBAC grants.</li>
 *   <li>Service-account tokens are signed with a key generated here, so TokenRequest works and a
 *       test can run a component with a real ServiceAccount token.</li>
 *   <li>The default admission plugins of the release stay on, including ServiceAccount (pods get
 *       their projected token volume as in a real cluster; a pod's ServiceAccount must exist) and
 *       PodSecurity (namespaces enforce what their labels say); only TaintNodesByCondition is off,
 *       since the node lifecycle controller that would lift its taint does not run.</li>
 * </ul>
 *
 * <p>Startup costs a few seconds, so test classes share instances: {@link #shared(Options)} starts
 * one per distinct {@link Options} and keeps it until the JVM exits. Tests on a shared control
 * plane use their own namespaces and names.
 *
 * <p>This class is what tests use of a control plane, in one file: its lifecycle and its users'
 * clients and kubeconfigs. Starting its processes lives in {@code ControlPlaneProcesses}, its users
 * and tokens in {@code ControlPlaneUsers}. It stays one file past 250 lines because it is that
 * facade: about 40 classes (tests, benchmarks) call its methods, most of one to five lines over
 * those two classes, and a third of the file is the Javadoc their authors read; splitting it would
 * spread one object's API over several, or change every caller for no behaviour.
 */
public final class ControlPlane implements AutoCloseable {

    /** The admin user: member of {@code system:masters}, so RBAC never refuses it. */
    public static final String ADMIN_USER = "scorch-testenv-admin";
    /** The user kube-controller-manager runs as (in {@code system:masters}). */
    public static final String CONTROLLER_MANAGER_USER = "scorch-testenv-kube-controller-manager";
    /** The user kube-scheduler runs as (in {@code system:masters}). */
    public static final String SCHEDULER_USER = "scorch-testenv-kube-scheduler";
    /** The user kwok runs as (in {@code system:masters}). */
    public static final String KWOK_USER = "scorch-testenv-kwok";
    /** Issuer of the service-account tokens this API server signs. */
    public static final String SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

    static final String AUDIT_LOG = "audit.log";
    private static final Map<Options, ControlPlane> SHARED = new ConcurrentHashMap<>();

    private final Options options;
    private final Path workDirectory;
    private final List<LocalProcess> processes = new CopyOnWriteArrayList<>();
    private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();
    private final ControlPlaneUsers users = new ControlPlaneUsers();
    private final boolean shared;
    private String url;
    private String caPem;
    private KubernetesClient admin;

    /**
     * What to run besides etcd and kube-apiserver.
     *
     * @param controllers also run kube-controller-manager (the default controllers: DaemonSet,
     *     garbage collector, ServiceAccount, namespace, ...; not node lifecycle) and kube-scheduler
     * @param auditPolicy an audit policy (YAML) to log requests with, or null for no audit log
     * @param apiServerFlags extra kube-apiserver flags, {@code --name=value}, appended last so they win
     */
    public record Options(boolean controllers, String auditPolicy, List<String> apiServerFlags) {

        public Options {
            apiServerFlags = List.copyOf(apiServerFlags);
        }

        /** etcd and kube-apiserver only (tier 3). */
        public static Options apiServerOnly() {
            return new Options(false, null, List.of());
        }

        /** etcd, kube-apiserver, kube-controller-manager and kube-scheduler (tiers 4 and 5). */
        public static Options withControllers() {
            return new Options(true, null, List.of());
        }

        /** These options plus an audit log written with {@code policyYaml}; see {@link #auditLog()}. */
        public Options auditedBy(String policyYaml) {
            return new Options(controllers, policyYaml, apiServerFlags);
        }

        /** These options plus one more kube-apiserver flag. */
        public Options apiServerFlag(String flag) {
            return new Options(controllers, auditPolicy, Stream.concat(apiServerFlags.stream(), Stream.of(flag)).toList());
        }
    }

    private ControlPlane(Options options, Path workDirectory, boolean shared) {
        this.options = options;
        this.workDirectory = workDirectory;
        this.shared = shared;
    }

    /**
     * Starts a control plane owned by the caller, who closes it. Skips (or fails, in CI) through
     * the tier guard when the binaries are missing; call it from {@code @BeforeAll} or a test.
     */
    public static ControlPlane start(Options options) {
        requireBinaries(options);
        return startChecked(options, false);
    }

    /**
     * The control plane shared by every caller in this JVM that asks for equal {@code options},
     * started on first use and stopped when the JVM exits; {@link #close()} on it does nothing.
     * Skips (or fails, in CI) through the tier guard when the binaries are missing.
     */
    public static ControlPlane shared(Options options) {
        requireBinaries(options);
        return SHARED.computeIfAbsent(options, o -> {
            ControlPlane started = startChecked(o, true);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(started::stop));
            return started;
        });
    }

    private static void requireBinaries(Options options) {
        TestBinaries binaries = TestBinaries.fromEnvironment();
        if (options.controllers()) {
            binaries.require(Tier.CLUSTER_SIMULATION, List.of(binaries.etcd(), binaries.kubeApiServer(),
                    binaries.kubeControllerManager(), binaries.kubeScheduler()));
        } else {
            binaries.require(Tier.REAL_API_SERVER, List.of(binaries.etcd(), binaries.kubeApiServer()));
        }
    }

    private static ControlPlane startChecked(Options options, boolean shared) {
        Path work;
        try {
            work = Files.createTempDirectory("scorch-controlplane-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the control plane's work directory", e);
        }
        ControlPlane controlPlane = new ControlPlane(options, work, shared);
        try {
            controlPlane.startProcesses(new ControlPlaneProcesses(options, TestBinaries.fromEnvironment(), work, controlPlane.users,
                    controlPlane.processes));
            return controlPlane;
        } catch (RuntimeException e) {
            controlPlane.stop();
            throw e;
        }
    }

    private void startProcesses(ControlPlaneProcesses launcher) {
        ControlPlaneProcesses.ApiServer api = launcher.startApiServer();
        url = api.url();
        caPem = api.caPem();
        ControlPlaneProcesses.write(kubeconfig(), ControlPlaneUsers.kubeconfig(url, caPem, ADMIN_USER, users.token(ADMIN_USER)));
        admin = newClient(adminConfig());
        if (options.controllers()) {
            launcher.startControllers(api);
        }
    }

    /**
     * Writes a kubeconfig that authenticates with {@code token} (e.g. a real ServiceAccount token
     * from {@link #serviceAccountToken}) to {@code file}, for a component run as its own process.
     */
    public Path writeKubeconfigWithToken(String userName, String token, Path file) {
        return ControlPlaneProcesses.write(file, ControlPlaneUsers.kubeconfig(url, caPem, userName, token));
    }

    /**
     * A kubeconfig for one of the control plane's own users that reaches the API server at
     * {@code server} instead of loopback (a node on a private network; the options bind the API
     * server there too with {@code --bind-address}). The serving certificate names localhost, not
     * that address, so the client checks it against localhost.
     */
    public String kubeconfigYamlVia(String user, String server) {
        return ControlPlaneUsers.kubeconfig(server, caPem, user, users.token(user)).replace("    server: " + server + "\n",
                "    server: " + server + "\n    tls-server-name: localhost\n");
    }

    /** The API server's URL, {@code https://127.0.0.1:<port>}. */
    public String url() {
        return url;
    }

    /** The PEM certificates a client trusts to reach {@link #url()}. */
    public String certificateAuthorityPem() {
        return caPem;
    }

    /** A kubeconfig file for the admin user, for tools such as kubectl or kwok. */
    public Path kubeconfig() {
        return workDirectory.resolve("admin.kubeconfig");
    }

    /**
     * Writes a kubeconfig for one of the control plane's own users ({@link #ADMIN_USER},
     * {@link #KWOK_USER}, ...) to {@code file}, for a component started as a separate process.
     */
    public Path writeKubeconfig(String user, Path file) {
        return ControlPlaneProcesses.write(file, ControlPlaneUsers.kubeconfig(url, caPem, user, users.token(user)));
    }

    /** The directory holding this control plane's files and logs ({@code <component>.log}). */
    public Path workDirectory() {
        return workDirectory;
    }

    /** The audit log (JSON lines), present only when the options name an audit policy. */
    public Path auditLog() {
        return workDirectory.resolve(AUDIT_LOG);
    }

    public Options options() {
        return options;
    }

    /** The admin client (in {@code system:masters}); closed with the control plane. */
    public KubernetesClient adminClient() {
        return admin;
    }

    /** Client configuration for the admin user, to build other clients from. */
    public Config adminConfig() {
        return baseConfig().withOauthToken(users.token(ADMIN_USER)).build();
    }

    /**
     * A client that acts as {@code user} in {@code groups} through impersonation by the admin; RBAC
     * decides as it would for that user ({@code system:authenticated} is added by the server).
     */
    public KubernetesClient clientAs(String user, String... groups) {
        return newClient(baseConfig()
                .withOauthToken(users.token(ADMIN_USER))
                .withImpersonateUsername(user)
                .withImpersonateGroups(groups)
                .build());
    }

    /** A client impersonating ServiceAccount {@code namespace/name} with its usual groups. */
    public KubernetesClient clientAsServiceAccount(String namespace, String name) {
        return clientAs("system:serviceaccount:" + namespace + ":" + name,
                "system:serviceaccounts", "system:serviceaccounts:" + namespace);
    }

    /**
     * A real token for ServiceAccount {@code namespace/name} from the TokenRequest API, valid for an
     * hour, as the kubelet would project it into a pod.
     */
    public String serviceAccountToken(String namespace, String name) {
        TokenRequest request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build();
        TokenRequest issued = admin.serviceAccounts().inNamespace(namespace).withName(name).tokenRequest(request);
        return issued.getStatus().getToken();
    }

    /** A client that authenticates with a real token of ServiceAccount {@code namespace/name}. */
    public KubernetesClient clientWithServiceAccountToken(String namespace, String name) {
        return newClient(baseConfig().withOauthToken(serviceAccountToken(namespace, name)).build());
    }

    /** A client for {@code config}, closed with the control plane. */
    public KubernetesClient newClient(Config config) {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        clients.add(client);
        return client;
    }

    private ConfigBuilder baseConfig() {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl(url)
                .withCaCertData(Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)));
    }

    /** Stops everything and deletes the work directory; does nothing on a shared instance. */
    @Override
    public void close() {
        if (!shared) {
            stop();
        }
    }

    private void stop() {
        clients.forEach(KubernetesClient::close);
        clients.clear();
        LocalProcess.closeAll(processes);
        processes.clear();
        if (!Boolean.parseBoolean(System.getenv("SCORCH_KEEP_TESTENV"))) {
            deleteRecursively(workDirectory);
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + directory + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "ControlPlane[" + url + ", " + workDirectory + ", " + Objects.toString(options) + "]";
    }
}
